from __future__ import annotations

from flask import abort, g

from hotline.accounts.auth import token_required
from hotline.api import bp
from hotline.api.access import call_sid_shaped, known_queue, may_watch, session_or_token
from hotline.api.openapi import documented
from hotline.api.schemas import CallSchema, ErrorSchema, MeSchema, QueuesSchema, WaitingSchema
from hotline.calls import queues as queue_service
from hotline.calls.service import get_call
from hotline.console.waiting import waiting_list
from hotline.models import utcnow


@bp.get("/calls/<call_sid>")
@documented("One call by its CallSid", {200: CallSchema, 404: ErrorSchema})
@token_required
def call_detail(call_sid: str):
    return CallSchema().dump(get_call(call_sid_shaped(call_sid)))


@bp.get("/queues")
@documented("Who waits in each queue now", {200: QueuesSchema})
@token_required
def queues():
    return QueuesSchema().dump({"queues": queue_service.figures(utcnow())})


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
