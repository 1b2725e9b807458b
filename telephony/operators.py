"""/telephony/voice/connect/…: the caller's leg once an operator took them.

Accepting a caller redirects their queued call (by CallSid) here; the answer
dials the operator who took them, on the device they chose.
"""

from __future__ import annotations

from flask import abort, current_app

from hotline import calls, softphone
from hotline.extensions import db
from hotline.lifecycle import AssignmentStatus, Device
from hotline.models import Assignment
from telephony import forms, line_settings, twiml
from telephony.security import twilio_signed
from telephony.webhooks import _step, _twiml, bp

DIAL_TIMEOUT_SECONDS = 20


@bp.post("/connect/<int:assignment_id>")
@twilio_signed
def connect(assignment_id: int):
    call = calls.get_call(forms.call_sid())
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.call_id != call.id:
        abort(404, description="no such operator for this call")
    step = _step("connect", call)
    line = line_settings(current_app)
    if assignment.status != AssignmentStatus.CONNECTING:
        return _twiml(twiml.hang_up())
    operator = assignment.user
    if assignment.device == Device.PHONE and operator.phone_encrypted is not None:
        number = current_app.extensions["phone_vault"].decrypt(operator.phone_encrypted)
        return _twiml(
            twiml.dial_operator(line.speaker, step.language, number=number, timeout=DIAL_TIMEOUT_SECONDS)
        )
    identity = softphone.client_identity(operator.id, current_app.config["SECRET_KEY"])
    return _twiml(
        twiml.dial_operator(line.speaker, step.language, client=identity, timeout=DIAL_TIMEOUT_SECONDS)
    )
