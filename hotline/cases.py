"""Case service: open a case or attach a call to the caller's open one; the timeline."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from hotline import audit, routing
from hotline.extensions import db
from hotline.models import Call, Caller, Case, CaseEvent, CaseNumber, CaseStatus
from hotline.routing import Choice

_NEXT_NUMBER = (
    update(CaseNumber)
    .where(CaseNumber.year == bindparam("of_year"))
    .values(last_number=CaseNumber.last_number + 1)
    .returning(CaseNumber.last_number)
)


def next_reference(now: datetime, timezone: ZoneInfo) -> str:
    """The next case reference, HL-<year>-<number>, numbered from 1 each year in
    the hotline's time zone. The counter row is updated in place, so two
    transactions never get the same number (the second waits for the first)."""
    year = now.astimezone(timezone).year
    connection = db.session.connection()
    number = connection.scalar(_NEXT_NUMBER, {"of_year": year})
    if number is None:
        try:
            with db.session.begin_nested():
                connection.execute(insert(CaseNumber), {"year": year, "last_number": 1})
            number = 1
        except IntegrityError:
            # Another transaction gave out the year's first number meanwhile.
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
    """
    case = open_case_of(call.caller, choice.queue)
    attached = case is not None
    priority = routing.priority(crisis=choice.crisis, open_case=attached)
    if case is None:
        case = Case(
            reference=next_reference(now, timezone),
            caller=call.caller,
            queue=choice.queue,
            priority=priority,
            crisis=choice.crisis,
            opened_at=now,
        )
        db.session.add(case)
        db.session.flush()
        add_event(case, "opened", call=call, queue=choice.queue)
        audit.record(audit.TELEPHONY, "case.opened", "case", case.reference, call_sid=call.call_sid)
    else:
        case.priority = max(case.priority, priority)
        case.crisis = case.crisis or choice.crisis
    call.case = case
    add_event(case, "call", call=call, call_sid=call.call_sid, queue=choice.queue, crisis=choice.crisis)
    return case, attached
