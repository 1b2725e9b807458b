"""An operator calls someone back: agent first, the person never into a queue.

1. `take` — the operator accepts a callback's offer: in one transaction the
   offer is accepted, the callback moves `queued → dialling`, an attempt is
   inserted with its number, and the operator becomes busy. Whoever made the
   move won; a second accept writes nothing (409).
2. `claim_next` and `ring` — the dialler (workers/callbacks.py), one call at a
   time at the outbound pacing: the first accepted attempt not yet placed is
   claimed by one conditional UPDATE (two diallers never place one call), then
   the network rings the operator's device or phone; the call (its CallSid,
   unique) and the operator's assignment are recorded.
3. `operator_answered` — once the operator answers, the person is dialled from
   the hotline's number (this is the attempt that counts), with machine detection.
4. `screened` — a person answered: the operator is talking; a machine hears nothing.
5. `dial_ended` / `operator_leg_ended` — the outcome: reached (the callback is
   `completed`, the operator's wrap-up follows from the call's end as for any
   call), or not (no answer, busy, failed, a machine: the attempt's outcome,
   the operator available at once with no wrap-up, the callback `scheduled`
   for its next attempt or `failed`); an operator's phone not answered puts
   the callback back in the list and counts no attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, insert, select, update

from hotline import audit, events
from hotline.callbacks import follow_up_answers, follow_ups, listing, stages
from hotline.callbacks.messages import failed_sms
from hotline.callbacks.policy import due_after_failure, parse_window
from hotline.cases import timeline
from hotline.core import transactions
from hotline.extensions import db
from hotline.models import Assignment, Call, Callback, CallbackAttempt, Case, Offer, Role, User
from hotline.models.states import (
    AssignmentStatus,
    AttemptOutcome,
    CallbackStatus,
    CallStage,
    Device,
    LeftQueue,
    OfferStatus,
    Presence,
    Progress,
)
from hotline.operators import legs, offer_endings, offers, presence
from hotline.operators.taking import TAKER_FROM, CannotTake, NotServed
from hotline.telephony import Telephony, TelephonyError

log = logging.getLogger(__name__)

# The direction of the calls the hotline places (`Call.direction`).
OUTBOUND = "outbound"
# Diallers racing for the first attempt: each loss means another claimed it.
CLAIM_TRIES = 5

# What the Dial's result says of a person not reached, in the attempt's words.
NOT_REACHED = {
    "no-answer": AttemptOutcome.NO_ANSWER,
    "busy": AttemptOutcome.BUSY,
    "failed": AttemptOutcome.FAILED,
    "canceled": AttemptOutcome.NO_ANSWER,
    "completed": AttemptOutcome.NO_ANSWER,
}


@dataclass(frozen=True)
class TakenCallback:
    """A callback an operator accepted: its call is placed at `attempt_id`'s slot."""

    attempt_id: int
    attempt: int
    callback_id: int
    case_reference: str | None
    queue: str
    language: str | None
    crisis: bool
    device: str

    def message(self, state: str) -> dict:
        return {
            "kind": "callback",
            "callback_id": self.callback_id,
            "attempt": self.attempt,
            "assignment_id": None,
            "call_sid": None,
            "case_reference": self.case_reference,
            "queue": self.queue,
            "language": self.language,
            "crisis": self.crisis,
            "device": self.device,
            "state": state,
        }


