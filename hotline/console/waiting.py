"""The waiting list of one queue as the console and the snapshot endpoint show
it: the first LIST_LIMIT callers in answer order with their places, and how
many wait in all. No number, no note: `queues.waiting_in` selects neither."""

from __future__ import annotations

from datetime import datetime

from hotline.calls import queues
from hotline.cases.priority import Priority

LIST_LIMIT = 50


def waiting_list(queue: str, now: datetime) -> dict:
    callers = queues.waiting_in(queue, limit=LIST_LIMIT)
    for position, caller in enumerate(callers, start=1):
        caller["queue"] = queue
        caller["position"] = position
        caller["waiting_since"] = caller["enqueued_at"]
        caller["wait_seconds"] = queues.seconds_between(caller["enqueued_at"], now) or 0
        caller["callback_return"] = caller["priority"] == Priority.CALLBACK_RETURN
    total = len(callers)
    if total == LIST_LIMIT:
        total = next(figures.waiting for figures in queues.figures(now) if figures.name == queue)
    return {"queue": queue, "total": total, "callers": callers}
