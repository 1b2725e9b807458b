"""/audit: the audit log, newest first, 100 records a page, filtered by case,
user, action and local days (a GET form: no number is ever asked for);
/audit.csv: every record the same filters match, as CSV. Supervisors and
admins only (others the 403 page). Reading the log is not a view of a case.

The CSV is streamed a batch at a time (audit_log.every). A cell that a
spreadsheet would read as a formula (=, +, -, @ first: an actor is what was
typed at a failed login) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request, stream_with_context, url_for

from hotline import audit_log
from hotline.accounts.auth import role_required
from hotline.auditpage import bp
from hotline.cases.search_query import BadQuery
from hotline.models import Role

NAMES = ("case", "user", "action", "from", "to")
COLUMNS = ("at", "actor", "action", "case", "object_type", "object_id")
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


def _filters() -> tuple[audit_log.Filters | None, str | None]:
    try:
        return audit_log.read(request.args, ZoneInfo(current_app.config["HOTLINE_TIMEZONE"])), None
    except BadQuery as refusal:
        return None, refusal.name


def _kept() -> dict[str, str]:
    return {name: request.args[name] for name in NAMES if request.args.get(name)}


@bp.get("/audit")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def audit_page():
    filters, refused = _filters()
    found = audit_log.page(filters) if filters is not None else {"items": [], "next": None}
    kept = _kept()
    return render_template(
        "audit/audit.html",
        found=found,
        values={name: request.args.get(name, "") for name in NAMES},
        refused=refused,
        csv_url=url_for(".audit_csv", **kept),
        older=url_for(".audit_page", **kept, after=found["next"]) if found["next"] else None,
        newest=url_for(".audit_page", **kept) if request.args.get("after") else None,
    ), (200 if filters is not None else 400)


def _cell(value) -> str:
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_FIRST) else text


def _lines(filters: audit_log.Filters) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for count, item in enumerate(audit_log.every(filters), 1):
        writer.writerow([_cell(item[column]) for column in COLUMNS])
        if count % audit_log.BATCH == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@bp.get("/audit.csv")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def audit_csv():
    filters, _ = _filters()
    if filters is None:
        return audit_page()
    return Response(
        stream_with_context(_lines(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
