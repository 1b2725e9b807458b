"""Who waits in the queues: figures, the waiting list, a caller's place.

The order callers are answered in is written once, here, as SQL: highest
priority first, then longest waiting, then first recorded (so two callers who
entered at the same instant still have distinct places).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from hotline.extensions import db
from hotline.lifecycle import CallStage
from hotline.models import Call, Case, QueueName

ANSWER_ORDER = (Call.priority.desc(), Call.enqueued_at, Call.id)


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
        .where(Call.stage == CallStage.QUEUED)
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
    plain values a live screen shows."""
    rows = db.session.execute(
        select(Call.call_sid, Call.priority, Call.crisis, Call.language, Case.reference, Call.enqueued_at)
        .outerjoin(Case, Call.case_id == Case.id)
        .where(Call.stage == CallStage.QUEUED, Call.queue == queue)
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
        }
        for sid, priority, crisis, language, reference, enqueued_at in rows
    ]


def position_of(call: Call) -> int:
    """1 for the caller who will be answered next. `call` must be waiting."""
    ahead = or_(
        Call.priority > call.priority,
        and_(Call.priority == call.priority, Call.enqueued_at < call.enqueued_at),
        and_(Call.priority == call.priority, Call.enqueued_at == call.enqueued_at, Call.id < call.id),
    )
    count = db.session.scalar(
        select(func.count()).where(Call.stage == CallStage.QUEUED, Call.queue == call.queue, ahead)
    )
    return count + 1
