"""Case service: open a case or attach a call to the caller's active one; the timeline.

Opening or finding the case is part of the `menu` step, the phone line's
costliest: it runs statements built once on the session's connection, past the
ORM's unit of work, and relies on the database for uniqueness (the partial
unique index uq_case_active_caller_queue, and the year's counter row).

Taking the year's number locks its counter row until the commit, and every
other new case waits that long. On PostgreSQL a new case is therefore numbered
last (`number`, the transaction's last statement before the commit), so the
lock lasts one statement and the commit, not the whole step. SQLite lets one
transaction write at a time whatever it writes first: there the number is
taken with the insert, one statement fewer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, bindparam, cast, func, select, text, update
from sqlalchemy import case as sa_case
from sqlalchemy.dialects import postgresql, sqlite

from hotline import audit
from hotline.cases import timeline
from hotline.cases.priority import priority
from hotline.extensions import db
from hotline.models import Call, Caller, Case, CaseNumber, CaseStatus
from hotline.models.cases import ACTIVE_WHERE
from hotline.models.states import ACTIVE_CASE
from hotline.stats import rollup

# How many times a new case is tried before giving up: a conflict means another
# process opened the caller's case meanwhile, and the next look finds it.
OPEN_TRIES = 3


class CaseConflict(RuntimeError):
    """The caller's open case kept changing under us: no case could be opened or found."""


@dataclass(frozen=True)
class CaseForCall:
    id: int
    reference: str | None  # None: a new case not numbered yet (`number`)
    attached: bool  # the caller's open case existed already
    # A new case's queue until `number` counts it in the figures (the hour's row
    # of the rollups is shared by every case opened then, locked to the commit).
    uncounted_in: str | None = None


@dataclass(frozen=True)
class OpenCase:
    """The caller's open case in a queue, as far as opening or attaching needs it."""

    id: int
    reference: str
    priority: int
    crisis: bool


class NotLooked:
    """No one has looked for the caller's open case yet."""


NOT_LOOKED = NotLooked()


@dataclass(frozen=True)
class _Statements:
    next_number: object
    new_case: object
    numbered: object | None  # PostgreSQL: the number taken and written in one statement, last


@cache
def _statements(dialect: str) -> _Statements:
    """Upserts are spelled per database; both take these forms."""
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    next_number = (
        dialect_insert(CaseNumber)
        .values(year=bindparam("of_year"), last_number=1)
        .on_conflict_do_update(
            index_elements=[CaseNumber.year], set_={"last_number": CaseNumber.last_number + 1}
        )
        .returning(CaseNumber.last_number)
    )
    new_case = (
        dialect_insert(Case)
        .on_conflict_do_nothing(index_elements=[Case.caller_id, Case.queue], index_where=text(ACTIVE_WHERE))
        .returning(Case.id)
    )
    numbered = None
    if dialect == "postgresql":
        taken = next_number.cte("taken")
        digits = cast(select(taken.c.last_number).scalar_subquery(), String)
        numbered = (
            update(Case)
            .where(Case.id == bindparam("case_id"))
            .values(
                reference=bindparam("prefix", type_=String)
                + func.lpad(digits, func.greatest(6, func.length(digits)), "0")
            )
            .returning(Case.reference)
        )
    return _Statements(next_number, new_case, numbered)


OPEN_CASE_COLUMNS = (Case.id, Case.reference, Case.priority, Case.crisis)


def open_case_of_caller(caller, queue) -> ColumnElement[bool]:
    """The condition on Case for `caller`'s active case in `queue` (open, in
    progress or waiting: at most one, by the partial unique index). A resolved or
    closed case is not found: a new call opens a new case, with no repeat
    caller's priority."""
    return and_(
        Case.caller_id == caller.id,
        Case.queue == queue,
        Case.status.in_(sorted(ACTIVE_CASE)),
        # Withheld callers have no number to recognise them by: never merged.
        caller.number_hash.is_not(None),
    )


_OPEN_CASE = (
    select(*OPEN_CASE_COLUMNS)
    .join(Caller, open_case_of_caller(Caller, bindparam("queue")))
    .where(Caller.id == bindparam("caller_id"))
)
REFERENCE_OF = select(Case.reference).where(Case.id == bindparam("case_id"))
_GIVE_BACK_NUMBER = (
    update(CaseNumber)
    .where(CaseNumber.year == bindparam("of_year"), CaseNumber.last_number == bindparam("taken"))
    .values(last_number=CaseNumber.last_number - 1)
)
_RAISE_PRIORITY = (
    update(Case)
    .where(Case.id == bindparam("case_id"))
    .values(
        priority=sa_case((Case.priority < bindparam("raise_to"), bindparam("raise_to")), else_=Case.priority)
    )
)
_MARK_CRISIS = update(Case).where(Case.id == bindparam("case_id")).values(crisis=True)


def next_reference(now: datetime, timezone: ZoneInfo) -> str:
    """The next case reference, HL-<year>-<number>, numbered from 1 each year in
    the hotline's time zone.

    One upsert on the year's counter row: it stays locked until the transaction
    ends, so a second transaction waits, then reads the new number: never the
    same number twice. The counter is part of the transaction, so a transaction
    that rolls back gives its number back: numbers have no gaps.
    """
    year = now.astimezone(timezone).year
    connection = db.session.connection()
    number = connection.scalar(_statements(connection.dialect.name).next_number, {"of_year": year})
    return f"HL-{year}-{number:06d}"


