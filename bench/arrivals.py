"""Callers arriving at a fixed rate (an open loop of calls), each through the phone
line's own steps: incoming, the language menu, the need menu, and, a while after
joining the queue, hanging up there (queue-result, QueueResult=hangup).

Each call is a coroutine on its own keep-alive connection (bench/connection.py),
its steps STEP seconds apart, as a caller pressing keys; calls start every
1/rate s whether or not earlier ones were answered. The menu's answer time
(time.perf_counter, the consoles' clock) is where the console latencies start.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bench.callers import Callers
from bench.connection import Connection
from bench.measured import REQUEST_TIMEOUT, SignedRequest

STEP = 0.2  # seconds between a caller's steps
INCOMING = "/telephony/voice/incoming"
LANGUAGE = "/telephony/voice/language?attempt=1"
MENU = "/telephony/voice/menu?attempt=1"
QUEUE_RESULT = "/telephony/voice/queue-result"


@dataclass
class Arrival:
    call_sid: str
    started: float  # scheduled start, perf_counter
    menu_sent: float | None = None  # perf_counter just before the menu was sent
    menu_answered: float | None = None  # perf_counter when the menu's answer was read
    failed: str | None = None  # the step that failed, and how


@dataclass
class Arrivals:
    calls: list[Arrival] = field(default_factory=list)

    def answered(self) -> list[Arrival]:
        """Calls whose menu was answered: they joined a queue."""
        return [c for c in self.calls if c.menu_answered is not None]

    def failures(self) -> list[str]:
        return [c.failed for c in self.calls if c.failed]


async def _send(connection: Connection, request: SignedRequest, host: str) -> int:
    status, _close = await asyncio.wait_for(connection.send(request.raw(host)), REQUEST_TIMEOUT)
    return status


async def _call(port: int, callers: Callers, arrival: Arrival, hang_up_after: float) -> None:
    host = f"127.0.0.1:{port}"
    sid = arrival.call_sid
    steps = (
        ("incoming", callers.incoming(INCOMING, sid), 0.0),
        ("language", callers.language(LANGUAGE, sid), STEP),
        ("menu", callers.menu(MENU, sid), 2 * STEP),
    )
    connection = await Connection.open(port)
    try:
        for name, request, offset in steps:
            await asyncio.sleep(max(0.0, arrival.started + offset - time.perf_counter()))
            arrival.menu_sent = time.perf_counter()
            status = await _send(connection, request, host)
            if status != 200:
                arrival.failed = f"{name} {status}"
                return
        arrival.menu_answered = time.perf_counter()
        await asyncio.sleep(hang_up_after)
        status = await _send(connection, callers.queue_result(QUEUE_RESULT, sid), host)
        if status != 200:
            arrival.failed = f"queue-result {status}"
    except (OSError, TimeoutError) as error:
        arrival.failed = f"{type(error).__name__}"
    finally:
        connection.close()


async def arrive(
    port: int, callers: Callers, *, rate: float, seconds: float, hang_up_after: float
) -> Arrivals:
    """`rate` calls a second for `seconds`; returns when the last has hung up."""
    arrivals = Arrivals()
    begin = time.perf_counter() + 0.05
    tasks = []
    for index in range(int(rate * seconds)):
        arrival = Arrival(callers.new_call_sid(), begin + index / rate)
        arrivals.calls.append(arrival)
        await asyncio.sleep(max(0.0, arrival.started - time.perf_counter()))
        tasks.append(asyncio.create_task(_call(port, callers, arrival, hang_up_after)))
    await asyncio.gather(*tasks)
    return arrivals
