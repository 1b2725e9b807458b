"""Callbacks as screens and the API show them: ids, codes and times, the case's
reference, each attempt, and the number only as its last two digits.

`shown` is the one form of a callback, for the API and for the events alike.
`page` is the list: every open callback, and those closed on the local days the
request covers (default today), in the order they were asked for. `queued_in`:
the queued callbacks of one queue as its waiting list shows them, beside the callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, or_, select

from hotline.core.phones import mask_tail
from hotline.extensions import db
from hotline.models import Callback, CallbackAttempt, Case, Offer, User
from hotline.models.states import BEFORE_DIALLING, OPEN_CALLBACK, CallbackStatus, OfferStatus

# The most one page of the list holds.
PAGE_SIZE = 100
# A callback due and not yet dialled (scheduled or queued) for longer than this
# is overdue (issue 13): the console's callbacks panel marks it so, and the
# wallboard counts it (`overdue`). The console's page data carries it as
# `callbacks_overdue_seconds` (static/js/callbacks.js still has its own OVERDUE_MS,
# the same ten minutes, until it reads that).
OVERDUE_AFTER = timedelta(minutes=10)
# The order queued callbacks are offered in (`operators.offers`), among themselves.
CALLBACK_ORDER = (Callback.priority.desc(), Callback.waiting_since, Callback.id)


class UnknownCallback(LookupError):
    """404: no callback has that id."""


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def shown(
    callback: Callback,
    case_reference: str | None,
    attempts: Iterable[CallbackAttempt] = (),
    operator: str | None = None,
) -> dict:
    """The API's and the events' view of `callback`."""
    return {
        "id": callback.id,
        "kind": "callback",
        "status": callback.status,
        "queue": callback.queue,
        "source": callback.source,
        "requested_at": _time(callback.requested_at),
        "due_at": _time(callback.due_at),
        "waiting_since": _time(callback.waiting_since) if callback.queued_at is not None else None,
        "closed_at": _time(callback.closed_at),
        "case_reference": case_reference,
        "operator": operator,
        "priority": int(callback.priority),
        "crisis": callback.crisis,
        "language": callback.language,
        "window": f"{callback.window_start}-{callback.window_end}" if callback.window_start else None,
        "masked_number": mask_tail(callback.number_tail),
        "attempts": [
            {"number": attempt.number, "started_at": _time(attempt.started_at), "outcome": attempt.outcome}
            for attempt in sorted(attempts, key=lambda attempt: attempt.number)
        ],
    }


def get(callback_id: int) -> tuple[Callback, dict]:
    """The callback and its view; UnknownCallback when there is none."""
    row = db.session.execute(
        select(Callback, Case.reference, User.username)
        .outerjoin(Case, Case.id == Callback.case_id)
        .outerjoin(User, User.id == Callback.operator_id)
        .where(Callback.id == callback_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise UnknownCallback(callback_id)
    callback, reference, operator = row
    return callback, shown(callback, reference, _attempts([callback.id]).get(callback.id, ()), operator)


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to: `queues` the reader may see (None: all)."""

    statuses: frozenset[str] | None = None
    queue: str | None = None
    queues: frozenset[str] | None = None
    first_day: date | None = None
    last_day: date | None = None
    after_id: int = 0


def page(filters: Filters, today: date, timezone: ZoneInfo) -> dict:
    """{"items": [...], "next": the id to continue after, or None}."""
    first = filters.first_day or today
    last = filters.last_day or first
    since = datetime.combine(first, time.min, timezone)
    until = datetime.combine(last + timedelta(days=1), time.min, timezone)
    conditions = [
        Callback.id > filters.after_id,
        or_(
            Callback.status.in_(sorted(OPEN_CALLBACK)),
            and_(Callback.closed_at >= since, Callback.closed_at < until),
        ),
    ]
    if filters.statuses is not None:
        conditions.append(Callback.status.in_(sorted(filters.statuses)))
    if filters.queue is not None:
        conditions.append(Callback.queue == filters.queue)
    if filters.queues is not None:
        conditions.append(Callback.queue.in_(sorted(filters.queues)))
    rows = db.session.execute(
        select(Callback, Case.reference, User.username)
        .outerjoin(Case, Case.id == Callback.case_id)
        .outerjoin(User, User.id == Callback.operator_id)
        .where(*conditions)
        .order_by(Callback.id)
        .limit(PAGE_SIZE + 1)
    ).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    attempts = _attempts([callback.id for callback, _, _ in rows])
    items = [
        shown(callback, reference, attempts.get(callback.id, ()), operator)
        for callback, reference, operator in rows
    ]
    return {"items": items, "next": rows[-1][0].id if more else None}


def _attempts(callback_ids: list[int]) -> dict[int, list[CallbackAttempt]]:
    if not callback_ids:
        return {}
    found: dict[int, list[CallbackAttempt]] = {}
    for attempt in db.session.scalars(
        select(CallbackAttempt).where(CallbackAttempt.callback_id.in_(callback_ids))
    ):
        found.setdefault(attempt.callback_id, []).append(attempt)
    return found


def queued_in(queue: str, limit: int) -> list[dict]:
    """The first `limit` queued callbacks of `queue` in the order they are offered,
    as the waiting list shows them: no number, no note; `offered` while an
    operator holds its offer."""
    offered = exists().where(Offer.callback_id == Callback.id, Offer.status == OfferStatus.OPEN)
    rows = db.session.execute(
        select(
            Callback.id,
            Callback.priority,
            Callback.crisis,
            Callback.language,
            Case.reference,
            Callback.waiting_since,
            Callback.requested_at,
            offered,
        )
        .outerjoin(Case, Case.id == Callback.case_id)
        .where(Callback.status == CallbackStatus.QUEUED, Callback.queue == queue)
        .order_by(*CALLBACK_ORDER)
        .limit(limit)
    ).all()
    return [
        {
            "callback_id": callback_id,
            "priority": int(priority),
            "crisis": crisis,
            "language": language,
            "case_reference": reference,
            "waiting_since": waiting_since or requested_at,
            "requested_at": requested_at,
            "offered": bool(held),
        }
        for callback_id, priority, crisis, language, reference, waiting_since, requested_at, held in rows
    ]


def queued_count(queue: str) -> int:
    return db.session.scalar(
        select(func.count()).where(Callback.status == CallbackStatus.QUEUED, Callback.queue == queue)
    )


def overdue(now: datetime):
    """The condition on Callback of an overdue one at `now` (OVERDUE_AFTER)."""
    return and_(Callback.status.in_(sorted(BEFORE_DIALLING)), Callback.due_at < now - OVERDUE_AFTER)


def waiting_counts(now: datetime) -> dict[str, tuple[int, int]]:
    """Per queue, (queued, overdue) callbacks at `now`: one grouped query over
    the callbacks not yet dialled (ix_callback_status_due). A queue with none is absent."""
    rows = db.session.execute(
        select(
            Callback.queue,
            func.count(case((Callback.status == CallbackStatus.QUEUED, 1))),
            func.count(case((overdue(now), 1))),
        )
        .where(Callback.status.in_(sorted(BEFORE_DIALLING)))
        .group_by(Callback.queue)
    ).all()
    return {queue: (queued, late) for queue, queued, late in rows}
