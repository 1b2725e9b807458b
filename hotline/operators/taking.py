"""Taking a caller: an operator accepts their offer, or picks a caller from the
list (a supervisor or admin any caller).

Exactly one of several takers wins: the call moves `queued|offered → connected`
only if it still waits (its row locked first, as every transaction on a call
and its assignment does), the assignment is inserted with ON CONFLICT DO
NOTHING against the partial unique indexes (one assignment holding a call, one
holding an operator), and the taker moves to `busy` only from `available` or
`away`, all in one transaction. Whoever changed the rows won; everyone else
writes nothing and hears 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as sa_case
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from hotline import audit, events
from hotline.calls import stages
from hotline.calls.service import get_call, waiting_caller
from hotline.cases import timeline
from hotline.extensions import db
from hotline.models import Assignment, Call, Offer, Role, User
from hotline.models.states import WAITING, AssignmentStatus, CallStage, OfferStatus, Presence
from hotline.operators import offer_endings, presence

# Where a taker may come from: an operator on a call or in wrap-up takes no other.
TAKER_FROM = frozenset({Presence.AVAILABLE, Presence.AWAY})


class NotServed(PermissionError):
    """The call waits in a queue the operator does not serve."""


class CannotTake(RuntimeError):
    """409: the call no longer waits, someone else took it, or the taker is busy."""


@dataclass(frozen=True)
class Taken:
    """A caller taken: what the taker's console shows, and the others' offers closed."""

    assignment_id: int
    call_sid: str
    case_reference: str | None
    queue: str
    language: str | None
    crisis: bool
    device: str
    withdrawn_from: tuple[int, ...] = ()
    # The caller the taker had been offered meanwhile, waiting again.
    released_call_id: int | None = None

    def message(self, state: str) -> dict:
        return {
            "kind": "call",
            "assignment_id": self.assignment_id,
            "call_sid": self.call_sid,
            "case_reference": self.case_reference,
            "queue": self.queue,
            "language": self.language,
            "crisis": self.crisis,
            "device": self.device,
            "state": state,
        }


def _insert_assignment(values: dict):
    dialect_insert = (
        postgresql.insert if db.session.connection().dialect.name == "postgresql" else sqlite.insert
    )
    # No conflict target: either partial unique index (the call's, the operator's) makes it do nothing.
    return dialect_insert(Assignment).values(**values).on_conflict_do_nothing().returning(Assignment.id)


def take(call_sid: str, user: User, now: datetime, offer_id: int | None = None) -> Taken:
    """`user` takes the caller `call_sid`, committed. With `offer_id`, only while
    that offer (theirs) is still open. Raises UnknownCall, NotServed, CannotTake."""
    call = get_call(call_sid)
    if call.stage not in WAITING:
        raise CannotTake("the caller is not waiting")
    if user.role == Role.OPERATOR and call.queue not in user.queue_names:
        raise NotServed(call.queue)
    if user.presence not in TAKER_FROM:
        raise CannotTake("you are on a call or in wrap-up")
    reference = call.case.reference if call.case is not None else None
    try:
        taken = _take(call, reference, user, now, offer_id)
    except CannotTake:
        db.session.rollback()
        raise
    db.session.commit()
    return taken


def _take(call: Call, reference: str | None, user: User, now: datetime, offer_id: int | None) -> Taken:
    # The call's row first, then the assignment's: the order of every transaction
    # on an operator's leg (`assignments.lock_call`), so none deadlocks with this one.
    if not stages.transition(call, CallStage.CONNECTED, allowed_from=WAITING, operator_id=user.id):
        raise CannotTake("the caller is not waiting")
    assignment_id = db.session.scalar(
        _insert_assignment(
            {
                "call_id": call.id,
                "user_id": user.id,
                "status": AssignmentStatus.CONNECTING.value,
                "device": user.device,
                "started_at": now,
            }
        )
    )
    if assignment_id is None:
        raise CannotTake("someone else took the caller, or you are on another call")
    closed = db.session.execute(
        update(Offer)
        .where(Offer.call_id == call.id, Offer.status == OfferStatus.OPEN)
        .values(
            status=sa_case((Offer.user_id == user.id, OfferStatus.ACCEPTED), else_=OfferStatus.WITHDRAWN),
            closed_at=now,
        )
        .returning(Offer.id, Offer.user_id)
        .execution_options(synchronize_session=False)
    ).all()
    if offer_id is not None and (offer_id, user.id) not in {tuple(row) for row in closed}:
        raise CannotTake("the offer is no longer open")
    if not presence.move(
        user, Presence.BUSY, now, actor=user.username, reason="accepted", allowed_from=TAKER_FROM
    ):
        raise CannotTake("you are on a call or in wrap-up")
    released = offer_endings.release_offer_of(user.id, call.id, now)
    withdrawn_from = []
    for closed_id, holder in closed:
        if holder != user.id:
            events.offer_withdrawn(holder, closed_id, call.call_sid, "taken")
            withdrawn_from.append(holder)
    timeline.record(
        call.case_id,
        "accepted",
        actor=user.username,
        call=call,
        actor_id=user.id,
        at=now,
        action="call.accepted",
        assignment_id=assignment_id,
    )
    taken = Taken(
        assignment_id,
        call.call_sid,
        reference,
        call.queue,
        call.language,
        call.crisis,
        user.device,
        tuple(withdrawn_from),
        released,
    )
    events.operator_call(user.id, taken.message("connecting"))
    events.caller_updated(waiting_caller(call, reference), offered=False, connected=True)
    return taken


def caller_gone(taken: Taken, user: User, now: datetime) -> None:
    """The redirect failed: the assignment is missed, the taker available again,
    and the call back in the queue if it is still taken (its final status, when
    it comes, ends it as abandoned, which it was), committed."""
    db.session.execute(
        update(Assignment)
        .where(Assignment.id == taken.assignment_id, Assignment.status == AssignmentStatus.CONNECTING)
        .values(status=AssignmentStatus.MISSED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    call = get_call(taken.call_sid)
    back = stages.transition(
        call,
        CallStage.QUEUED,
        allowed_from={CallStage.CONNECTED},
        where={"operator_id": user.id},
        operator_id=None,
    )
    presence.move(
        user, Presence.AVAILABLE, now, actor=audit.SYSTEM, reason="caller_gone", allowed_from={Presence.BUSY}
    )
    audit.record(audit.SYSTEM, "assignment.missed", "call", taken.call_sid, assignment_id=taken.assignment_id)
    events.operator_call(user.id, taken.message("done"))
    if back:
        events.caller_updated(waiting_caller(call, taken.case_reference), offered=False, connected=False)
    db.session.commit()
