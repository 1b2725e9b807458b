"""The console bench's reference: a bare emit through the Redis message queue, from the bench's
process, to the same consoles, at the callers' rate and while they arrive.

Each ping goes to the rooms `queue.caller_joined` goes to (a queue's and the supervisors'),
through python-socketio's write-only RedisManager on the hotline's channel: Redis, then the
web process's listener, then the consoles' sockets, the path every event takes, without the
webhook, the database or the offer before it. Its latency (from just before the publish to each
console's arrival) is what the consoles' figures are held against.
"""

from __future__ import annotations

import asyncio
import time

import socketio

from hotline import events
from hotline.extensions import SOCKETIO_CHANNEL

PING = "bench.ping"
ROOMS = [events.queue_room("general"), events.SUPERVISORS_ROOM]


async def send(redis_url: str, *, rate: float, seconds: float) -> dict[int, float]:
    """Ping `rate` times a second for `seconds`; {ping id: perf_counter just before its publish}."""
    manager = socketio.RedisManager(redis_url, channel=SOCKETIO_CHANNEL, write_only=True)
    sent: dict[int, float] = {}
    begin = time.perf_counter() + 0.05
    for ping in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, begin + ping / rate - time.perf_counter()))
        sent[ping] = time.perf_counter()
        await asyncio.to_thread(manager.emit, PING, {"ping": ping}, room=ROOMS)
    return sent
