"""Callback requests: every source records one the same way, as a row first.

The phone (1 while waiting, 1 after hours), a missed call, the web page and an
operator all end in `record`: the callback is due at the first moment inside
callback hours and the requester's window, `queued` at once when that is now,
else `scheduled` (the sweep queues it when due). Each request opens or joins
a case in its queue, so every callback has a case.

One person has at most one open callback per queue, held by the database (the
partial unique index uq_callback_open_caller_queue): the insert does nothing
when one is open, and the request merges into it instead, the earlier due time
and the earlier place in the queue winning. A callback being dialled is left as
it is. Events go out after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy import case as sa_case
from sqlalchemy.dialects import postgresql, sqlite

from hotline import audit, events
from hotline.callbacks import listing, stages
from hotline.callbacks.policy import CallbackPolicy, Window, due_within
from hotline.cases import service as cases
from hotline.cases import timeline
from hotline.core.phones import PhoneVault
from hotline.extensions import db
from hotline.models import Call, Callback, Caller, QueueName
from hotline.models.states import BEFORE_DIALLING, OPEN_CALLBACK, CallbackSource, CallbackStatus

log = logging.getLogger(__name__)

# How many times a request looks again when the open callback it would merge
# into closed between the insert and the merge.
MERGE_TRIES = 3
NUMBER_COLUMNS = ("number_hash", "number_encrypted", "number_tail")


class NoNumberToCall(ValueError):
    """The caller withheld their number, so nobody can call them back."""


@dataclass(frozen=True)
class Requested:
    """What the requester is told: when to expect the call, and whether their
    request joined one already open."""

    callback_id: int
    status: CallbackStatus
    due_at: datetime
    case_reference: str
    merged: bool


@dataclass(frozen=True)
class Request:
    """A request to be called back on the number of `caller_id` (or `number`, E.164, keyed in)."""

    caller_id: int
    queue: str
    source: CallbackSource
    asked_at: datetime
    case_id: int | None = None
    call_id: int | None = None
    number: str | None = None
    window: Window | None = None
    waiting_since: datetime | None = None
    language: str | None = None
    priority: int = 0
    crisis: bool = False
    operator_id: int | None = None


def settings() -> tuple[CallbackPolicy, PhoneVault]:
    """The app's callback policy and phone vault (needs an app context, no request)."""
    return current_app.extensions["callback_policy"], current_app.extensions["phone_vault"]


def owes_missed_callback(call: Call, waited: int | None) -> bool:
    """Whether the caller who hung up waiting in the queue is called back
    (source `missed`): after more than HOTLINE_SHORT_ABANDON_SECONDS of
    waiting by the hotline's own clock (`waited`), unless
    HOTLINE_MISSED_CALL_CALLBACKS is off. Decided as they leave; the callback is
    recorded by `record_missed`."""
    config = current_app.config
    if not config["HOTLINE_MISSED_CALL_CALLBACKS"] or call.enqueued_at is None or waited is None:
        return False
    return waited > config["HOTLINE_SHORT_ABANDON_SECONDS"]


_OWED = select(Call.id).where(Call.missed_callback_owed).order_by(Call.id).limit(bindparam("limit"))
_SETTLE_OWED = (
    update(Call)
    .where(Call.id == bindparam("call_id"), Call.missed_callback_owed)
    .values(missed_callback_owed=False, version=Call.version + 1)
)
MISSED_PER_RUN = 200


def record_missed(now: datetime) -> list[int]:
    """Record the callbacks owed to callers who hung up waiting (the upkeep's
    every-second look; the ids of the calls settled). Each is settled in its
    own transaction, with the conditional UPDATE that takes it off the list:
    two looks at once record each once, and a look that dies leaves the rest
    to the next."""
    settled = []
    for call_id in db.session.scalars(_OWED, {"limit": MISSED_PER_RUN}).all():
        db.session.rollback()
        if db.session.execute(_SETTLE_OWED, {"call_id": call_id}).rowcount != 1:
            db.session.rollback()
            continue
        try:
            missed(db.session.get(Call, call_id), now)
        except Exception:
            db.session.rollback()
            log.exception("the callback owed for call id %s not recorded; tried again next time", call_id)
            continue
        db.session.commit()
        settled.append(call_id)
    return settled


