"""Blocking an abusive caller: a supervisor blocks the caller of a case for 1
hour to 90 days, with a reason; lifted early, or it runs out by itself (its
`until`: no job needed).

One block not lifted per caller is the partial unique index
uq_caller_block_unlifted: of two blocks at once, one is written and the other
is a 409. A block that ran out is marked lifted (at its `until`, by nobody)
when the next one is set. A withheld caller cannot be blocked: their next call
is a caller of its own.

A blocked caller's call is still recorded (`blocked_call` on the block's case),
hears a short message, and may press 9 for the crisis path as always.
The reason is the supervisor's words about a person: it stays in the block's
row and the case's view, never in an event's data or an audit record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from hotline import audit
from hotline.cases import timeline
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Call, Caller, CallerBlock, Case, User

MAX_HOURS = 2160  # 90 days
REASON_MAX_CHARS = 1_000
BLOCKS = CallerBlock.__table__


class CannotBlockWithheld(RuntimeError):
    """409: the case's caller withheld their number."""

    def __init__(self) -> None:
        super().__init__("the caller's number is withheld: their next call could not be recognised")


class BlockedAlready(RuntimeError):
    """409: the caller has a block already (lift it first to set another)."""

    def __init__(self) -> None:
        super().__init__("this caller is blocked already: lift that block first to set another")


class NotBlocked(RuntimeError):
    """409: nothing to lift."""

    def __init__(self) -> None:
        super().__init__("this caller is not blocked")


def _active(caller_id: int | None, now: datetime):
    return and_(BLOCKS.c.caller_id == caller_id, BLOCKS.c.lifted_at.is_(None), BLOCKS.c.until > now)


def block(case: Case, user: User, hours: int, reason: str, now: datetime) -> dict:
    """`user` blocks the case's caller for `hours`, committed; the block as
    `block_view` shows it. CannotBlockWithheld or BlockedAlready, nothing written."""
    caller = db.session.get(Caller, case.caller_id) if case.caller_id is not None else None
    if caller is None or caller.withheld:
        raise CannotBlockWithheld()
    until = now + timedelta(hours=hours)
    connection = db.session.connection()
    connection.execute(
        update(BLOCKS)
        .where(BLOCKS.c.caller_id == caller.id, BLOCKS.c.lifted_at.is_(None), BLOCKS.c.until <= now)
        .values(lifted_at=BLOCKS.c.until)
    )
    values = {
        "caller_id": caller.id,
        "case_id": case.id,
        "reason": reason,
        "blocked_by_id": user.id,
        "created_at": now,
        "until": until,
    }
    try:
        with savepoint():
            block_id = connection.scalar(insert(CallerBlock).returning(CallerBlock.id), values)
    except IntegrityError:
        db.session.rollback()
        raise BlockedAlready() from None
    timeline.record(
        case.id,
        "caller_blocked",
        actor=user.username,
        actor_id=user.id,
        at=now,
        block_id=block_id,
        hours=hours,
        until=until.isoformat(),
    )
    db.session.commit()
    return block_view(case, now)


def lift(case: Case, user: User, now: datetime) -> None:
    """`user` lifts the block of the case's caller before it runs out, committed.
    NotBlocked (409) when there is none."""
    block_id = db.session.connection().scalar(
        update(BLOCKS)
        .where(_active(case.caller_id, now))
        .values(lifted_at=now, lifted_by_id=user.id)
        .returning(BLOCKS.c.id)
    )
    if block_id is None:
        db.session.rollback()
        raise NotBlocked()
    timeline.record(
        case.id, "caller_unblocked", actor=user.username, actor_id=user.id, at=now, block_id=block_id
    )
    db.session.commit()


def block_view(case: Case, now: datetime) -> dict | None:
    """The block of the case's caller in force now, or None (one query)."""
    if case.caller_id is None:
        return None
    row = db.session.execute(
        select(CallerBlock, User.username)
        .join(User, User.id == CallerBlock.blocked_by_id)
        .where(_active(case.caller_id, now))
    ).first()
    if row is None:
        return None
    found, blocked_by = row
    return {
        "id": found.id,
        "until": found.until,
        "reason": found.reason,
        "blocked_by": blocked_by,
        "created_at": found.created_at,
    }


_BLOCKED_CALL = (
    select(Call, Caller.language, CallerBlock.id, CallerBlock.case_id)
    .join(Caller, Caller.id == Call.caller_id)
    .join(CallerBlock, CallerBlock.caller_id == Call.caller_id)
)


@dataclass(frozen=True)
class BlockedCall:
    call: Call
    language: str | None  # the caller's, when known
    block_id: int
    case_id: int  # the case the block was set through


def blocked_call(call_sid: str, now: datetime) -> BlockedCall | None:
    """The call `call_sid`, when its caller is blocked now; else None. One
    query: the incoming webhook asks on every call."""
    row = db.session.execute(
        _BLOCKED_CALL.where(Call.call_sid == call_sid, _active(Call.caller_id, now))
    ).first()
    if row is None:
        return None
    return BlockedCall(*row)


def record_blocked_call(blocked: BlockedCall, now: datetime) -> None:
    """The blocked caller's call on the block's case's timeline, committed."""
    timeline.record(
        blocked.case_id,
        "blocked_call",
        actor=audit.TELEPHONY,
        call=blocked.call,
        at=now,
        block_id=blocked.block_id,
    )
    db.session.commit()
