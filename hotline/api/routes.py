from __future__ import annotations

from datetime import datetime

from flask import abort, jsonify

from hotline import queues as queue_service
from hotline.api import bp
from hotline.auth import token_required
from hotline.calls import UnknownCall, get_call
from hotline.models import Call, utcnow


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def call_json(call: Call) -> dict:
    return {
        "call_sid": call.call_sid,
        "direction": call.direction,
        "status": call.status,
        "stage": call.stage,
        "queue": call.queue,
        "priority": call.priority,
        "crisis": call.crisis,
        "language": call.language,
        "case_reference": call.case.reference if call.case else None,
        "queue_result": call.queue_result,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
        "duration_seconds": call.duration_seconds,
        "abandoned": call.abandoned,
        "started_at": _iso(call.started_at),
        "enqueued_at": _iso(call.enqueued_at),
        "dequeued_at": _iso(call.dequeued_at),
        "ended_at": _iso(call.ended_at),
    }


@bp.get("/calls/<call_sid>")
@token_required
def call_detail(call_sid: str):
    try:
        call = get_call(call_sid)
    except UnknownCall:
        abort(404, description="no call with that CallSid")
    return jsonify(call_json(call))


@bp.get("/queues")
@token_required
def queues():
    return jsonify(
        queues=[
            {"name": f.name, "waiting": f.waiting, "longest_wait_seconds": f.longest_wait_seconds}
            for f in queue_service.figures(utcnow())
        ]
    )
