"""Call service: the life of one call once it is recorded (`hotline.calls.incoming`),
to its final status.

Every function is safe to repeat: Twilio retries webhooks, and status
callbacks arrive late, twice or out of order. Each change is one transaction,
conditional on the call's version (see `Call`), retried on fresh data when
another process changed the call first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from hotline import audit, events
from hotline.calls import routing, stages
from hotline.calls.queues import seconds_between
from hotline.cases import risk, timeline
from hotline.cases import service as cases
from hotline.cases.priority import priority
from hotline.extensions import db
from hotline.models import Call, Caller, Case
from hotline.models.states import WAITING, CallStage, LeftQueue, Progress, StepOutOfPlace
from hotline.stats import rollup

log = logging.getLogger(__name__)


class UnknownCall(LookupError):
    """No call with that CallSid was ever recorded."""


class ConcurrentChange(RuntimeError):
    """The call kept changing under us: another process won every try."""


_CALL_BY_SID = select(Call).where(Call.call_sid == bindparam("call_sid"))
_CALL_AND_OPEN_CASE = (
    select(Call, *cases.OPEN_CASE_COLUMNS)
    .outerjoin(Caller, Caller.id == Call.caller_id)
    .outerjoin(Case, cases.open_case_of_caller(Caller, bindparam("queue")))
    .where(Call.call_sid == bindparam("call_sid"))
)


def get_call(call_sid: str) -> Call:
    call = db.session.scalars(_CALL_BY_SID, {"call_sid": call_sid}).first()
    if call is None:
        raise UnknownCall(call_sid)
    return call


# Which stages each step of the phone flow may come at. A repeated `menu`
# (Twilio retries) finds the call routed already and is answered the same.
_STEPS: dict[str, frozenset[CallStage]] = {
    "language": frozenset({CallStage.MENU}),
    "menu": frozenset({CallStage.MENU, *WAITING, CallStage.AFTER_HOURS}),
    # A blocked caller's digit that is not the crisis path's (9 goes as "menu").
    "blocked": frozenset({CallStage.MENU, *WAITING, CallStage.AFTER_HOURS, CallStage.ENDED}),
    # Taken by an operator, the caller is still in the queue until the phone
    # network carries out the redirect the accept sends after it commits: the
    # hold music (and its keypad choice) may ask once more meanwhile; they hear
    # it, not an error that would drop them.
    "wait": frozenset({*WAITING, CallStage.CONNECTED}),
    "wait_choice": frozenset({*WAITING, CallStage.CONNECTED}),
    "wait_number": frozenset({*WAITING, CallStage.CONNECTED}),
    "queue_result": frozenset(
        {*WAITING, CallStage.CONNECTED, CallStage.WRAP_UP, CallStage.LEFT_QUEUE, CallStage.ENDED}
    ),
    "connect": frozenset({CallStage.CONNECTED}),
    # The Dial to the operator ended; repeated, it may find the caller back in the queue.
    "dial_result": frozenset({*WAITING, CallStage.CONNECTED, CallStage.WRAP_UP, CallStage.ENDED}),
    # A transferred caller may be taken in the new queue before the network
    # fetched this: they wait there for the accept's redirect (see "wait").
    "requeue": frozenset({*WAITING, CallStage.CONNECTED}),
    "after_hours": frozenset({CallStage.AFTER_HOURS, CallStage.ENDED}),
    "after_hours_number": frozenset({CallStage.AFTER_HOURS, CallStage.ENDED}),
    "message": frozenset({CallStage.AFTER_HOURS, CallStage.ENDED}),
}


def check_step(call: Call, step: str) -> None:
    """Refuse a step that makes no sense for the call (StepOutOfPlace: 409)."""
    allowed = call.stage in _STEPS[step]
    if step == "queue_result":
        allowed = allowed and call.enqueued_at is not None
    elif step in ("after_hours", "after_hours_number", "message"):
        # Routed but never queued: the caller was told the hotline is closed.
        allowed = allowed and call.case_id is not None and call.enqueued_at is None
    if not allowed:
        raise StepOutOfPlace(step, call.stage)


T = TypeVar("T")
# Whether a caller who hung up waiting, after the seconds given (the hotline's
# clock), is owed a callback: callbacks.service.owes_missed_callback.
MissedCallback = Callable[[Call, int | None], bool] | None
ATTEMPTS = 3


# PostgreSQL's deadlock_detected: of two transactions that locked the call and
# its assignment in opposite orders, it aborts one, which then simply tries again.
DEADLOCK = "40P01"


def conditional(change: Callable[[], T]) -> T:
    """Run `change` on the session's objects and commit. If another transaction
    changed the call first, the versioned UPDATE matches no row: roll back, so
    the call is read afresh, and run `change` again (likewise for the loser of
    a deadlock)."""
    for _ in range(ATTEMPTS):
        try:
            result = change()
            db.session.commit()
            return result
        except StaleDataError:
            db.session.rollback()
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != DEADLOCK:
                raise
            db.session.rollback()
    raise ConcurrentChange("the call changed on every try")


def set_language(call: Call, language: str) -> None:
    def change() -> None:
        call.language = language
        if call.caller is not None:
            call.caller.language = language

    conditional(change)


def get_call_and_open_case(call_sid: str, queue: str) -> tuple[Call, cases.OpenCase | None]:
    """The call and its caller's open case in `queue`, in one query: the menu
    step's first read."""
    row = db.session.execute(_CALL_AND_OPEN_CASE, {"call_sid": call_sid, "queue": queue}).first()
    if row is None:
        raise UnknownCall(call_sid)
    call, *case = row
    return call, (cases.OpenCase(*case) if case[0] is not None else None)


