"""The operator's leg of a call: from the moment an operator took a caller (an
assignment `connecting`, the call `connected`, the operator `busy`) until the
call ends and the operator is in wrap-up.

The phone network reports that leg three ways, in any order and sometimes
twice: the operator's leg's own status (answered, completed), the Dial's result
on the caller's call (answered or not), and the caller's final status. Each
change is a conditional UPDATE of the assignment from the state it may come
from, inside the call's versioned transaction (`calls.conditional`): a repeated
or late report finds nothing left to change.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from hotline import audit, events
from hotline.calls import queues
from hotline.calls import service as calls
from hotline.calls.queues import seconds_between
from hotline.cases import timeline
from hotline.core.phones import PhoneVault, mask
from hotline.extensions import db
from hotline.models import Assignment, Call, Role, User, utcnow
from hotline.models.states import HOLDING_CALL, AssignmentStatus, CallStage, Presence
from hotline.operators import offers, presence

SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})


class UnknownAssignment(LookupError):
    """No such operator's leg for this call."""


class NotConnected(Exception):
    """The call is not with an operator (any more, or yet): 409."""


def of_call(assignment_id: int, call: Call) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.call_id != call.id:
        raise UnknownAssignment(assignment_id)
    return assignment


def latest(call: Call) -> Assignment | None:
    """The operator who took the call last, whatever became of it."""
    return db.session.scalars(
        select(Assignment).where(Assignment.call_id == call.id).order_by(Assignment.id.desc()).limit(1)
    ).first()


def may_handle(user: User, call: Call) -> bool:
    """Whoever took the call last, and supervisors and admins, may hang it up or transfer it."""
    if user.role in SUPERVISING:
        return True
    taken = latest(call)
    return taken is not None and taken.user_id == user.id


def _change(assignment: Assignment, froms: set[AssignmentStatus], **values) -> bool:
    """Change the assignment if it is still in one of `froms`; False, and the
    assignment read afresh, if it is not."""
    changed = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.status.in_([str(state) for state in froms]))
        .values(**values)
        .returning(Assignment.id)
        .execution_options(synchronize_session=False)
    ).first()
    if changed is None:
        db.session.refresh(assignment)
        return False
    for name, value in values.items():
        set_committed_value(assignment, name, value)
    return True


def lock_call(call: Call) -> None:
    """Lock the call's row before its assignment's: every transaction here takes
    them in that order, as the call's status report does (it changes the call
    first), so two of them wait for each other rather than deadlock."""
    db.session.execute(select(Call.id).where(Call.id == call.id).with_for_update())


def _shown(call: Call, assignment: Assignment, state: str, vault: PhoneVault | None = None) -> dict:
    """The operator's call as their console shows it (`events.operator_call`)."""
    shown = {
        "call_sid": call.call_sid,
        "state": state,
        "case_reference": call.case.reference if call.case else None,
        "queue": call.queue,
        "language": call.language,
        "answered_at": assignment.answered_at.isoformat() if assignment.answered_at else None,
    }
    if vault is not None:
        encrypted = call.caller.number_encrypted if call.caller else None
        shown["masked_number"] = mask(vault.decrypt(encrypted) if encrypted else None)
    return shown


def _settle_talk_time(call: Call) -> None:
    """The call's talk time: what its operators talked, as far as known."""
    total = db.session.scalar(select(func.sum(Assignment.talk_seconds)).where(Assignment.call_id == call.id))
    if total is not None:
        call.talk_seconds = int(total)


def answered(
    assignment: Assignment, now: datetime, vault: PhoneVault, *, talk_seconds: int | None = None
) -> bool:
    """The operator answered (their leg is in progress, or it ended after they
    talked `talk_seconds`). Returns whether this report put them through."""
    call = assignment.call

    def change() -> bool:
        started = False
        lock_call(call)
        if call.stage == CallStage.CONNECTED:
            answered_at = now - timedelta(seconds=talk_seconds or 0)
            started = _change(
                assignment,
                {AssignmentStatus.CONNECTING},
                status=AssignmentStatus.TALKING,
                answered_at=answered_at,
            )
        if started:
            user = assignment.user
            call.operator_id = user.id
            timeline.record(
                call.case_id,
                "connected",
                actor=audit.TELEPHONY,
                call=call,
                actor_id=user.id,
                action="call.connected",
                operator=user.username,
            )
            events.operator_call(user.id, _shown(call, assignment, "talking", vault))
        if talk_seconds is not None:
            # The network's own figure, whatever became of the assignment since
            # (a wrap-up saved meanwhile): the same on a repeat, so written again harmlessly.
            answered_leg = {*AssignmentStatus} - {AssignmentStatus.CONNECTING, AssignmentStatus.MISSED}
            if _change(assignment, answered_leg, talk_seconds=talk_seconds):
                _settle_talk_time(call)
        return started

    return calls.conditional(change)