def take(offer: Offer, user: User, now: datetime) -> TakenCallback:
    """`user` accepts their open offer of a callback; committed. Raises
    NotServed, CannotTake (the offer closed, the callback left the list, the
    operator is busy)."""
    callback = db.session.get(Callback, offer.callback_id)
    if user.role == Role.OPERATOR and callback.queue not in user.queue_names:
        raise NotServed(callback.queue)
    if user.presence not in TAKER_FROM:
        raise CannotTake("you are on a call or in wrap-up")
    number = (
        db.session.scalar(
            select(func.max(CallbackAttempt.number)).where(CallbackAttempt.callback_id == callback.id)
        )
        or 0
    ) + 1
    accepted = db.session.scalar(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status == OfferStatus.OPEN)
        .values(status=OfferStatus.ACCEPTED, closed_at=now)
        .returning(Offer.id)
        .execution_options(synchronize_session=False)
    )
    if accepted is None:
        db.session.rollback()
        raise CannotTake("the offer is no longer open")
    if not stages.transition(callback.id, CallbackStatus.DIALLING, allowed_from={CallbackStatus.QUEUED}):
        db.session.rollback()
        raise CannotTake("the callback is no longer waiting")
    # The dialler places accepted calls in the order of their attempts' ids:
    # those ids follow the accepts' commits.
    transactions.one_at_a_time("callback-accepts")
    attempt_id = db.session.scalar(
        insert(CallbackAttempt)
        .values(callback_id=callback.id, number=number, user_id=user.id, started_at=now)
        .returning(CallbackAttempt.id)
    )
    if not presence.move(
        user, Presence.BUSY, now, actor=user.username, reason="accepted", allowed_from=TAKER_FROM
    ):
        db.session.rollback()
        raise CannotTake("you are on a call or in wrap-up")
    offer_endings.release_offer_of(user.id, None, now)
    reference = db.session.scalar(select(Case.reference).where(Case.id == callback.case_id))
    timeline.record(
        callback.case_id,
        "callback_accepted",
        actor=user.username,
        actor_id=user.id,
        at=now,
        action="callback.accepted",
        subject=("callback", callback.id),
        attempt=number,
    )
    events.callback_left(callback.id, callback.queue, LeftQueue.ANSWERED)
    db.session.commit()
    return TakenCallback(
        attempt_id,
        number,
        callback.id,
        reference,
        callback.queue,
        callback.language,
        callback.crisis,
        user.device,
    )


def claim_next(now: datetime) -> int | None:
    """Claim for placing the accepted attempt that comes first (the lowest id
    nobody placed); committed. Its id, or None when there is none. One
    conditional UPDATE decides: two diallers never claim one attempt."""
    for _ in range(CLAIM_TRIES):
        first = db.session.scalar(
            select(func.min(CallbackAttempt.id)).where(
                CallbackAttempt.placed_at.is_(None), CallbackAttempt.ended_at.is_(None)
            )
        )
        if first is None:
            db.session.rollback()
            return None
        if _claim(first, now):
            return first
    return None


def unclaim(attempt_id: int) -> None:
    """The claimed attempt's call was not placed (no pacing slot): the next
    dialler takes it again. Committed."""
    db.session.execute(
        update(CallbackAttempt)
        .where(CallbackAttempt.id == attempt_id, CallbackAttempt.call_sid.is_(None))
        .values(placed_at=None)
    )
    db.session.commit()


def _claim(attempt_id: int, now: datetime) -> bool:
    claimed = db.session.scalar(
        update(CallbackAttempt)
        .where(
            CallbackAttempt.id == attempt_id,
            CallbackAttempt.placed_at.is_(None),
            CallbackAttempt.ended_at.is_(None),
        )
        .values(placed_at=now)
        .returning(CallbackAttempt.id)
    )
    db.session.commit()
    return claimed is not None


