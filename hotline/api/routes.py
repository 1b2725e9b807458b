from __future__ import annotations

from flask import abort, g

from hotline.api import bp
from hotline.api.access import known_queue, may_watch, session_or_token, watched_call
from hotline.api.openapi import documented
from hotline.api.schemas import CallSchema, ErrorSchema, MeSchema, QueuesSchema, WaitingSchema
from hotline.calls import queues as queue_service
from hotline.console.waiting import waiting_list
from hotline.models import utcnow


@bp.get("/calls/<call_sid>")
@documented(
    "One call by its CallSid, if you serve its queue", {200: CallSchema, 403: ErrorSchema, 404: ErrorSchema}
)
@session_or_token
def call_detail(call_sid: str):
    return CallSchema().dump(watched_call(call_sid))


@bp.get("/queues")
@documented("Who waits now in each queue you serve", {200: QueuesSchema})
@session_or_token
def queues():
    watched = [row for row in queue_service.figures(utcnow()) if may_watch(g.api_user, row.name)]
    return QueuesSchema().dump({"queues": watched})


@bp.get("/queues/<name>/waiting")
@documented(
    "Who waits in one queue: the first 50 in answer order, and the total",
    {200: WaitingSchema, 403: ErrorSchema, 404: ErrorSchema},
)
@session_or_token
def waiting(name: str):
    queue = known_queue(name)
    if not may_watch(g.api_user, queue):
        abort(403, description="you do not serve this queue")
    return WaitingSchema().dump(waiting_list(queue, utcnow()))


@bp.get("/me")
@documented("The user asking: role, queues, languages, presence", {200: MeSchema, 403: ErrorSchema})
@session_or_token
def me():
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    return MeSchema().dump(g.api_user)
