"""The waiting list of one queue as the console and the snapshot endpoint show
it: the first LIST_LIMIT in answer order with their places, callers and queued
callbacks together (`kind`), and how many wait in all. A callback is placed
where the distribution would offer it (`queues.callback_place`, the rule
`operators.offers` follows), each `offered` while an operator holds its offer.
No number, no note: `queues.waiting_in` and
`listing.queued_in` select neither."""

from __future__ import annotations

from datetime import datetime

from hotline.callbacks import listing
from hotline.calls import queues
from hotline.cases.priority import Priority

LIST_LIMIT = 50


def waiting_list(queue: str, now: datetime) -> dict:
    callers = queues.waiting_in(queue, limit=LIST_LIMIT)
    callbacks = listing.queued_in(queue, limit=LIST_LIMIT)
    for caller in callers:
        caller.update(kind="call", callback_id=None, waiting_since=caller["enqueued_at"])
    for callback in callbacks:
        callback.update(
            kind="callback",
            call_sid=None,
            repeat_caller=False,
            returned=False,
            place=queues.callback_place(
                callback["priority"], callback["waiting_since"], callback["callback_id"]
            ),
        )
    waiting = sorted(callers + callbacks, key=lambda entry: entry["place"])
    waiting = waiting[:LIST_LIMIT]
    for position, entry in enumerate(waiting, start=1):
        del entry["place"]
        entry["queue"] = queue
        entry["position"] = position
        entry["wait_seconds"] = queues.seconds_between(entry["waiting_since"], now) or 0
        entry["callback_return"] = entry["kind"] == "call" and entry["priority"] == Priority.CALLBACK_RETURN
    total = len(callers)
    if total == LIST_LIMIT:
        total = next(figures.waiting for figures in queues.figures(now) if figures.name == queue)
    total += len(callbacks) if len(callbacks) < LIST_LIMIT else listing.queued_count(queue)
    return {"queue": queue, "total": total, "callers": waiting}