def ring(attempt_id: int, now: datetime, telephony: Telephony) -> str | None:
    """Place the claimed attempt's call: the operator's phone rings. The
    CallSid, or None when the network refused (the callback is back in the
    list and the operator available)."""
    attempt = db.session.get(CallbackAttempt, attempt_id)
    user = db.session.get(User, attempt.user_id)
    phone = None
    if user.device == Device.PHONE and user.phone_encrypted is not None:
        phone = current_app.extensions["phone_vault"].decrypt(user.phone_encrypted)
    try:
        call_sid = telephony.ring_for_callback(attempt_id, user.id, phone)
    except TelephonyError:
        log.warning("callback attempt %d: the network did not place the call", attempt_id)
        _back_in_list(attempt, now, reason="not_placed", presence_to=Presence.AVAILABLE)
        db.session.commit()
        offers.distribute(now)
        return None
    callback = db.session.get(Callback, attempt.callback_id)
    db.session.execute(
        update(CallbackAttempt).where(CallbackAttempt.id == attempt_id).values(call_sid=call_sid)
    )
    call_id = db.session.scalar(
        insert(Call)
        .values(
            call_sid=call_sid,
            direction=OUTBOUND,
            caller_id=callback.caller_id,
            case_id=callback.case_id,
            status="queued",
            progress=Progress.STARTED,
            stage=CallStage.CONNECTED,
            language=callback.language,
            queue=callback.queue,
            priority=callback.priority,
            crisis=callback.crisis,
            operator_id=user.id,
            started_at=now,
        )
        .returning(Call.id)
    )
    db.session.execute(
        insert(Assignment).values(
            call_id=call_id,
            user_id=user.id,
            status=AssignmentStatus.CONNECTING,
            device=user.device,
            started_at=now,
        )
    )
    reference = db.session.scalar(select(Case.reference).where(Case.id == callback.case_id))
    events.operator_call(
        user.id,
        {
            "call_sid": call_sid,
            "state": "connecting",
            "kind": "callback",
            "callback_id": callback.id,
            "case_reference": reference,
            "queue": callback.queue,
            "language": callback.language,
            "answered_at": None,
        },
    )
    db.session.commit()
    log.info("callback attempt %d: call %s placed", attempt_id, call_sid)
    return call_sid


@dataclass(frozen=True)
class Dialling:
    """Whom the operator's answered call dials now: never logged."""

    number: str
    language: str | None


