"""GET /api/v1/stats: the supervisors' figures for a range of local days, as
JSON (`{"rows": [...]}`) or, with `Accept: text/csv` or `format=csv`, the same
table as CSV. Supervisors, admins and read-only integration tokens read them;
an operator gets 403. The figures are `hotline.stats.figures.report`'s, defined
in docs/metrics.md.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, g, request
from marshmallow import Schema, fields

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema
from hotline.core.parsing import calendar_date
from hotline.models import QueueName
from hotline.operators.legs import SUPERVISING
from hotline.stats import figures

# A range longer than this is refused: ten years of days is a long report already.
LONGEST_RANGE_DAYS = 3660
CSV = "text/csv"
QUERY = {
    "from": {
        "required": True,
        "description": "the first local day, YYYY-MM-DD",
        "schema": {"type": "string", "format": "date"},
    },
    "to": {
        "required": True,
        "description": "the last local day (included), YYYY-MM-DD",
        "schema": {"type": "string", "format": "date"},
    },
    "group_by": {
        "description": "one row per queue (the default), day, hour, operator, category or language",
        "schema": {"type": "string", "enum": list(figures.GROUPS)},
    },
    "queue": {
        "description": "only this queue's figures",
        "schema": {"type": "string", "enum": [q.value for q in QueueName]},
    },
    "format": {
        "description": "csv for the same table as CSV (as Accept: text/csv)",
        "schema": {"type": "string", "enum": ["json", "csv"]},
    },
}


def _rate(description: str) -> fields.Float:
    return fields.Float(required=True, allow_none=True, metadata={"description": description})


class StatsRowSchema(Schema):
    """One group's figures (docs/metrics.md); its key is under the group's name."""

    queue = fields.String(metadata={"description": "group_by=queue"})
    day = fields.String(metadata={"description": "group_by=day: YYYY-MM-DD, local"})
    hour = fields.String(metadata={"description": "group_by=hour: YYYY-MM-DDTHH, local"})
    operator = fields.String(
        allow_none=True, metadata={"description": "group_by=operator: the username, null for none"}
    )
    category = fields.String(
        allow_none=True, metadata={"description": "group_by=category: the code, null for none"}
    )
    language = fields.String(
        allow_none=True, metadata={"description": "group_by=language: the code, null for none"}
    )
    offered = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    abandoned = fields.Integer(required=True)
    short_abandoned = fields.Integer(required=True)
    callback_requested = fields.Integer(required=True)
    service_level = _rate("answered within T ÷ (answered + abandoned after T), 0–1")
    average_speed_of_answer_seconds = _rate("the mean wait of answered calls")
    wait_p50_seconds = fields.Integer(
        required=True, allow_none=True, metadata={"description": "to the histogram's bucket edge"}
    )
    wait_p90_seconds = fields.Integer(
        required=True, allow_none=True, metadata={"description": "to the histogram's bucket edge"}
    )
    wait_max_seconds = fields.Integer(required=True, allow_none=True)
    abandon_rate = _rate("abandoned ÷ (offered − short abandoned), 0–1")
    average_handle_seconds = _rate("talk + wrap-up, per answered call")
    opened = fields.Integer(required=True)
    resolved = fields.Integer(required=True)
    support_rate = _rate("resolved with support given ÷ valid requests, 0–1")


class StatsSchema(Schema):
    rows = fields.List(fields.Nested(StatsRowSchema), required=True)


@bp.get("/stats")
@documented(
    "The figures for a range of local days, by queue, day, hour, operator, category or language",
    {200: StatsSchema, 403: ErrorSchema},
    query=QUERY,
    also={CSV: {"schema": {"type": "string", "description": "the same rows as CSV, a header line first"}}},
)
@session_or_token
def stats():
    may_read_figures()
    first, last = _day("from"), _day("to")
    if last < first:
        abort(400, description="to is before from")
    if (last - first).days >= LONGEST_RANGE_DAYS:
        abort(400, description=f"the range is longer than {LONGEST_RANGE_DAYS} days")
    group_by = request.args.get("group_by", "queue")
    if group_by not in figures.GROUPS:
        abort(400, description="group_by must be one of " + ", ".join(figures.GROUPS))
    queue = request.args.get("queue")
    if queue is not None and queue not in {name.value for name in QueueName}:
        abort(400, description="no queue with that name")
    answer = request.args.get("format")
    if answer not in (None, "json", "csv"):
        abort(400, description="format must be json or csv")
    rows = figures.report(first, last, group_by, queue)
    if answer == "csv" or (
        answer is None and request.accept_mimetypes.best_match(["application/json", CSV]) == CSV
    ):
        return _csv(group_by, rows)
    return StatsSchema().dump({"rows": rows})


def may_read_figures() -> None:
    """The figures' one access rule: supervisors, admins and read-only
    integration tokens (no user) read them; anyone else gets 403."""
    if g.api_user is not None and g.api_user.role not in SUPERVISING:
        abort(403, description="the figures are for supervisors and admins")


def _day(name: str) -> date:
    text = request.args.get(name)
    if text is None:
        abort(400, description=f"{name} is required: a local day, YYYY-MM-DD")
    day = calendar_date(text)
    if day is None:
        abort(400, description=f"{name} must be a day written YYYY-MM-DD")
    return day


def _csv(group_by: str, rows: list[dict]) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[group_by, *figures.FIGURES], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(), mimetype=CSV, headers={"Content-Disposition": "attachment; filename=stats.csv"}
    )
