"""/telephony/voice/…: the caller's leg once an operator took them.

Accepting a caller redirects their queued call (by CallSid) to `connect`, whose
answer dials the operator who took them, on the device they chose. The
operator's leg then reports to `operator-leg` (ringing, answered, completed),
and the Dial's end to `dial-result` on the caller's call: answered, the caller's
call ends with the conversation; not answered, the caller goes back to the head
of their queue. A transfer redirects the caller to `requeue`.
"""

from __future__ import annotations

from flask import Response, current_app, request

from hotline.calls import service as calls
from hotline.models import utcnow
from hotline.models.states import WAITING, AssignmentStatus, Device, DialOutcome, Progress
from hotline.operators import legs as assignments
from telephony import access as softphone
from telephony import forms, line_settings, twiml, vocabulary
from telephony.security import twilio_signed
from telephony.webhooks import Step, _plain, _step, _twiml, _url, bp

DIAL_TIMEOUT_SECONDS = 20


@bp.errorhandler(assignments.UnknownAssignment)
def _unknown_assignment(_error: assignments.UnknownAssignment):
    return _plain(404, "404 Not Found: no such operator for this call")


@bp.post("/connect/<int:assignment_id>")
@twilio_signed
def connect(assignment_id: int):
    call = calls.get_call(forms.call_sid())
    assignment = assignments.of_call(assignment_id, call)
    step = _step("connect", call)
    line = line_settings(current_app)
    if assignment.status != AssignmentStatus.CONNECTING:
        return _twiml(twiml.hang_up())
    operator = assignment.user
    leg = {
        "action": _url("dial_result", assignment_id=assignment.id),
        "leg_callback": _url("operator_leg", assignment_id=assignment.id),
        "timeout": DIAL_TIMEOUT_SECONDS,
    }
    if assignment.device == Device.PHONE and operator.phone_encrypted is not None:
        number = current_app.extensions["phone_vault"].decrypt(operator.phone_encrypted)
        return _twiml(twiml.dial_operator(line.speaker, step.language, number=number, **leg))
    identity = softphone.client_identity(operator.id, current_app.config["SECRET_KEY"])
    return _twiml(twiml.dial_operator(line.speaker, step.language, client=identity, **leg))


def _parent_call_sid() -> str:
    """The caller's CallSid, on a report about the operator's (child) leg."""
    value = request.form.get("ParentCallSid", "")
    if not forms.CALL_SID.fullmatch(value):
        raise forms.BadWebhook("ParentCallSid is missing or malformed")
    return value


@bp.post("/operator-leg/<int:assignment_id>")
@twilio_signed
def operator_leg(assignment_id: int):
    forms.call_sid()  # the operator's leg's own: checked, not kept
    status = forms.choice("CallStatus", vocabulary.CALL_STATUSES)
    duration = forms.count("CallDuration")
    call = calls.get_call(_parent_call_sid())
    assignment = assignments.of_call(assignment_id, call)
    if status in vocabulary.LEG_ANSWERED:
        finished = vocabulary.PROGRESS[status] == Progress.FINISHED
        assignments.answered(
            assignment,
            utcnow(),
            current_app.extensions["phone_vault"],
            talk_seconds=duration if finished else None,
        )
    return Response(status=204)


@bp.post("/dial-result/<int:assignment_id>")
@twilio_signed
def dial_result(assignment_id: int):
    step = _step("dial_result")
    assignment = assignments.of_call(assignment_id, step.call)
    outcome = vocabulary.DIAL_OUTCOME[forms.choice("DialCallStatus", vocabulary.DIAL_STATUSES)]
    seconds = forms.count("DialCallDuration")
    now = utcnow()
    returned = False
    if outcome == DialOutcome.ANSWERED:
        vault = current_app.extensions["phone_vault"]
        assignments.answered(assignment, now, vault, talk_seconds=seconds)
    else:
        returned = assignments.not_answered(assignment, now)
        if returned:
            assignments.announce_return(step.call)
    if returned or step.call.stage in WAITING:
        # Back in the queue (not answered, or a transfer the network did not
        # take at once): into it again, even if the next operator took them
        # already (their accept's redirect takes the caller from there).
        return _enqueue_again(step)
    return _twiml(twiml.hang_up())


@bp.post("/requeue")
@twilio_signed
def requeue():
    """Where a transferred caller is redirected: into their (new) queue."""
    return _enqueue_again(_step("requeue"))


def _enqueue_again(step: Step) -> Response:
    """The menu's <Enqueue>, into the call's queue again: same wait URL and
    action; the caller hears "connecting", never the emergency number again."""
    line = line_settings(current_app)
    return _twiml(
        twiml.enqueue(
            line.speaker,
            step.language,
            step.call.queue,
            wait_url=_url("wait"),
            action=_url("queue_result"),
            crisis=False,
            emergency_number=line.emergency_number,
        )
    )