def missed(call: Call, now: datetime) -> Requested | None:
    """The callback owed to a caller who hung up waiting, recorded (committed).
    A withheld number cannot be called back: the case says so, to be counted,
    unless the caller keyed in a number on this call."""
    if call.caller is None or call.caller.withheld:
        if db.session.scalar(select(Callback.id).where(Callback.call_id == call.id)) is not None:
            return None
        timeline.record(
            call.case_id,
            "callback_impossible",
            actor=audit.TELEPHONY,
            call=call,
            at=now,
            action="callback.impossible",
            source=CallbackSource.MISSED.value,
        )
        db.session.commit()
        return None
    policy, vault = settings()
    return request_from_call(call, CallbackSource.MISSED, now, policy, vault)


def request_from_call(
    call: Call,
    source: CallbackSource,
    now: datetime,
    policy: CallbackPolicy,
    vault: PhoneVault,
    number: str | None = None,
) -> Requested:
    """The caller on `call` asked to be called back (1 while waiting, 1 after
    hours), or hung up waiting (`missed`); on `number` when they keyed one in.
    A caller who asked while waiting keeps their place: the callback waits
    since the call entered the queue. Committed; NoNumberToCall for a withheld
    number with none keyed in."""
    if number is None and (call.caller is None or call.caller.withheld):
        raise NoNumberToCall("the number is withheld")
    waiting = source in (CallbackSource.IVR, CallbackSource.MISSED)
    request = Request(
        caller_id=call.caller_id,
        queue=call.queue or QueueName.GENERAL,
        source=source,
        asked_at=now,
        case_id=call.case_id,
        call_id=call.id,
        number=number,
        waiting_since=call.enqueued_at if waiting else None,
        language=call.language,
        priority=call.priority,
        crisis=call.crisis,
    )
    return record(request, now, policy, vault, actor=audit.TELEPHONY, call=call)


def record(
    request: Request,
    now: datetime,
    policy: CallbackPolicy,
    vault: PhoneVault,
    *,
    actor: str,
    actor_id: int | None = None,
    call: Call | None = None,
) -> Requested:
    """Record `request`, or merge it into the person's open callback in its
    queue; the case's timeline and the audit log say which. Committed."""
    requested = record_within(request, now, policy, vault, actor=actor, actor_id=actor_id, call=call)
    db.session.commit()
    log.info(
        "callback %d %s (%s)",
        requested.callback_id,
        "merged" if requested.merged else requested.status,
        request.source,
    )
    return requested


def record_within(
    request: Request,
    now: datetime,
    policy: CallbackPolicy,
    vault: PhoneVault,
    *,
    actor: str,
    actor_id: int | None = None,
    call: Call | None = None,
) -> Requested:
    """`record`, part of the caller's transaction (a follow-up planned with the
    passport's change or the case's resolution): the events go out with its commit."""
    due_at = due_within(policy, max(request.asked_at, now), request.window)
    number = _number(request, vault)
    case_id, reference = _case(request, now, policy, actor)
    for _ in range(MERGE_TRIES):
        values = {
            "caller_id": request.caller_id,
            "case_id": case_id,
            "call_id": request.call_id,
            "queue": request.queue,
            "source": request.source.value,
            **number,
            "language": request.language,
            "priority": request.priority,
            "crisis": request.crisis,
            "operator_id": request.operator_id,
            "window_start": request.window.start.strftime("%H:%M") if request.window else None,
            "window_end": request.window.end.strftime("%H:%M") if request.window else None,
            "requested_at": now,
            "due_at": due_at,
            "waiting_since": request.waiting_since,
        }
        if due_at <= now:
            values |= {
                "status": CallbackStatus.QUEUED.value,
                "queued_at": now,
                "waiting_since": request.waiting_since or due_at,
            }
        else:
            values["status"] = CallbackStatus.SCHEDULED.value
        callback_id = db.session.scalar(_insert(values))
        merged, queued_now = False, False
        if callback_id is None:
            callback_id, queued_now = _merge(values, now)
            merged = True
        if callback_id is not None:
            break
    else:
        raise RuntimeError(f"callback request for caller {request.caller_id}: no open callback after retries")
    callback = db.session.get(Callback, callback_id, populate_existing=True)
    timeline.record(
        case_id,
        "callback_requested",
        actor=actor,
        actor_id=actor_id,
        call=call,
        at=now,
        action="callback.merged" if merged else "callback.requested",
        subject=("callback", callback_id),
        source=request.source.value,
        callback_id=callback_id,
        status=callback.status,
    )
    # A merge tells the screens only what moved: a new due time, or the queue joined now.
    if not merged or callback.status == CallbackStatus.SCHEDULED or queued_now:
        events.callback_changed(callback.status, listing.shown(callback, reference))
    return Requested(callback_id, CallbackStatus(callback.status), callback.due_at, reference, merged)


