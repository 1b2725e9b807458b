"""Who waits in the queues: figures, the waiting list, a caller's place.

The order callers are answered in is written once, here, as SQL: highest
priority first, then longest waiting, then first recorded (so two callers who
entered at the same instant still have distinct places). A caller who went
back to the queue (an operator's phone not answered, a transfer) is answered
before everyone of their priority who did not, in the order they went back.
An offered caller still waits, and keeps their place, until someone takes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from hotline.extensions import db
from hotline.models import Call, Case, QueueName
from hotline.models.states import WAITING, CallStage

# 0 for a caller who went back to the queue, 1 for everyone else; then their
# time in that order: when they went back, or when they entered.
_GROUP = Call.returned_at.is_(None)
_SINCE = func.coalesce(Call.returned_at, Call.enqueued_at)
ANSWER_ORDER = (Call.priority.desc(), _GROUP, _SINCE, Call.id)


def caller_place(
    priority: int, returned_at: datetime | None, enqueued_at: datetime, call_id: int = 0
) -> tuple:
    """A caller's place in the answer order as a value to compare: ANSWER_ORDER
    in Python, for ordering callers among the queued callbacks (`callback_place`)."""
    return (-int(priority), returned_at is None, returned_at or enqueued_at, 0, call_id)


def callback_place(priority: int, waiting_since: datetime, callback_id: int = 0) -> tuple:
    """A queued callback's place beside the callers (`caller_place`): by priority,
    after the callers who went back to the queue, then by its time of waiting
    (the caller's own, for one who asked while on hold); a caller and a callback
    waiting since the same instant: the caller first."""
    return (-int(priority), True, waiting_since, 1, callback_id)


@dataclass(frozen=True)
class QueueFigures:
    name: str
    waiting: int
    longest_wait_seconds: int


def seconds_between(start: datetime | None, end: datetime) -> int | None:
    if start is None:
        return None
    return max(0, int((end - start).total_seconds()))


def figures(now: datetime) -> list[QueueFigures]:
    """Who waits in each of the four queues right now."""
    rows = db.session.execute(
        select(Call.queue, func.count(), func.min(Call.enqueued_at))
        .where(Call.stage.in_(WAITING))
        .group_by(Call.queue)
    ).all()
    by_queue = {queue: (count, oldest) for queue, count, oldest in rows}
    result = []
    for queue in QueueName:
        count, oldest = by_queue.get(queue.value, (0, None))
        result.append(QueueFigures(queue.value, count, seconds_between(oldest, now) or 0))
    return result


def waiting_in(queue: str, limit: int | None = None) -> list[dict]:
    """Calls waiting in `queue`, in the order they are to be answered, as the
    plain values a live screen shows. A repeat caller is one whose case had an
    earlier call (they joined their open case), whatever their priority. `place`:
    their place in the answer order as `caller_place` gives it; `offered`: an
    operator holds their offer now."""
    earlier = aliased(Call)
    repeat_caller = exists().where(earlier.case_id == Call.case_id, earlier.id < Call.id)
    rows = db.session.execute(
        select(
            Call.call_sid,
            Call.priority,
            Call.crisis,
            Call.language,
            Case.reference,
            Call.enqueued_at,
            repeat_caller,
            Call.returned_at,
            Call.stage,
        )
        .outerjoin(Case, Call.case_id == Case.id)
        .where(Call.stage.in_(WAITING), Call.queue == queue)
        .order_by(*ANSWER_ORDER)
        .limit(limit)
    ).all()
    return [
        {
            "call_sid": sid,
            "priority": priority,
            "crisis": crisis,
            "language": language,
            "case_reference": reference,
            "enqueued_at": enqueued_at,
            "repeat_caller": repeat,
            "returned": returned_at is not None,
            "offered": stage == CallStage.OFFERED,
            "place": caller_place(priority, returned_at, enqueued_at),
        }
        for sid, priority, crisis, language, reference, enqueued_at, repeat, returned_at, stage in rows
    ]


def position_of(call: Call) -> int:
    """1 for the caller who will be answered next. `call` must be waiting."""
    returned = call.returned_at is not None
    since = call.returned_at if returned else call.enqueued_at
    same_group = Call.returned_at.is_not(None) if returned else Call.returned_at.is_(None)
    conditions = [
        Call.priority > call.priority,
        and_(Call.priority == call.priority, same_group, since > _SINCE),
        and_(Call.priority == call.priority, same_group, since == _SINCE, Call.id < call.id),
    ]
    if not returned:
        conditions.append(and_(Call.priority == call.priority, Call.returned_at.is_not(None)))
    ahead = or_(*conditions)
    count = db.session.scalar(
        select(func.count()).where(Call.stage.in_(WAITING), Call.queue == call.queue, ahead)
    )
    return count + 1