def route(
    call: Call,
    choice: routing.Choice,
    now: datetime,
    timezone: ZoneInfo,
    open_now: bool,
    open_case: cases.OpenCase | cases.NotLooked | None = cases.NOT_LOOKED,
) -> cases.CaseForCall | None:
    """Attach the call to a case for the chosen queue and put it in that queue,
    or, when the hotline is closed, to the after-hours menu: one transaction.
    `open_case` is the caller's open case in that queue if it was read with the
    call. Returns the case, or None when the call was routed already (a
    repeated webhook). The call's attributes are brought up to date without
    reading it back. A crisis choice raises the risk protocol's alert
    (`cases.risk.crisis_call`), published once this commits.
    """
    if call.case_id is not None:
        return None
    case = cases.open_or_attach(call, choice.queue, choice.crisis, now, timezone, open_case)
    routed = stages.transition(
        call,
        CallStage.QUEUED if open_now else CallStage.AFTER_HOURS,
        allowed_from={CallStage.MENU},
        where={"case_id": None},
        case_id=case.id,
        queue=choice.queue,
        priority=priority(crisis=choice.crisis, open_case=case.attached),
        crisis=choice.crisis,
        enqueued_at=now if open_now else None,
    )
    if not routed:
        # Routed or ended meanwhile by another request: undo the case's side.
        db.session.rollback()
        if call.case_id is not None:
            return None
        raise StepOutOfPlace("menu", call.stage)
    if choice.crisis:
        # The caller said they are in danger now: every supervisor hears of it,
        # by the case's reference, so the case is numbered first.
        case = cases.number(case, now, timezone)
        risk.crisis_call(case.id, call, now)
    case = cases.number(case, now, timezone)
    db.session.commit()
    log.info(
        "call %s routed to %s (case %s, priority %d)",
        call.call_sid,
        call.queue,
        case.reference,
        call.priority,
    )
    return case


def waiting_caller(
    call: Call, case_reference: str | None, *, repeat_caller: bool | None = None
) -> events.WaitingCaller:
    """The queued call as live screens show it, from what the session holds.
    `repeat_caller`: whether the call joined the caller's open case, when known."""
    return events.WaitingCaller(
        call_sid=call.call_sid,
        queue=call.queue,
        waiting_since=call.enqueued_at,
        priority=call.priority,
        crisis=call.crisis,
        language=call.language,
        case_reference=case_reference,
        repeat_caller=repeat_caller,
        returned=call.returned_at is not None,
    )


def leave_queue(
    call: Call,
    queue_result: str,
    reason: LeftQueue,
    queue_seconds: int | None,
    now: datetime,
    owes_callback: MissedCallback = None,
) -> bool:
    """Why and when the caller left the queue (Enqueue's action URL). `queue_result`
    is the network's word, kept for the record. Returns False for a repeat.
    `owes_callback` says whether a caller who hung up is owed a callback."""

    def change() -> bool:
        if call.queue_result is not None:
            return False
        if call.enqueued_at is None:
            raise StepOutOfPlace("queue_result", call.stage)
        if reason == LeftQueue.REDIRECTED and call.stage in WAITING and call.returned_at is not None:
            # The word on an earlier redirect to an operator, come after the
            # caller went back to the queue: that wait is counted already.
            return False
        # Come after the call's end, the result may change what its figures counted.
        counted = rollup.counted_call(call)
        call.queue_result = queue_result
        call.left_queue_reason = reason
        # Only a caller still waiting leaves: one an operator took (redirected
        # out of the queue) is connected already, and the result records their wait.
        if call.stage in WAITING:
            stages.step(call, CallStage.LEFT_QUEUE)
        # Whether a caller who hung up is owed a callback is the hotline's own
        # clock's word, not the network's QueueTime that the record keeps.
        waited = waited_by_clock(call, now)
        call.dequeued_at, call.wait_seconds = _waited(call, queue_seconds, now)
        call.abandoned = reason == LeftQueue.HUNG_UP
        if call.abandoned and owes_callback is not None:
            call.missed_callback_owed = owes_callback(call, waited)
        _settle_talk_time(call)
        timeline.record(
            call.case_id,
            "left_queue",
            actor=audit.TELEPHONY,
            call=call,
            at=now,
            result=reason,
            wait_seconds=call.wait_seconds,
        )
        rollup.recount_call(call, counted)
        return True

    left = conditional(change)
    if left:
        log.info("call %s left queue %s: %s", call.call_sid, call.queue, reason)
    return left