def _number(request: Request, vault: PhoneVault) -> dict:
    """The number to call, as the callback keeps it: hash, encrypted, last two digits."""
    number = request.number
    if number is None:
        encrypted = db.session.scalar(select(Caller.number_encrypted).where(Caller.id == request.caller_id))
        if encrypted is None:
            raise NoNumberToCall("the number is withheld")
        number = vault.decrypt(encrypted)
    return {
        "number_hash": vault.digest(number),
        "number_encrypted": vault.encrypt(number),
        "number_tail": number[-2:],
    }


def _case(request: Request, now: datetime, policy: CallbackPolicy, actor: str) -> tuple[int, str]:
    if request.case_id is not None:
        reference = db.session.scalar(cases.REFERENCE_OF, {"case_id": request.case_id})
        return request.case_id, reference
    case = cases.open_for_caller(request.caller_id, request.queue, now, policy.timezone, actor)
    return case.id, case.reference


def _insert(values: dict):
    dialect_insert = (
        postgresql.insert if db.session.connection().dialect.name == "postgresql" else sqlite.insert
    )
    # No conflict target: the person's open callback in the queue, or one for this call, makes it do nothing.
    return dialect_insert(Callback).values(**values).on_conflict_do_nothing().returning(Callback.id)


def _merge(values: dict, now: datetime) -> tuple[int | None, bool]:
    """Merge the request into the person's open callback in the queue: the
    earlier due time and place win, the latest number asked for is called (a
    missed call asks for none). Its id (None when none is open any more: try
    the insert again), and whether the merge queued it now."""
    open_one = db.session.execute(
        select(Callback.id, Callback.status).where(
            Callback.caller_id == values["caller_id"],
            Callback.queue == values["queue"],
            Callback.status.in_(sorted(OPEN_CALLBACK)),
        )
    ).first()
    if open_one is None:
        if values["call_id"] is not None:
            # This call's own request, made already and since closed.
            return db.session.scalar(select(Callback.id).where(Callback.call_id == values["call_id"])), False
        return None, False
    if open_one.status not in BEFORE_DIALLING:
        return open_one.id, False
    changes = {
        "due_at": sa_case((Callback.due_at > bindparam("due"), bindparam("due")), else_=Callback.due_at),
        "priority": sa_case(
            (Callback.priority < bindparam("priority"), bindparam("priority")), else_=Callback.priority
        ),
        "crisis": or_(Callback.crisis, bindparam("crisis")),
    }
    params = {key: values[key] for key in ("priority", "crisis")}
    if values["source"] != CallbackSource.MISSED.value:
        # A missed call asks for no number: the one asked for before (keyed in, say) stays.
        for key in NUMBER_COLUMNS:
            changes[key] = bindparam(key)
            params[key] = values[key]
    params["due"] = values["due_at"]
    if values["waiting_since"] is not None:
        changes["waiting_since"] = sa_case(
            (Callback.waiting_since.is_(None), bindparam("since")),
            (Callback.waiting_since > bindparam("since"), bindparam("since")),
            else_=Callback.waiting_since,
        )
        params["since"] = values["waiting_since"]
    merged = db.session.execute(
        update(Callback)
        .where(Callback.id == open_one.id, Callback.status.in_(sorted(BEFORE_DIALLING)))
        .values(changes)
        .returning(Callback.status, Callback.due_at, Callback.waiting_since)
        .execution_options(synchronize_session=False),
        params,
    ).first()
    if merged is None:
        return None, False
    if merged.status == CallbackStatus.SCHEDULED and merged.due_at <= now:
        return open_one.id, stages.transition(
            open_one.id,
            CallbackStatus.QUEUED,
            allowed_from={CallbackStatus.SCHEDULED},
            queued_at=now,
            waiting_since=merged.waiting_since or merged.due_at,
        )
    return open_one.id, False
