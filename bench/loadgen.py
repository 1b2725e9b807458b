"""Load generators for bench/webhooks.py.

- `run_wrk`: closed loop with wrk (Debian's `wrk` package) and bench/signed.lua,
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
import json
import math
import os
import re
import shutil
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

LUA_SCRIPT = Path(__file__).resolve().parent / "signed.lua"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.IGNORECASE)
CONNECTION_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)
REQUEST_TIMEOUT = 15.0  # Twilio gives a webhook 15 s; gunicorn's timeout is 14 s.


@dataclass(frozen=True)
class SignedRequest:
    """A webhook as Twilio sends it: form-encoded body, signed over the full URL."""

    path: str  # with the query string, as the TwiML links it
    body: str  # application/x-www-form-urlencoded
    signature: str

    def raw(self, host: str) -> bytes:
        body = self.body.encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Twilio-Signature: {self.signature}\r\n"
            "\r\n"
        )
        return head.encode() + body


@dataclass
class Result:
    """One measurement: completed requests over a window, their latencies, and errors."""

    generator: str
    completed: int = 0
    duration: float = 0.0  # seconds
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    codes: Counter = field(default_factory=Counter)
    socket_errors: int = 0
    timeouts: int = 0
    exhausted: bool = False  # the pool of distinct requests ran out before the end
    sent: int = 0
    overloaded_after: float | None = None  # open loop: seconds after which sending stopped
    begin: float = 0.0  # open loop: perf_counter() of the first scheduled send
    # open loop: (index in the request list, scheduled offset s, latency s or None, status or None)
    samples: list[tuple[int, float, float | None, int | None]] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.completed / self.duration if self.duration else 0.0

    @property
    def errors(self) -> int:
        bad = sum(count for status, count in self.codes.items() if not 200 <= int(status) < 300)
        return bad + self.socket_errors + self.timeouts

    def error_summary(self) -> str:
        parts = [
            f"{status}×{count}" for status, count in sorted(self.codes.items()) if not 200 <= status < 300
        ]
        if self.socket_errors:
            parts.append(f"socket×{self.socket_errors}")
        if self.timeouts:
            parts.append(f"timeout×{self.timeouts}")
        return ", ".join(parts)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def fill_latencies(result: Result, latencies: list[float]) -> None:
    latencies.sort()
    result.p50_ms = _ms(percentile(latencies, 0.50))
    result.p99_ms = _ms(percentile(latencies, 0.99))
    result.max_ms = _ms(latencies[-1] if latencies else None)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


# --- wrk ------------------------------------------------------------------------


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version(path: str) -> str:
    completed = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def write_request_file(path: Path, requests: list[SignedRequest]) -> None:
    with path.open("w", encoding="ascii") as out:
        for item in requests:
            out.write(f"{item.path}\t{item.signature}\t{item.body}\n")


def run_wrk(
    wrk: str,
    port: int,
    request_file: Path,
    *,
    connections: int,
    duration: float,
    threads: int,
    cycle: bool,
) -> Result:
    threads = max(1, min(threads, connections))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={int(REQUEST_TIMEOUT)}s",
        "-s",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{port}",
        "--",
        str(request_file),
        str(threads),
        "cycle" if cycle else "once",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False, cwd=LUA_SCRIPT.parent
    )
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line[len("BENCH ") :])
    result = Result(generator="wrk")
    result.completed = data["requests"]
    result.duration = data["duration_us"] / 1e6
    if data["requests"]:
        result.p50_ms = data["p50_us"] / 1000
        result.p99_ms = data["p99_us"] / 1000
        result.max_ms = data["max_us"] / 1000
    result.codes = Counter({int(status): count for status, count in data["codes"].items()})
    result.socket_errors = data["connect_errors"] + data["read_errors"] + data["write_errors"]
    result.timeouts = data["timeouts"]
    result.exhausted = data["threads_exhausted"] > 0
    result.sent = data["sent"]
    return result


# --- a small HTTP/1.1 keep-alive client on asyncio ------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time (no pipelining)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    @classmethod
    async def open(cls, port: int) -> Connection:
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_connection(cls, "127.0.0.1", port)
        return protocol

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed before the answer"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        answer = self._parse()
        if answer is not None:
            self.waiter.set_result(answer)

    def _parse(self) -> tuple[int, bool] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[: end + 2])
        status = int(head[9:12])
        start = end + 4
        if CHUNKED.search(head):
            total = self._chunked_end(start)
            if total is None:
                return None
        else:
            match = CONTENT_LENGTH.search(head)
            total = start + (int(match.group(1)) if match else 0)
            if len(self.buffer) < total:
                return None
        del self.buffer[:total]
        return status, bool(CONNECTION_CLOSE.search(head))

    def _chunked_end(self, position: int) -> int | None:
        while True:
            line_end = self.buffer.find(b"\r\n", position)
            if line_end < 0:
                return None
            size = int(bytes(self.buffer[position:line_end]).split(b";")[0], 16)
            position = line_end + 2 + size + 2
            if len(self.buffer) < position:
                return None
            if size == 0:
                return position

    async def send(self, raw: bytes) -> tuple[int, bool]:
        """Send one request, return (status, server closes the connection)."""
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class Source:
    """Raw requests handed out in order: each once, or round and round (`cycle`)."""

    def __init__(self, raws: list[bytes], cycle: bool) -> None:
        self.raws = raws
        self.cycle = cycle
        self.index = 0
        self.exhausted = False

    def next(self) -> bytes | None:
        if self.index >= len(self.raws):
            if not self.cycle or not self.raws:
                self.exhausted = True
                return None
            self.index = 0
        raw = self.raws[self.index]
        self.index += 1
        return raw


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
    result.timeouts = len(pending)
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


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
