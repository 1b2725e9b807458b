"""GET /api/v1/stats/live: the wallboard's snapshot (`hotline.wallboard.snapshot`,
defined in docs/metrics.md), read by whoever may read the figures
(`stats.may_read_figures`). `wallboard.queue` carries one item of its `queues`."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema
from hotline.api.stats import may_read_figures
from hotline.models import QueueName, utcnow
from hotline.wallboard import snapshot


def _count(description: str) -> fields.Integer:
    return fields.Integer(required=True, metadata={"description": description})


def _rate(description: str) -> fields.Float:
    return fields.Float(required=True, allow_none=True, metadata={"description": description})


class LiveQueueSchema(Schema):
    """One queue now; the `wallboard.queue` event's body."""

    queue = fields.String(required=True, metadata={"enum": [queue.value for queue in QueueName]})
    waiting = _count("callers waiting now (queued or offered)")
    longest_wait_seconds = _count("how long the longest-waiting caller has waited, 0 when nobody waits")
    available = _count("operators of the queue available")
    busy = _count("operators of the queue on a call")
    wrap_up = _count("operators of the queue in wrap-up")
    away = _count("operators of the queue away")
    callbacks_queued = _count("callbacks queued, waiting for an operator")
    callbacks_overdue = _count("callbacks due and not dialled for more than 10 minutes")
    service_level_today = _rate("today's service level (the local day), 0–1")
    abandon_rate_today = _rate("today's abandon rate, 0–1")
    average_speed_of_answer_today = _rate("today's average speed of answer, seconds")


class LiveAlertSchema(Schema):
    """An open imminent-risk alert: no number, no note."""

    alert_id = fields.Integer(required=True)
    case_reference = fields.String(required=True)
    queue = fields.String(required=True)
    raised_at = fields.DateTime(required=True)
    acknowledged = fields.Boolean(required=True)


class LiveSchema(Schema):
    queues = fields.List(fields.Nested(LiveQueueSchema), required=True)
    alerts = fields.List(fields.Nested(LiveAlertSchema), required=True)


@bp.get("/stats/live")
@documented(
    "The wallboard's figures now: every queue, and the open imminent-risk alerts",
    {200: LiveSchema, 403: ErrorSchema},
)
@session_or_token
def stats_live():
    may_read_figures()
    return LiveSchema().dump(snapshot.live(utcnow(), current_app.config))
