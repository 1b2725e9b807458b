"""The operator's call through the API: hang up, transfer to another queue.

The operator holding the call, or a supervisor or admin, by the console's
session or their own token. The phone network is told after the change commits.
"""

from __future__ import annotations

import logging

from flask import abort, current_app, g

from hotline.api import bp
from hotline.api.access import call_sid_shaped, session_or_token
from hotline.api.bodies import load
from hotline.api.openapi import documented
from hotline.api.schemas import CallSchema, ErrorSchema, TransferSchema
from hotline.calls.service import get_call
from hotline.models import Call, utcnow
from hotline.operators import desk
from hotline.operators import legs as assignments

log = logging.getLogger(__name__)

ANSWERS = {202: CallSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema}


def _handled_call(call_sid: str) -> Call:
    """The call, if the user asking may act on it: 404 unknown, 403 not theirs."""
    call = get_call(call_sid_shaped(call_sid))
    if not assignments.may_handle(g.api_user, call):
        abort(403, description="this call is not yours")
    return call


@bp.post("/calls/<call_sid>/hangup")
@documented("Hang up a call that is with an operator", ANSWERS)
@session_or_token(write=True)
def hang_up(call_sid: str):
    call = _handled_call(call_sid)
    desk.hang_up(call, g.api_user, current_app.extensions["telephony"])
    log.info("call %s hung up by %s", call.call_sid, g.api_user.username)
    return CallSchema().dump(call), 202


@bp.post("/calls/<call_sid>/transfer")
@documented(
    "Transfer a call to another queue: the caller re-enters it at its head", ANSWERS, body=TransferSchema
)
@session_or_token(write=True)
def transfer(call_sid: str):
    call = _handled_call(call_sid)
    queue = load(TransferSchema)["queue"]
    desk.transfer(call, queue, g.api_user, utcnow(), current_app.extensions["telephony"])
    log.info("call %s transferred to %s by %s", call.call_sid, queue, g.api_user.username)
    return CallSchema().dump(call), 202
