"""The audit log: GET /api/v1/audit, newest first, 100 records a page, for supervisors and admins.

Operators and an integration's token get 403. Reading the log is not a view of
a case (nothing is audited by reading it), and it holds no number and no
note's text.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request

from hotline import audit_log
from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.cases import TIMELINE_QUERY
from hotline.api.openapi import documented
from hotline.api.schemas import AuditPageSchema, ErrorSchema
from hotline.operators.legs import SUPERVISING

AUDIT_QUERY = {
    "case": {
        "description": "a case's reference: its records and its calls', callbacks' and offers'",
        "schema": {"type": "string"},
    },
    "user": {
        "description": "who acted: a username, `system`, `telephony`, `token:<id>`",
        "schema": {"type": "string", "maxLength": 64},
    },
    "action": {"description": "an action, as `case.viewed`", "schema": {"type": "string", "maxLength": 64}},
    "from": {"description": "the first local day", "schema": {"type": "string", "format": "date"}},
    "to": {"description": "the last local day", "schema": {"type": "string", "format": "date"}},
    "after": TIMELINE_QUERY["after"],
}


def audit_filters(values) -> audit_log.Filters:
    return audit_log.read(values, ZoneInfo(current_app.config["HOTLINE_TIMEZONE"]))


@bp.get("/audit")
@documented(
    "The audit log, newest first, 100 records a page: supervisors and admins",
    {200: AuditPageSchema, 403: ErrorSchema},
    query=AUDIT_QUERY,
)
@session_or_token
def audit_records():
    if g.api_user is None or g.api_user.role not in SUPERVISING:
        abort(403, description="only supervisors and admins read the audit log")
    return AuditPageSchema().dump(audit_log.page(audit_filters(request.args)))
