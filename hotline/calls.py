"""Call service: the life of one call, from the first webhook to the final status.

Every function is safe to repeat: Twilio retries webhooks, and status
callbacks arrive late, twice or out of order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from hotline import audit, cases, routing
from hotline.extensions import db
from hotline.models import Call, Caller, CallStage, Case, QueueName
from hotline.phones import InvalidNumber, PhoneVault, normalise
from telephony.vocabulary import BRIDGED_RESULTS, FINAL_STATUSES, STATUS_RANK

log = logging.getLogger(__name__)


class UnknownCall(LookupError):
    """No call with that CallSid was ever recorded."""


@dataclass(frozen=True)
class QueueFigures:
    name: str
    waiting: int
    longest_wait_seconds: int


def get_call(call_sid: str) -> Call:
    call = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).first()
    if call is None:
        raise UnknownCall(call_sid)
    return call


# The first webhook of every call runs these on the session's connection:
# statements built once, and neither the ORM's execution path nor its unit of
# work, keep it close to the cost of a single insert.
_CALLER_BY_HASH = select(Caller.id).where(Caller.number_hash == bindparam("digest"))
_NEW_CALLER = insert(Caller).returning(Caller.id)
_NEW_CALL = insert(Call)
_CALL_LANGUAGE = select(Call.language).where(Call.call_sid == bindparam("call_sid"))


def _caller_id(from_number: str | None, vault: PhoneVault, now: datetime) -> int:
    """The caller's id, a new caller's if the number is new or withheld."""
    try:
        e164 = normalise(from_number, vault.default_region)
    except InvalidNumber:
        # A SIP or client identity, not a number: treated like a withheld one.
        e164 = None
    connection = db.session.connection()
    if e164 is None:
        return connection.scalar(_NEW_CALLER, {"created_at": now})
    digest = vault.digest(e164)
    caller_id = connection.scalar(_CALLER_BY_HASH, {"digest": digest})
    if caller_id is None:
        caller_id = connection.scalar(
            _NEW_CALLER,
            {"number_hash": digest, "number_encrypted": vault.encrypt(e164), "created_at": now},
        )
    return caller_id


def record_incoming(
    call_sid: str, from_number: str | None, vault: PhoneVault, now: datetime, language: str | None = None
) -> tuple[str | None, bool]:
    """Record the call `call_sid` on first sight. Returns (the call's language
    if known, created). `language` is set when there is only one, so no menu asks.

    The insert comes first and the unique CallSid catches a retried webhook:
    retries are rare, and a look-up before every insert would cost each call.
    """
    try:
        caller_id = _caller_id(from_number, vault, now)
        db.session.connection().execute(
            _NEW_CALL,
            {
                "call_sid": call_sid,
                "caller_id": caller_id,
                "started_at": now,
                "status": "ringing",
                "language": language,
            },
        )
        db.session.commit()
    except IntegrityError:
        # A retried webhook, or a new caller's first two calls at once: the
        # other transaction won, so use what it wrote.
        db.session.rollback()
        existing = db.session.execute(_CALL_LANGUAGE, {"call_sid": call_sid}).first()
        if existing is not None:
            return existing.language, False
        return record_incoming(call_sid, from_number, vault, now, language)
    log.info("call %s arrived", call_sid)
    return language, True


def set_language(call: Call, language: str) -> None:
    call.language = language
    if call.caller is not None:
        call.caller.language = language
    db.session.commit()


def route(call: Call, choice: routing.Choice, now: datetime, timezone: ZoneInfo) -> Call:
    """Attach the call to a case for the chosen queue. Repeating it changes nothing."""
    if call.case_id is not None:
        return call
    open_case = cases.open_case_of(call.caller, choice.queue) is not None
    level = routing.priority(crisis=choice.crisis, open_case=open_case)
    case, _attached = cases.open_or_attach(call, choice, level, now, timezone)
    call.queue = choice.queue
    call.priority = level
    call.crisis = choice.crisis
    db.session.commit()
    log.info("call %s routed to %s (case %s, priority %d)", call.call_sid, call.queue, case.reference, level)
    return call


def enter_queue(call: Call, now: datetime) -> None:
    """The caller is being put into their queue (the answer holds `<Enqueue>`)."""
    if call.stage == CallStage.MENU and call.status not in FINAL_STATUSES:
        call.stage = CallStage.QUEUED
        call.enqueued_at = now
        db.session.commit()


def mark_after_hours(call: Call) -> None:
    if call.stage == CallStage.MENU:
        call.stage = CallStage.AFTER_HOURS
        db.session.commit()


def leave_queue(call: Call, result: str, queue_seconds: int | None, now: datetime) -> None:
    """Why and when the caller left the queue (Enqueue's action URL)."""
    if call.queue_result is not None:
        return
    call.queue_result = result
    if call.stage == CallStage.QUEUED:
        call.stage = CallStage.LEFT_QUEUE
    call.dequeued_at = (
        call.enqueued_at + timedelta(seconds=queue_seconds)
        if call.enqueued_at is not None and queue_seconds is not None
        else now
    )
    call.wait_seconds = (
        queue_seconds if queue_seconds is not None else _seconds_between(call.enqueued_at, now)
    )
    call.abandoned = result == "hangup"
    _settle_talk_time(call)
    if call.case is not None:
        cases.add_event(call.case, "left_queue", call=call, result=result, wait_seconds=call.wait_seconds)
    db.session.commit()
    log.info("call %s left queue %s: %s", call.call_sid, call.queue, result)


def update_status(
    call_sid: str, status: str, sequence: int | None, duration: int | None, now: datetime
) -> tuple[Call, bool]:
    """Apply a status callback. Returns (call, applied); stale ones are ignored:
    an older sequence number, an earlier state, or anything after a final state."""
    call = get_call(call_sid)
    if sequence is not None and sequence <= call.status_sequence:
        return call, False
    if call.status in FINAL_STATUSES or STATUS_RANK[status] < STATUS_RANK.get(call.status, 0):
        return call, False
    call.status = status
    if sequence is not None:
        call.status_sequence = sequence
    if status in FINAL_STATUSES:
        call.ended_at = now
        call.duration_seconds = duration
        if call.stage == CallStage.QUEUED:
            # Ended while still queued as far as we know: abandoned, unless the
            # queue's own result, if it comes late, says otherwise.
            call.dequeued_at = now
            call.wait_seconds = _seconds_between(call.enqueued_at, now)
            call.abandoned = True
            if call.case is not None:
                cases.add_event(call.case, "ended_while_queued", call=call, wait_seconds=call.wait_seconds)
        call.stage = CallStage.ENDED
        _settle_talk_time(call)
        audit.record(audit.TELEPHONY, "call.ended", "call", call.call_sid, status=status)
    db.session.commit()
    log.info("call %s status %s", call_sid, status)
    return call, True


def record_voice_message(call: Call, recording_sid: str, recording_url: str, seconds: int | None) -> None:
    if call.recording_sid == recording_sid:
        return
    call.recording_sid = recording_sid
    call.recording_url = recording_url
    call.recording_seconds = seconds
    if call.case is not None:
        cases.add_event(call.case, "voice_message", call=call, recording_sid=recording_sid, seconds=seconds)
    db.session.commit()


def queue_figures(now: datetime) -> list[QueueFigures]:
    """Who waits in each of the four queues right now."""
    rows = db.session.execute(
        select(Call.queue, func.count(), func.min(Call.enqueued_at))
        .where(Call.stage == CallStage.QUEUED)
        .group_by(Call.queue)
    ).all()
    by_queue = {queue: (count, oldest) for queue, count, oldest in rows}
    figures = []
    for queue in QueueName:
        count, oldest = by_queue.get(queue.value, (0, None))
        figures.append(QueueFigures(queue.value, count, _seconds_between(oldest, now) or 0))
    return figures


def waiting_in(queue: str) -> list[dict]:
    """Calls waiting in `queue`, in the order they are to be answered, as the
    plain values a live screen shows (one query, whatever the queue's length)."""
    rows = db.session.execute(
        select(Call.call_sid, Call.priority, Call.crisis, Call.language, Case.reference, Call.enqueued_at)
        .outerjoin(Case, Call.case_id == Case.id)
        .where(Call.stage == CallStage.QUEUED, Call.queue == queue)
    ).all()
    calls = [
        {
            "call_sid": sid,
            "priority": priority,
            "crisis": crisis,
            "language": language,
            "case_reference": reference,
            "enqueued_at": enqueued_at,
        }
        for sid, priority, crisis, language, reference, enqueued_at in rows
    ]
    return sorted(calls, key=lambda c: routing.queue_order_key(c["priority"], c["enqueued_at"]))


def position_in_queue(call: Call) -> int | None:
    """1 for the caller who will be answered next; None if the call is not waiting."""
    if call.stage != CallStage.QUEUED:
        return None
    ahead = db.session.scalar(
        select(func.count()).where(
            Call.stage == CallStage.QUEUED,
            Call.queue == call.queue,
            Call.id != call.id,
            (Call.priority > call.priority)
            | ((Call.priority == call.priority) & (Call.enqueued_at <= call.enqueued_at)),
        )
    )
    return ahead + 1


def _seconds_between(start: datetime | None, end: datetime) -> int | None:
    if start is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _settle_talk_time(call: Call) -> None:
    """Talk time of a bridged call: the call's duration less the time before it
    was answered. Known once both the queue result and the final status are in."""
    if call.queue_result not in BRIDGED_RESULTS or call.duration_seconds is None or call.dequeued_at is None:
        return
    before_answer = (call.dequeued_at - call.started_at).total_seconds()
    call.talk_seconds = max(0, int(call.duration_seconds - before_answer))
