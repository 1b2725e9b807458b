"""The one place that emits Socket.IO events. Room names live here.

Emits go through the Redis message queue, so web processes and workers alike
reach every connected browser. An emit never fails the request that caused it.
"""

from __future__ import annotations

from datetime import datetime

from hotline.calls import queue_figures, waiting_in
from hotline.extensions import socketio

QUEUE_UPDATED = "queue.updated"


def queue_room(queue: str) -> str:
    return f"queue:{queue}"


SUPERVISORS_ROOM = "supervisors"


def queue_changed(queue: str | None, now: datetime) -> None:
    """Tell the queue's operators and the supervisors who waits there now."""
    if queue is None:
        return
    figures = next(f for f in queue_figures(now) if f.name == queue)
    payload = {
        "name": queue,
        "waiting": figures.waiting,
        "longest_wait_seconds": figures.longest_wait_seconds,
        "calls": [
            {
                "call_sid": call.call_sid,
                "priority": call.priority,
                "crisis": call.crisis,
                "language": call.language,
                "case_reference": call.case.reference if call.case else None,
                "enqueued_at": call.enqueued_at.isoformat(),
            }
            for call in waiting_in(queue)
        ],
    }
    # The Redis manager logs and drops a publish it cannot make: no exception here.
    socketio.emit(QUEUE_UPDATED, payload, to=queue_room(queue))
    socketio.emit(QUEUE_UPDATED, payload, to=SUPERVISORS_ROOM)
