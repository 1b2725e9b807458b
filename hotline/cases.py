"""Case service: open a case or attach a call to the caller's open one; the timeline."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import case as sa_case
from sqlalchemy.exc import IntegrityError

from hotline import audit, routing
from hotline.extensions import db
from hotline.models import Call, Caller, Case, CaseEvent, CaseNumber, CaseStatus
from hotline.routing import Choice
from hotline.transactions import savepoint

_NEXT_NUMBER = (
    update(CaseNumber)
    .where(CaseNumber.year == bindparam("of_year"))
    .values(last_number=CaseNumber.last_number + 1)
    .returning(CaseNumber.last_number)
)

# How many times a new case is tried before giving up: a conflict means another
# process opened the caller's case meanwhile, and the next look finds it.
OPEN_TRIES = 3


class CaseConflict(RuntimeError):
    """The caller's open case kept changing under us: no case could be opened or found."""


def next_reference(now: datetime, timezone: ZoneInfo) -> str:
    """The next case reference, HL-<year>-<number>, numbered from 1 each year in
    the hotline's time zone.

    The year's counter row is updated in place, so it stays locked until the
    transaction ends and a second transaction waits, then reads the new number:
    never the same number twice. The counter is part of the transaction, so a
    transaction (or a savepoint) that rolls back gives its number back: numbers
    have no gaps. The year's first number inserts the row; when another
    transaction inserted it meanwhile, the insert conflicts and the update runs.
    """
    year = now.astimezone(timezone).year
    connection = db.session.connection()
    number = connection.scalar(_NEXT_NUMBER, {"of_year": year})
    if number is None:
        try:
            with savepoint():
                connection.execute(insert(CaseNumber), {"year": year, "last_number": 1})
            number = 1
        except IntegrityError:
            number = connection.scalar(_NEXT_NUMBER, {"of_year": year})
    return f"HL-{year}-{number:06d}"


def add_event(
    case: Case, kind: str, *, call: Call | None = None, actor_id: int | None = None, **data
) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, call_id=call.id if call else None, actor_id=actor_id, data=data)
    db.session.add(event)
    return event


def open_case_of(caller: Caller | None, queue: str) -> Case | None:
    """The caller's open case in `queue`. Withheld callers have none to find."""
    if caller is None or caller.withheld:
        return None
    return db.session.scalars(
        select(Case)
        .where(Case.caller_id == caller.id, Case.queue == queue, Case.status == CaseStatus.OPEN)
        .order_by(Case.opened_at.desc())
        .limit(1)
    ).first()


def open_or_attach(call: Call, choice: Choice, now: datetime, timezone: ZoneInfo) -> tuple[Case, bool]:
    """Attach `call` to the caller's open case in the chosen queue, or open one.

    Returns the case and whether it already existed. A caller with an open case
    in another queue gets a new case: they asked for a different kind of help.
    One open case per caller and queue is held by the partial unique index
    uq_case_open_caller_queue: when another process opened the case first, the
    insert conflicts, its SAVEPOINT is rolled back (with the reference it took)
    and the call is attached to that case. A withheld caller has a caller row of
    their own for each call, so their calls are never merged.
    """
    for _ in range(OPEN_TRIES):
        case = open_case_of(call.caller, choice.queue)
        if case is not None:
            _attach(case, routing.priority(crisis=choice.crisis, open_case=True), choice.crisis)
            attached = True
            break
        try:
            case = _open(call, choice, now, timezone)
        except IntegrityError:
            continue
        attached = False
        break
    else:
        raise CaseConflict(f"call {call.call_sid}: no open case after {OPEN_TRIES} tries")
    call.case = case
    add_event(case, "call", call=call, call_sid=call.call_sid, queue=choice.queue, crisis=choice.crisis)
    return case, attached


def _open(call: Call, choice: Choice, now: datetime, timezone: ZoneInfo) -> Case:
    """A new open case for the caller, in a SAVEPOINT: on a conflict it is undone
    with the reference it took, and the IntegrityError goes up."""
    with savepoint():
        case = Case(
            reference=next_reference(now, timezone),
            caller_id=call.caller_id,
            queue=choice.queue,
            priority=routing.priority(crisis=choice.crisis, open_case=False),
            crisis=choice.crisis,
            opened_at=now,
        )
        db.session.add(case)
        db.session.flush()
    add_event(case, "opened", call=call, queue=choice.queue)
    audit.record(audit.TELEPHONY, "case.opened", "case", case.reference, call_sid=call.call_sid)
    return case


def _attach(case: Case, priority: int, crisis: bool) -> None:
    """Raise the case's priority and crisis mark in the database, never lower them,
    whatever other calls attach at the same time."""
    if priority > case.priority:
        case.priority = sa_case((Case.priority < priority, priority), else_=Case.priority)
    if crisis and not case.crisis:
        case.crisis = True
