"""/telephony/voice/callbacks/<attempt>/…: the call the hotline places to call someone back.

The operator's phone is rung first (a REST-created call, `hotline.operators.callbacks.place`).
`operator` answers once they pick up: it dials the person from the hotline's number,
with machine detection; `screen` hears who answered (a machine hears nothing and is
hung up on); `dialled` is the Dial's result; `status` the operator's call's own
status, which also ends the call's record as the status webhook does (a wrap-up
after a conversation).
"""

from __future__ import annotations

from flask import Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from hotline.models import utcnow
from hotline.operators import callbacks, departures
from telephony import forms, twiml, vocabulary
from telephony.security import twilio_signed
from telephony.webhooks import _twiml, _url, bp

# How many times the operator's answered call asks again while the hotline is
# still recording that it placed it (a second at a time).
RECORDING_TRIES = 5
HUMAN = frozenset({"human", "unknown"})


def _hang_up() -> Response:
    response = VoiceResponse()
    response.hangup()
    return _twiml(str(response))


@bp.post("/callbacks/<int:attempt_id>/operator")
@twilio_signed
def callback_operator(attempt_id: int):
    tries = forms.attempt()
    attempt = callbacks.attempt_of_call(attempt_id, forms.call_sid())
    if attempt is None:
        if tries >= RECORDING_TRIES:
            return _hang_up()
        return _twiml(
            twiml.pause_and_retry(_url("callback_operator", attempt_id=attempt_id, attempt=tries + 1))
        )
    dialling = callbacks.operator_answered(attempt, utcnow())
    if dialling is None:
        return _hang_up()
    return _twiml(
        twiml.dial_person(
            dialling.number,
            caller_id=current_app.config["HOTLINE_NUMBER"],
            action=_url("callback_dialled", attempt_id=attempt_id),
            screen=_url("callback_screen", attempt_id=attempt_id),
        )
    )


def _attempt(attempt_id: int):
    """The attempt of the operator's call, from a report about the person's leg (ParentCallSid)."""
    parent = request.form.get("ParentCallSid") or forms.call_sid()
    if not forms.CALL_SID.fullmatch(parent):
        raise forms.BadWebhook("ParentCallSid is malformed")
    attempt = callbacks.attempt_of_call(attempt_id, parent)
    if attempt is None:
        raise forms.BadWebhook("no such call back")
    return attempt


@bp.post("/callbacks/<int:attempt_id>/screen")
@twilio_signed
def callback_screen(attempt_id: int):
    answered_by = forms.choice("AnsweredBy", vocabulary.ANSWERED_BY)
    if callbacks.screened(_attempt(attempt_id), answered_by in HUMAN, utcnow()):
        return _twiml(str(VoiceResponse()))
    return _hang_up()


@bp.post("/callbacks/<int:attempt_id>/dialled")
@twilio_signed
def callback_dialled(attempt_id: int):
    attempt = callbacks.attempt_of_call(attempt_id, forms.call_sid())
    if attempt is None:
        raise forms.BadWebhook("no such call back")
    status = forms.choice("DialCallStatus", vocabulary.DIAL_STATUSES)
    bridged = request.form.get("DialBridged", "") == "true"
    callbacks.dial_ended(attempt, status, bridged, utcnow(), current_app.extensions["telephony"])
    return _hang_up()


@bp.post("/callbacks/<int:attempt_id>/status")
@twilio_signed
def callback_status(attempt_id: int):
    call_sid = forms.call_sid()
    call_status = forms.choice("CallStatus", vocabulary.CALL_STATUSES)
    attempt = callbacks.attempt_of_call(attempt_id, call_sid)
    if attempt is None:
        raise forms.BadWebhook("no such call back")
    now = utcnow()
    progress = vocabulary.PROGRESS[call_status]
    departures.status_reported(
        call_sid,
        call_status,
        progress,
        forms.count("SequenceNumber"),
        forms.count("CallDuration"),
        now,
        current_app.extensions["telephony"],
    )
    return Response(status=204)
