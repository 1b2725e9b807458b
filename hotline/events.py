"""The one place that emits Socket.IO events. Room names live here.

Emits go through the Redis message queue, so web processes and workers alike
reach every connected browser. An emit never fails the request that caused it.
"""

from __future__ import annotations

from datetime import datetime

from hotline.extensions import socketio
from hotline.queues import waiting_in

QUEUE_UPDATED = "queue.updated"


def queue_room(queue: str) -> str:
    return f"queue:{queue}"


SUPERVISORS_ROOM = "supervisors"


def queue_changed(queue: str | None, now: datetime) -> None:
    """Tell the queue's operators and the supervisors who waits there now."""
    if queue is None:
        return
    waiting = waiting_in(queue)
    oldest = min((call["enqueued_at"] for call in waiting), default=None)
    payload = {
        "name": queue,
        "waiting": len(waiting),
        "longest_wait_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
        "calls": [{**call, "enqueued_at": call["enqueued_at"].isoformat()} for call in waiting],
    }
    # The Redis manager logs and drops a publish it cannot make: no exception here.
    socketio.emit(QUEUE_UPDATED, payload, to=[queue_room(queue), SUPERVISORS_ROOM])