def attempt_of_call(attempt_id: int, call_sid: str) -> CallbackAttempt | None:
    """The attempt whose call `call_sid` is; None while its placing is not yet recorded."""
    attempt = db.session.get(CallbackAttempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.call_sid != call_sid:
        return None
    return attempt


def unplaced_attempts(started_before: datetime) -> list[int]:
    """Attempts accepted before `started_before` whose call nobody has placed
    yet, in acceptance order."""
    ids = db.session.scalars(
        select(CallbackAttempt.id)
        .where(
            CallbackAttempt.placed_at.is_(None),
            CallbackAttempt.ended_at.is_(None),
            CallbackAttempt.started_at < started_before,
        )
        .order_by(CallbackAttempt.id)
    ).all()
    db.session.rollback()
    return list(ids)


def settle_lost_placings(placed_before: datetime, now: datetime) -> list[int]:
    """Attempts claimed for placing before `placed_before` whose call was never
    recorded (the process died between claiming and recording): the callback
    waits in the list again, the operator is free, no attempt counts."""
    lost = db.session.scalars(
        select(CallbackAttempt).where(
            CallbackAttempt.placed_at < placed_before,
            CallbackAttempt.call_sid.is_(None),
            CallbackAttempt.ended_at.is_(None),
        )
    ).all()
    settled = []
    for attempt in lost:
        _back_in_list(attempt, now, reason="lost", presence_to=Presence.AVAILABLE)
        db.session.commit()
        settled.append(attempt.id)
    db.session.rollback()
    if settled:
        offers.distribute(now)
    return settled


def attempt_by_call(call_sid: str) -> CallbackAttempt | None:
    """The callback attempt whose placed call `call_sid` is, if any."""
    return db.session.scalars(select(CallbackAttempt).where(CallbackAttempt.call_sid == call_sid)).first()


def operator_answered(attempt: CallbackAttempt, now: datetime) -> Dialling | None:
    """The operator answered: the person is to be dialled now, and this attempt
    counts. None when the attempt has ended (a late or repeated webhook)."""
    if attempt.ended_at is not None:
        return None
    first = db.session.scalar(
        update(CallbackAttempt)
        .where(CallbackAttempt.id == attempt.id, CallbackAttempt.dialled.is_(False))
        .values(dialled=True)
        .returning(CallbackAttempt.id)
    )
    callback = db.session.get(Callback, attempt.callback_id)
    if first is not None:
        db.session.execute(
            update(Callback)
            .where(Callback.id == callback.id, Callback.status == CallbackStatus.DIALLING)
            .values(attempts=Callback.attempts + 1)
        )
    db.session.commit()
    if callback.status != CallbackStatus.DIALLING:
        return None
    number = current_app.extensions["phone_vault"].decrypt(callback.number_encrypted)
    return Dialling(number, callback.language)


def _assignment(attempt: CallbackAttempt) -> Assignment | None:
    return db.session.scalars(
        select(Assignment)
        .join(Call, Call.id == Assignment.call_id)
        .where(Call.call_sid == attempt.call_sid)
        .order_by(Assignment.id.desc())
        .limit(1)
    ).first()


def screened(attempt: CallbackAttempt, human: bool, now: datetime) -> bool:
    """The person's phone was answered: by a person (the operator is talking to
    them; True), or by a machine (it hears nothing; the outcome is kept)."""
    if not human:
        db.session.execute(
            update(CallbackAttempt)
            .where(CallbackAttempt.id == attempt.id, CallbackAttempt.outcome.is_(None))
            .values(outcome=AttemptOutcome.MACHINE)
        )
        db.session.commit()
        return False
    assignment = _assignment(attempt)
    if assignment is not None:
        legs.answered(assignment, now, current_app.extensions["phone_vault"])
    return True


def dial_ended(
    attempt: CallbackAttempt, dial_status: str, bridged: bool, now: datetime, telephony: Telephony
) -> str:
    """The Dial to the person ended: reached, or not. The outcome's word."""
    assignment = _assignment(attempt)
    talked = assignment is not None and assignment.answered_at is not None
    if bridged or (talked and dial_status == "completed"):
        _completed(attempt, now)
        return AttemptOutcome.ANSWERED
    db.session.refresh(attempt)
    outcome = (
        AttemptOutcome.MACHINE
        if attempt.outcome == AttemptOutcome.MACHINE
        else NOT_REACHED.get(dial_status, AttemptOutcome.FAILED)
    )
    _not_reached(attempt, outcome, now, telephony)
    return outcome


def call_ended(call: Call, now: datetime) -> CallStage:
    """The operator's call of a callback ended while connected (part of
    `calls.update_status`): after talking with the person, their wrap-up as
    for any call; before, the call only ends, and `operator_leg_ended` settles
    the attempt and frees the operator (away when their phone never answered)."""
    connecting = db.session.scalar(
        select(Assignment.id).where(
            Assignment.call_id == call.id, Assignment.status == AssignmentStatus.CONNECTING
        )
    )
    if connecting is not None:
        return CallStage.ENDED
    return legs.call_ended(call, now)


def operator_leg_ended(
    attempt: CallbackAttempt, final: bool, now: datetime, telephony: Telephony | None
) -> None:
    """The operator's call reported its status (after the call's own record is
    brought up to date). At its end, an attempt not yet settled is: the person
    reached (the operator hung up after talking), dialled and not reached, or
    never dialled (the operator's phone was not answered: back in the list)."""
    db.session.refresh(attempt)
    if not final or attempt.ended_at is not None:
        return
    assignment = _assignment(attempt)
    if attempt.dialled and assignment is not None and assignment.answered_at is not None:
        _completed(attempt, now)
    elif attempt.dialled:
        _not_reached(attempt, AttemptOutcome.NO_ANSWER, now, telephony)
    else:
        _back_in_list(attempt, now, reason="not_answered", presence_to=Presence.AWAY)
        db.session.commit()
        offers.distribute(now)


def _end_attempt(attempt: CallbackAttempt, outcome: str | None, now: datetime) -> bool:
    return (
        db.session.scalar(
            update(CallbackAttempt)
            .where(CallbackAttempt.id == attempt.id, CallbackAttempt.ended_at.is_(None))
            .values(outcome=outcome, ended_at=now)
            .returning(CallbackAttempt.id)
        )
        is not None
    )


def _completed(attempt: CallbackAttempt, now: datetime) -> None:
    if not _end_attempt(attempt, AttemptOutcome.ANSWERED, now):
        db.session.rollback()
        return
    if stages.transition(
        attempt.callback_id, CallbackStatus.COMPLETED, allowed_from={CallbackStatus.DIALLING}, closed_at=now
    ):
        _said(attempt, "attempted", now, outcome=AttemptOutcome.ANSWERED.value)
        _said(attempt, "completed", now)
        follow_ups.callback_closed(attempt.callback_id, now)
    db.session.commit()


def _not_reached(
    attempt: CallbackAttempt, outcome: AttemptOutcome, now: datetime, telephony: Telephony
) -> None:
    """The person was not reached: the operator is free at once, with no wrap-up;
    the callback waits for its next attempt, or has failed (one SMS)."""
    if not _end_attempt(attempt, outcome, now):
        db.session.rollback()
        return
    callback = db.session.get(Callback, attempt.callback_id, populate_existing=True)
    policy = current_app.extensions["callback_policy"]
    window = parse_window(f"{callback.window_start}-{callback.window_end}") if callback.window_start else None
    due = due_after_failure(policy, callback.attempts, now, window)
    if due is None:
        failed = stages.transition(
            callback.id, CallbackStatus.FAILED, allowed_from={CallbackStatus.DIALLING}, closed_at=now
        )
    else:
        failed = False
        stages.transition(
            callback.id,
            CallbackStatus.SCHEDULED,
            allowed_from={CallbackStatus.DIALLING},
            due_at=due,
            queued_at=None,
        )
    _free_operator(attempt, now, Presence.AVAILABLE, state="not_reached", outcome=outcome.value)
    _said(attempt, "attempted", now, outcome=outcome.value)
    _said(attempt, "failed" if failed else "scheduled", now)
    if failed:
        follow_up_answers.not_reached(callback, now)
    db.session.commit()
    offers.operator_ready(attempt.user_id, now)
    if failed and telephony is not None:
        _tell_by_sms(callback, telephony)


def _back_in_list(attempt: CallbackAttempt, now: datetime, *, reason: str, presence_to: Presence) -> None:
    """The person was never dialled: the callback waits in the list again, and no attempt counts."""
    if not _end_attempt(attempt, None, now):
        return
    stages.transition(attempt.callback_id, CallbackStatus.QUEUED, allowed_from={CallbackStatus.DIALLING})
    _free_operator(attempt, now, presence_to, state="missed", reason=reason)
    case_id = db.session.scalar(select(Callback.case_id).where(Callback.id == attempt.callback_id))
    timeline.record(
        case_id,
        "callback_returned",
        actor=audit.TELEPHONY,
        at=now,
        action="callback.returned",
        subject=("callback", attempt.callback_id),
        reason=reason,
    )
    _, shown = listing.get(attempt.callback_id)
    events.callback_changed("queued", shown)


def _free_operator(attempt: CallbackAttempt, now: datetime, to: Presence, *, state: str, **why) -> None:
    """The operator's part ends with no conversation: no wrap-up."""
    assignment = _assignment(attempt) if attempt.call_sid else None
    if assignment is not None:
        db.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.CONNECTING)
            .values(status=AssignmentStatus.MISSED, ended_at=now)
        )
    user = db.session.get(User, attempt.user_id)
    presence.move(
        user, to, now, actor=audit.TELEPHONY, reason=why.get("reason", state), allowed_from={Presence.BUSY}
    )
    events.operator_call(
        user.id,
        {
            "call_sid": attempt.call_sid,
            "state": state,
            "kind": "callback",
            "callback_id": attempt.callback_id,
            **why,
        },
    )


def _said(attempt: CallbackAttempt, name: str, now: datetime, **data) -> None:
    """A case event, its audit record and the consoles' event for `callback.<name>`."""
    callback, shown = listing.get(attempt.callback_id)
    timeline.record(
        callback.case_id,
        f"callback_{name}",
        actor=audit.TELEPHONY,
        at=now,
        action=f"callback.{name}",
        subject=("callback", callback.id),
        attempt=attempt.number,
        **data,
    )
    events.callback_changed(name, {**shown, **({"outcome": data["outcome"]} if "outcome" in data else {})})


def _tell_by_sms(callback: Callback, telephony: Telephony) -> None:
    """The last attempt failed: one SMS tells the person how to reach the hotline,
    naming no topic."""
    number = current_app.extensions["phone_vault"].decrypt(callback.number_encrypted)
    try:
        telephony.send_sms(number, failed_sms(callback.language))
    except TelephonyError:
        log.warning("callback %d failed; its SMS was not taken by the network", callback.id)