def number(case: CaseForCall, now: datetime, timezone: ZoneInfo) -> CaseForCall:
    """The case with its reference, counted in the figures: a new case is
    counted as opened and, if not numbered yet, gets the year's next number in
    the hotline's time zone; any other is returned as it is. Run it as the
    transaction's last statements before the commit: the rollups' hour row and
    the year's counter row stay locked until then."""
    if case.uncounted_in is not None:
        rollup.case_opened(case.uncounted_in, now)
        case = replace(case, uncounted_in=None)
    if case.reference is not None:
        return case
    connection = db.session.connection()
    year = now.astimezone(timezone).year
    reference = connection.scalar(
        _statements(connection.dialect.name).numbered,
        {"case_id": case.id, "of_year": year, "prefix": f"HL-{year}-"},
    )
    return replace(case, reference=reference)


def open_case_of(caller_id: int | None, queue: str) -> OpenCase | None:
    """The caller's open case in `queue`. Withheld callers have none to find."""
    if caller_id is None:
        return None
    row = db.session.connection().execute(_OPEN_CASE, {"caller_id": caller_id, "queue": queue}).first()
    return OpenCase(*row) if row is not None else None


def open_or_attach(
    call: Call,
    queue: str,
    crisis: bool,
    now: datetime,
    timezone: ZoneInfo,
    open_case: OpenCase | NotLooked | None = NOT_LOOKED,
) -> CaseForCall:
    """Attach `call` to the caller's open case in the chosen queue, or open one,
    and put both on the case's timeline. The caller of this function links the
    call to the case, gives a new case its number (`number`, last) and commits.
    `open_case` is that case (or None) when it was read already, with the call.

    A caller with an open case in another queue gets a new case: they asked for
    a different kind of help. When another process opened the caller's case
    first, the insert does nothing (a number it took is given back) and the
    next look finds that case. A withheld caller has a caller row of their own
    for each call, so their calls are never merged.
    """
    connection = db.session.connection()
    for attempt in range(OPEN_TRIES):
        if attempt == 0 and not isinstance(open_case, NotLooked):
            found = open_case
        else:
            found = open_case_of(call.caller_id, queue)
        if found is not None:
            _raise(connection, found, priority(crisis=crisis, open_case=True), crisis)
            case = CaseForCall(found.id, found.reference, attached=True)
            break
        case = _open(connection, call.caller_id, queue, crisis, now, timezone)
        if case is not None:
            break
    else:
        raise CaseConflict(f"call {call.call_sid}: no open case after {OPEN_TRIES} tries")
    steps = [("call", {"call_sid": call.call_sid, "queue": queue, "crisis": crisis})]
    if not case.attached:
        steps.insert(0, ("opened", {"queue": queue}))
    written = [
        timeline.rows(case.id, kind, actor=audit.TELEPHONY, call=call, at=now, **data) for kind, data in steps
    ]
    connection.execute(timeline.NEW_EVENT, [event for event, _ in written])
    connection.execute(audit.NEW_RECORD, [entry for _, entry in written])
    return case


def open_for_caller(caller_id: int, queue: str, now: datetime, timezone: ZoneInfo, actor: str) -> CaseForCall:
    """The caller's open case in `queue`, or a new one (on its timeline, by
    `actor`), for a step that comes with no call: a callback asked for on the
    web page or by an operator. Part of the caller's transaction."""
    connection = db.session.connection()
    for _ in range(OPEN_TRIES):
        found = open_case_of(caller_id, queue)
        if found is not None:
            return CaseForCall(found.id, found.reference, attached=True)
        case = _open(connection, caller_id, queue, False, now, timezone)
        if case is not None:
            timeline.record(case.id, "opened", actor=actor, at=now, queue=queue)
            return number(case, now, timezone)
    raise CaseConflict(f"caller {caller_id}: no open case in {queue} after {OPEN_TRIES} tries")


def _open(
    connection, caller_id: int | None, queue: str, crisis: bool, now: datetime, timezone: ZoneInfo
) -> CaseForCall | None:
    """A new open case for the caller, numbered now on SQLite and not yet on
    PostgreSQL (its reference a placeholder that no other transaction sees
    until `number` replaces it); None when another process opened the
    caller's case meanwhile."""
    statements = _statements(connection.dialect.name)
    reference = next_reference(now, timezone) if statements.numbered is None else None
    case_id = connection.scalar(
        statements.new_case,
        {
            "reference": reference or f"new-{uuid4().hex[:28]}",
            "caller_id": caller_id,
            "queue": queue,
            "status": CaseStatus.OPEN,
            "priority": priority(crisis=crisis, open_case=False),
            "crisis": crisis,
            "opened_at": now,
        },
    )
    if case_id is None and reference is not None:
        year, taken = reference.split("-")[1:]
        connection.execute(_GIVE_BACK_NUMBER, {"of_year": int(year), "taken": int(taken)})
    if case_id is None:
        return None
    return CaseForCall(case_id, reference, attached=False, uncounted_in=queue)


def _raise(connection, found, priority: int, crisis: bool) -> None:
    """Raise the case's priority and crisis mark in the database, never lower them,
    whatever other calls attach at the same time."""
    if priority > found.priority:
        connection.execute(_RAISE_PRIORITY, {"case_id": found.id, "raise_to": priority})
    if crisis and not found.crisis:
        connection.execute(_MARK_CRISIS, {"case_id": found.id})
