"""Load generators for bench/webhooks.py.

- `bench/wrk.py`: closed loop with wrk (Debian's `wrk` package) and bench/signed.lua,
  replaying requests signed beforehand in Python. The default when wrk is on PATH.
- `closed_loop`: the same closed loop in Python (asyncio, raw HTTP/1.1 keep-alive),
  used when wrk is missing. It costs the client more CPU than wrk does.
- `open_loop`: requests sent on a fixed schedule (`rate` a second), whether or not
  earlier answers have come back; latency is measured from each request's
  scheduled send time, so a stalled server cannot hide its stalls (no
  coordinated omission). wrk2 is not packaged in Debian; at a few hundred
  requests a second asyncio keeps the schedule easily.
- `drive`: send a finite list of requests as fast as they are answered (setting up
  state between measurements; not measured).
"""

from __future__ import annotations

import asyncio
import math
import time

from bench.connection import Connection, Source
from bench.measured import REQUEST_TIMEOUT, Result, SignedRequest, fill_latencies


async def _worker(port: int, source: Source, stop_at: float, record) -> None:
    connection: Connection | None = None
    try:
        while time.perf_counter() < stop_at:
            raw = source.next()
            if raw is None:
                return
            if connection is None or connection.closed:
                connection = await Connection.open(port)
            started = time.perf_counter()
            try:
                status, close = await asyncio.wait_for(connection.send(raw), REQUEST_TIMEOUT)
            except TimeoutError:
                record(started, None, "timeout")
                connection.close()
                connection = None
                continue
            except OSError:
                record(started, None, "socket")
                connection = None
                continue
            record(started, time.perf_counter(), status)
            if close:
                connection.close()
                connection = None
    finally:
        if connection is not None:
            connection.close()


async def _closed_loop(
    port: int, raws: list[bytes], connections: int, duration: float, cycle: bool
) -> Result:
    result = Result(generator="python")
    source = Source(raws, cycle)
    latencies: list[float] = []
    begin = time.perf_counter()
    stop_at = begin + duration
    last_done = begin

    def record(started: float, finished: float | None, outcome) -> None:
        nonlocal last_done
        if finished is None:
            result.timeouts += outcome == "timeout"
            result.socket_errors += outcome == "socket"
            return
        if finished <= stop_at:
            result.completed += 1
            latencies.append(finished - started)
            result.codes[outcome] += 1
            last_done = finished

    await asyncio.gather(*(_worker(port, source, stop_at, record) for _ in range(connections)))
    result.exhausted = source.exhausted
    # A pool that ran out ends the window when the last answer came back.
    result.duration = (last_done if source.exhausted else stop_at) - begin
    result.sent = source.index
    fill_latencies(result, latencies)
    return result


def closed_loop(
    port: int, requests: list[SignedRequest], *, connections: int, duration: float, cycle: bool
) -> Result:
    host = f"127.0.0.1:{port}"
    raws = [item.raw(host) for item in requests]
    return asyncio.run(_closed_loop(port, raws, connections, duration, cycle))


def drive(port: int, requests: list[SignedRequest], seconds: float, connections: int = 20) -> Result:
    """Send each request once, `connections` at a time, for at most `seconds`. For setting up state."""
    return closed_loop(port, requests, connections=connections, duration=seconds, cycle=False)


async def _open_loop(
    port: int,
    raws: list[bytes],
    rate: float,
    duration: float,
    max_connections: int,
    overload_seconds: float | None,
    cycle: bool,
) -> Result:
    result = Result(generator="python open loop")
    count = int(rate * duration)
    if (not cycle and len(raws) < count) or not raws:
        count = len(raws)
        result.exhausted = True
        duration = count / rate
    idle: list[Connection] = []
    slots = asyncio.Semaphore(max_connections)
    latencies: list[float] = []
    in_flight = 0
    loop = asyncio.get_running_loop()

    for _ in range(min(10, max_connections)):
        idle.append(await Connection.open(port))

    async def attempt(index: int, raw: bytes, scheduled: float) -> None:
        async with slots:
            connection = None
            while idle:
                candidate = idle.pop()
                if not candidate.closed:
                    connection = candidate
                    break
            try:
                if connection is None:
                    connection = await Connection.open(port)
                status, close = await connection.send(raw)
            except OSError:
                result.socket_errors += 1
                result.samples.append((index, scheduled - begin, None, None))
                return
            except asyncio.CancelledError:  # timed out: the answer may still come, on no connection
                if connection is not None:
                    connection.close()
                raise
            latency = time.perf_counter() - scheduled
            latencies.append(latency)
            result.samples.append((index, scheduled - begin, latency, status))
            result.codes[status] += 1
            result.completed += 1
            if close:
                connection.close()
            else:
                idle.append(connection)

    async def one(index: int, raw: bytes, scheduled: float) -> None:
        """Twilio's patience: an answer later than REQUEST_TIMEOUT after the scheduled send is a timeout."""
        nonlocal in_flight
        in_flight += 1
        try:
            await asyncio.wait_for(
                attempt(index, raw, scheduled), scheduled + REQUEST_TIMEOUT - time.perf_counter()
            )
        except TimeoutError:
            result.timeouts += 1
            result.samples.append((index, scheduled - begin, None, None))
        finally:
            in_flight -= 1

    tasks = []
    begin = result.begin = time.perf_counter() + 0.05
    backlog = math.inf if overload_seconds is None else max(50, int(rate * overload_seconds))
    for index in range(count):
        scheduled = begin + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight > backlog:
            # The server is more than `overload_seconds` behind: it cannot take
            # this rate. Stop here rather than pile up work for the next route.
            result.overloaded_after = scheduled - begin
            break
        tasks.append(loop.create_task(one(index, raws[index % len(raws)], scheduled)))
    result.sent = len(tasks)
    # Each request times out by itself; this is only a safety net.
    _done, pending = await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT + 5) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    result.timeouts += len(pending)
    result.duration = duration
    for connection in idle:
        connection.close()
    fill_latencies(result, latencies)
    # Requests never answered (or never sent, for want of capacity) are slower than any answer.
    missing = count - len(latencies)
    if missing and missing >= count * 0.01:
        result.p99_ms = math.inf
    return result


def open_loop(
    port: int,
    requests: list[SignedRequest],
    *,
    rate: float,
    duration: float,
    max_connections: int = 500,
    overload_seconds: float | None = 1.0,
    cycle: bool = False,
) -> Result:
    """`rate` requests a second for `duration` seconds on a fixed schedule.

    `requests` should hold rate×duration requests; with fewer, it is sent round
    and round (`cycle`) or the run is shorter (`exhausted`).
    A request with no free connection opens a new one (up to `max_connections`),
    as Twilio would; the wait for a connection counts in its latency. If more than
    `overload_seconds` worth of requests are unanswered, the server cannot keep up:
    sending stops and `overloaded_after` says when (None: never stop). Each request
    gets REQUEST_TIMEOUT from its scheduled time, then counts as a timeout.
    """
    host = f"127.0.0.1:{port}"
    raws = [item.raw(host) for item in requests]
    return asyncio.run(_open_loop(port, raws, rate, duration, max_connections, overload_seconds, cycle))
