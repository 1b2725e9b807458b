from __future__ import annotations

from flask import abort

from hotline import queues as queue_service
from hotline.api import bp
from hotline.api.openapi import documented
from hotline.api.schemas import CallSchema, ErrorSchema, QueuesSchema
from hotline.auth import token_required
from hotline.calls import UnknownCall, get_call
from hotline.models import utcnow


@bp.get("/calls/<call_sid>")
@documented("One call by its CallSid", {200: CallSchema, 404: ErrorSchema})
@token_required
def call_detail(call_sid: str):
    try:
        call = get_call(call_sid)
    except UnknownCall:
        abort(404, description="no call with that CallSid")
    return CallSchema().dump(call)


@bp.get("/queues")
@documented("Who waits in each queue now", {200: QueuesSchema})
@token_required
def queues():
    return QueuesSchema().dump({"queues": queue_service.figures(utcnow())})