def not_answered(assignment: Assignment, now: datetime) -> bool:
    """The operator's phone was not answered, busy or failed: they become away,
    and the caller goes back to the head of their queue. Returns whether this
    report sent the caller back (False for a repeat, or a call that went on)."""
    call = assignment.call

    def change() -> bool:
        lock_call(call)
        if call.stage != CallStage.CONNECTED:
            return False
        if not _change(
            assignment, {AssignmentStatus.CONNECTING}, status=AssignmentStatus.MISSED, ended_at=now
        ):
            return False
        user = assignment.user
        presence.move(
            user,
            Presence.AWAY,
            now,
            actor=audit.TELEPHONY,
            reason="not_answered",
            allowed_from={Presence.BUSY},
        )
        events.operator_call(user.id, _shown(call, assignment, "missed"))
        calls.back_to_queue(call, call.queue, now, left_at=assignment.started_at)
        timeline.record(
            call.case_id,
            "returned_to_queue",
            actor=audit.TELEPHONY,
            call=call,
            action="call.returned",
            operator=user.username,
            reason="not_answered",
        )
        return True

    return calls.conditional(change)


def _wrap_up(call: Call, assignment: Assignment, now: datetime, reason: str) -> bool:
    """The operator talked and the conversation is over: their wrap-up starts."""
    until = now + timedelta(seconds=current_app.config["HOTLINE_WRAP_UP_SECONDS"])
    values = {"status": AssignmentStatus.WRAP_UP, "ended_at": now, "wrap_up_until": until}
    if assignment.talk_seconds is None:
        values["talk_seconds"] = seconds_between(assignment.answered_at, now)
    if not _change(assignment, {AssignmentStatus.TALKING}, **values):
        return False
    user = assignment.user
    presence.move(
        user, Presence.WRAP_UP, now, actor=audit.TELEPHONY, reason=reason, allowed_from={Presence.BUSY}
    )
    events.operator_call(user.id, {**_shown(call, assignment, "wrap_up"), "wrap_up_until": until.isoformat()})
    _settle_talk_time(call)
    return True


def call_ended(call: Call, now: datetime) -> CallStage:
    """The caller's call ended while connected (part of `calls.update_status`):
    wrap-up for an operator who talked with them; for one still being put
    through, the call simply ends and they are available again."""
    assignment = db.session.scalars(
        select(Assignment).where(Assignment.call_id == call.id, Assignment.status.in_(HOLDING_CALL))
    ).first()
    if assignment is None:
        return CallStage.ENDED
    if _change(assignment, {AssignmentStatus.CONNECTING}, status=AssignmentStatus.MISSED, ended_at=now):
        user = assignment.user
        presence.move(
            user,
            Presence.AVAILABLE,
            now,
            actor=audit.TELEPHONY,
            reason="caller_left",
            allowed_from={Presence.BUSY},
        )
        events.operator_call(user.id, _shown(call, assignment, "done"))
        return CallStage.ENDED
    if _wrap_up(call, assignment, now, reason="call_ended"):
        return CallStage.WRAP_UP
    return CallStage.ENDED


def hung_up_by(call: Call, user: User) -> None:
    """Who had the network hang up the call: the audit log's record of it."""
    audit.record(user.username, "call.hung_up", "call", call.call_sid)
    db.session.commit()


def transfer(call: Call, queue: str, actor: User, now: datetime) -> None:
    """The caller re-enters `queue` at its head, with the same case; the operator
    who talked with them goes to wrap-up. The caller's call is then redirected
    (by the caller of this function, after it commits) to TwiML that enqueues it."""

    def change() -> None:
        lock_call(call)
        if call.stage != CallStage.CONNECTED:
            raise NotConnected("the call is not with an operator")
        assignment = db.session.scalars(
            select(Assignment).where(Assignment.call_id == call.id, Assignment.status.in_(HOLDING_CALL))
        ).first()
        if assignment is None or assignment.status != AssignmentStatus.TALKING:
            raise NotConnected("the operator has not answered yet")
        if not _wrap_up(call, assignment, now, reason="transferred"):
            raise NotConnected("the conversation ended meanwhile")
        from_queue = call.queue
        calls.back_to_queue(call, queue, now)
        timeline.record(
            call.case_id,
            "transferred",
            actor=actor.username,
            call=call,
            actor_id=actor.id,
            action="call.transferred",
            from_queue=from_queue,
            to_queue=queue,
        )

    calls.conditional(change)


def announce_return(call: Call) -> None:
    """After the caller's return to the queue committed: consoles see them again,
    at their place (the head of their priority), and the next free operator is
    offered them."""
    waiting = calls.waiting_caller(call, call.case.reference if call.case else None)
    events.caller_joined(dataclasses.replace(waiting, position=queues.position_of(call)))
    offers.offer_caller(call.id, utcnow())
