"""The operator's call through the API: hang up, transfer to another queue.

The operator holding the call, or a supervisor or admin, by the console's
session or their own token. The phone network is told after the change commits.
"""

from __future__ import annotations

import logging

from flask import abort, current_app, g, url_for
from requests import RequestException
from twilio.base.exceptions import TwilioRestException

from hotline.api import bp
from hotline.api.access import call_sid_shaped, session_or_token
from hotline.api.bodies import load
from hotline.api.openapi import documented
from hotline.api.schemas import CallSchema, ErrorSchema, TransferSchema
from hotline.calls.service import ConcurrentChange, UnknownCall, get_call
from hotline.models import Call, utcnow
from hotline.models.states import CallStage
from hotline.operators import legs as assignments

log = logging.getLogger(__name__)

# What the phone network may answer instead of doing it: an error, or nothing.
NETWORK_ERRORS = (TwilioRestException, RequestException)
ANSWERS = {202: CallSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema}


def _handled_call(call_sid: str) -> Call:
    """The call, if the user asking may act on it: 404 unknown, 403 not theirs."""
    try:
        call = get_call(call_sid_shaped(call_sid))
    except UnknownCall:
        abort(404, description="no call with that CallSid")
    if not assignments.may_handle(g.api_user, call):
        abort(403, description="this call is not yours")
    return call


@bp.post("/calls/<call_sid>/hangup")
@documented("Hang up a call that is with an operator", ANSWERS)
@session_or_token(write=True)
def hang_up(call_sid: str):
    call = _handled_call(call_sid)
    if call.stage != CallStage.CONNECTED:
        abort(409, description="the call is not with an operator")
    try:
        current_app.extensions["telephony"].hang_up(call.call_sid)
    except NETWORK_ERRORS as error:
        log.warning("call %s: hang-up not taken by the network: %s", call.call_sid, type(error).__name__)
        abort(502, description="the phone network did not take the hang-up; try again")
    assignments.hung_up_by(call, g.api_user)
    log.info("call %s hung up by %s", call.call_sid, g.api_user.username)
    # The call's own status report ends it (and starts the operator's wrap-up).
    return CallSchema().dump(call), 202


@bp.post("/calls/<call_sid>/transfer")
@documented(
    "Transfer a call to another queue: the caller re-enters it at its head", ANSWERS, body=TransferSchema
)
@session_or_token(write=True)
def transfer(call_sid: str):
    call = _handled_call(call_sid)
    queue = load(TransferSchema)["queue"]
    try:
        assignments.transfer(call, queue, g.api_user, utcnow())
    except assignments.NotConnected as error:
        abort(409, description=str(error))
    except ConcurrentChange:
        abort(409, description="the call changed meanwhile; try again")
    assignments.announce_return(call)
    try:
        current_app.extensions["telephony"].redirect_call(
            call.call_sid, url_for("telephony.requeue", _external=True)
        )
    except NETWORK_ERRORS as error:
        # The caller is still with the operator: when that ends, the Dial's
        # result finds them back in the queue and enqueues them (telephony/operators.py).
        log.warning("call %s: transfer not taken by the network: %s", call.call_sid, type(error).__name__)
        abort(
            502,
            description="the phone network did not take the transfer; the caller follows when the call ends",
        )
    log.info("call %s transferred to %s by %s", call.call_sid, queue, g.api_user.username)
    return CallSchema().dump(call), 202
