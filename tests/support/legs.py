"""The operator's leg of a call through signed webhooks: a caller queued, taken as the
accept leaves it (an assignment `connecting`, the call `connected`, the operator
`busy`), and the leg's webhooks as Twilio posts them."""

from __future__ import annotations

from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Assignment, CaseEvent, User
from hotline.models.states import AssignmentStatus, CallStage, Device, Presence
from tests.support.calls import ScriptedCall

LEG_SID = "CA" + "e" * 32  # the operator's leg


def take(call: ScriptedCall, username: str = "aigerim", device: str = Device.BROWSER) -> int:
    """What the accept writes (another branch's): returns the assignment's id."""
    record = call.record()
    user = db.session.scalars(select(User).where(User.username == username)).one()
    record.stage = CallStage.CONNECTED
    user.presence, user.presence_since, user.device = Presence.BUSY, record.enqueued_at, device
    assignment = Assignment(
        call_id=record.id, user_id=user.id, status=AssignmentStatus.CONNECTING, device=device
    )
    db.session.add(assignment)
    db.session.commit()
    return assignment.id


def operator_leg(call: ScriptedCall, assignment_id: int, status: str, **fields):
    return call.twilio.post(
        f"/telephony/voice/operator-leg/{assignment_id}",
        {"CallSid": LEG_SID, "ParentCallSid": call.sid, "CallStatus": status, **fields},
    )


def dial_result(call: ScriptedCall, assignment_id: int, status: str, **fields):
    return call.post(
        f"/telephony/voice/dial-result/{assignment_id}", DialCallStatus=status, DialCallSid=LEG_SID, **fields
    )


def assignment(assignment_id: int) -> Assignment:
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id)


def operator(username: str = "aigerim") -> User:
    db.session.expire_all()
    return db.session.scalars(select(User).where(User.username == username)).one()


def case_events(call: ScriptedCall, kind: str) -> list[CaseEvent]:
    record = call.record()
    return list(
        db.session.scalars(select(CaseEvent).where(CaseEvent.call_id == record.id, CaseEvent.kind == kind))
    )


def queued(line, need: str = "3", number: str = "+77015551234") -> ScriptedCall:
    call = ScriptedCall(line, from_number=number)
    call.to_queue(need=need)
    return call
