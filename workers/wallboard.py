"""The wallboard's `wallboard.queue`: every second, one look at the queues whose
live figures changed, and for each one sent no sooner than a second ago, its
figures to the supervisors.

Why a job of its own and not the web processes: `hotline.events` is the one
emitter and runs no query, and a webhook must never wait on Redis or on a
snapshot. So the places that already publish queue.*, presence.* and callback.*
events mark their queue changed in the same round trip to Redis, after commit
(`events.changed`: a member of the set WALLBOARD_CHANGED, lost with the event
when Redis is down, as the event is); this job computes the snapshot of the
marked queues (`wallboard.snapshot.queue_figures`: the same five statements for
one queue or four) and hands each to `events.wallboard_queue`. The limit of
once a second per queue is a Redis key per queue set NX for a second before
its figures are read, so it holds whatever the number of web processes, workers
or overlapping runs; a queue marked again within its second keeps its mark for
the next run. It runs beside the every-second callbacks job, not inside it, so
a failure of either leaves the other running.

A mark is taken off before the figures are read, so a change committed after
the read marks the queue again and is sent by a later run: nothing is lost
but a screen that missed an event, which reloads the snapshot when it reconnects.
"""

from __future__ import annotations

from flask import current_app

from hotline import events
from hotline.models import utcnow
from hotline.wallboard import snapshot

EVERY_SECONDS = 1
# A queue's figures go out at most once in this long.
GAP_MS = 1000


def sent_key(queue: str) -> str:
    return f"hotline:wallboard:sent:{queue}"


def publish_changed() -> list[str]:
    """Send the figures of the queues marked changed whose last figures went out
    more than GAP_MS ago: the queues sent."""
    redis = current_app.extensions["redis"]
    marked = sorted(
        name.decode() if isinstance(name, bytes) else name
        for name in redis.smembers(events.WALLBOARD_CHANGED)
    )
    if not marked:
        return []
    with redis.pipeline(transaction=False) as pipe:
        for name in marked:
            pipe.set(sent_key(name), 1, nx=True, px=GAP_MS)
        due = [name for name, won in zip(marked, pipe.execute(), strict=True) if won]
    if not due:
        return []
    redis.srem(events.WALLBOARD_CHANGED, *due)
    for figures in snapshot.queue_figures(utcnow(), current_app.config, due):
        events.wallboard_queue(figures)
    return due