def update_status(
    call_sid: str,
    status: str,
    progress: Progress,
    sequence: int | None,
    duration: int | None,
    now: datetime,
    connected_ended: Callable[[Call, datetime], CallStage],
    owes_callback: MissedCallback = None,
) -> tuple[Call, bool, bool]:
    """Apply a status report: `status` is the network's word, `progress` what it
    means. Returns (call, applied, ended while queued). Stale reports change
    nothing: an older sequence number, less progress, or anything after the end.

    A call that ends while connected to an operator moves to the stage
    `connected_ended` gives (the operator's leg decides: wrap-up if they talked),
    in the same transaction."""
    call = get_call(call_sid)

    def change() -> tuple[bool, bool]:
        if sequence is not None and sequence <= call.status_sequence:
            return False, False
        if call.progress == Progress.FINISHED or progress < call.progress:
            return False, False
        was_queued = call.stage in WAITING
        call.status = status
        call.progress = progress
        if sequence is not None:
            call.status_sequence = sequence
        if progress == Progress.FINISHED:
            _end(call, duration, now, connected_ended, owes_callback)
            # Ended, the call counts in the figures (one answered counts at its wrap-up's end).
            rollup.recount_call(call, {})
        return True, was_queued and call.stage == CallStage.ENDED

    applied, ended_queued = conditional(change)
    if applied:
        log.info("call %s status %s", call_sid, status)
    return call, applied, ended_queued


def _end(
    call: Call,
    duration: int | None,
    now: datetime,
    connected_ended: Callable[[Call, datetime], CallStage],
    owes_callback: MissedCallback,
) -> None:
    call.ended_at = now
    call.duration_seconds = duration
    if call.stage in WAITING:
        # Ended while still queued as far as we know: abandoned, unless the
        # queue's own result, if it comes late, says otherwise.
        call.dequeued_at, call.wait_seconds = _waited(call, None, now)
        call.abandoned = True
        if owes_callback is not None:
            call.missed_callback_owed = owes_callback(call, call.wait_seconds)
        timeline.record(
            call.case_id,
            "ended_while_queued",
            actor=audit.TELEPHONY,
            call=call,
            at=now,
            wait_seconds=call.wait_seconds,
        )
    # A caller put through to an operator: wrap-up if they talked, else the end.
    stage = connected_ended(call, now) if call.stage == CallStage.CONNECTED else CallStage.ENDED
    stages.step(call, stage)
    _settle_talk_time(call)
    audit.record(audit.TELEPHONY, "call.ended", "call", call.call_sid, status=call.status)


def _waited(call: Call, queue_seconds: int | None, now: datetime) -> tuple[datetime, int | None]:
    """When the caller left the queue this time, and how long they have waited in
    all: a caller who went back to the queue (`returned_at`) waited before too."""
    since = call.returned_at or call.enqueued_at
    earlier = (call.wait_seconds or 0) if call.returned_at is not None else 0
    if queue_seconds is not None:
        return since + timedelta(seconds=queue_seconds), earlier + queue_seconds
    waited = seconds_between(since, now)
    return now, (earlier + waited if waited is not None else None)


def waited_by_clock(call: Call, now: datetime) -> int | None:
    """How long the caller has waited in all, to `now`, by the hotline's clock
    (not the network's QueueTime); None if they never queued."""
    if call.enqueued_at is None:
        return None
    return _waited(call, None, now)[1]


def back_to_queue(call: Call, queue: str, now: datetime, left_at: datetime | None = None) -> None:
    """Put a connected caller back in `queue` (theirs, or another on a transfer),
    answered before everyone of their priority who did not go back. Part of the
    caller's transaction: run it inside `conditional`. The queue's result is
    cleared, so the next time they leave it counts again; if the word on the
    redirect that took them out has not come, their wait is counted to `left_at`
    (when the operator was put through), or now."""
    if call.queue_result is None:
        call.dequeued_at, call.wait_seconds = _waited(call, None, left_at or now)
    stages.step(call, CallStage.QUEUED)
    call.queue = queue
    call.returned_at = now
    call.queue_result = None
    call.left_queue_reason = None


def record_voice_message(call: Call, recording_sid: str, recording_url: str, seconds: int | None) -> None:
    def change() -> None:
        if call.recording_sid == recording_sid:
            return
        call.recording_sid = recording_sid
        call.recording_url = recording_url
        call.recording_seconds = seconds
        timeline.record(
            call.case_id,
            "voice_message",
            actor=audit.TELEPHONY,
            call=call,
            recording_sid=recording_sid,
            seconds=seconds,
        )

    conditional(change)


def _settle_talk_time(call: Call) -> None:
    """Talk time of an answered call: the call's duration less the time before it
    was answered. Known once both the queue result and the final status are in."""
    if (
        call.left_queue_reason != LeftQueue.ANSWERED
        or call.duration_seconds is None
        or call.dequeued_at is None
    ):
        return
    before_answer = (call.dequeued_at - call.started_at).total_seconds()
    call.talk_seconds = max(0, int(call.duration_seconds - before_answer))
