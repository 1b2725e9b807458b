"""Redis frozen (SIGSTOP) for a few seconds in the middle of an open loop of the flow's webhooks.

The open loop sends the phone line's webhooks at `rate` a second, as the calls of a busy
line would, in the proportions of one call's flow: incoming, menu, wait ×3, queue result,
status, then the next call's. Each request is for a call already at the right stage
(made through the webhooks beforehand), so no request depends on an earlier answer of the
run: incoming for a new call, menu for a call at the menu, wait for one of 20 waiting calls,
queue result for a waiting call, status for a call that has left its queue. Menu puts a
call in a queue as queue result takes one out, so the number waiting stays about where it
started. The bench's own redis-server gets SIGSTOP after a third of the run and SIGCONT
`freeze_seconds` later, and always again when the run ends, however it ends.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from bench import loadgen
from bench.measured import Result, percentile
from bench.routes import ROUTE

FLOW = ("incoming", "menu", "wait", "wait", "wait", "queue-result", "status")
SOURCES = {"menu": "menu", "wait": "queued", "queue-result": "queued", "status": "left_queue"}
WAIT_CALLS = 20  # wait is sent round and round for these (it writes nothing)
SETUP_SECONDS = 40.0  # at most this long making the calls of each stage beforehand
BEFORE_MARGIN = 1.0  # "before": sent at least this long before SIGSTOP (so answered before it)


class Freeze:
    """SIGSTOP `process` `at` seconds after entering, SIGCONT `seconds` later; SIGCONT on exit, always."""

    def __init__(self, process: subprocess.Popen, at: float, seconds: float) -> None:
        self.process, self.at, self.seconds = process, at, seconds
        self.stopped: float | None = None  # perf_counter() times
        self.resumed: float | None = None
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-freeze", daemon=True)

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, number)

    def _run(self) -> None:
        if self._cancel.wait(self.at):
            return
        self._signal(signal.SIGSTOP)
        self.stopped = time.perf_counter()
        self._cancel.wait(self.seconds)
        self._signal(signal.SIGCONT)
        self.resumed = time.perf_counter()

    def __enter__(self) -> Freeze:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._cancel.set()
        try:
            self._thread.join(timeout=5)
        finally:
            self._signal(signal.SIGCONT)
            if self.stopped is not None and self.resumed is None:
                self.resumed = time.perf_counter()


@dataclass
class Span:
    """Latencies of the requests sent in one span of the run (a timeout counts as slower than any answer)."""

    sent: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds; math.inf for a timeout
    errors: int = 0  # timeouts, socket errors and answers other than 2xx

    def add(self, latency: float | None, status: int | None) -> None:
        self.sent += 1
        self.latencies.append(math.inf if latency is None else latency)
        self.errors += latency is None or not 200 <= (status or 0) < 300

    def p99_ms(self) -> float | None:
        value = percentile(sorted(self.latencies), 0.99)
        return None if value is None else value * 1000

    def max_ms(self) -> float | None:
        return max(self.latencies) * 1000 if self.latencies else None


@dataclass
class FrozenRun:
    rate: float
    duration: float
    freeze_seconds: float
    result: Result
    kinds: list[str]  # the webhook of each request, by index
    window: tuple[float, float] | None  # scheduled offsets (s) of SIGSTOP and SIGCONT
    waiting_before: int
    waiting_after: int
    notes: list[str] = field(default_factory=list)

    def spans(self) -> dict[str, dict[str, Span]]:
        """{webhook or "all": {"before", "frozen", "whole": Span}}: "before", sent at least
        BEFORE_MARGIN before SIGSTOP (did the server keep up with the rate at all?); "frozen",
        sent while Redis was stopped; "whole", every request of the run."""
        table: dict[str, dict[str, Span]] = {}
        for index, offset, latency, status in self.result.samples:
            for kind in ("all", self.kinds[index]):
                spans = table.setdefault(kind, {"before": Span(), "frozen": Span(), "whole": Span()})
                spans["whole"].add(latency, status)
                if self.window and offset < self.window[0] - BEFORE_MARGIN:
                    spans["before"].add(latency, status)
                elif self.window and self.window[0] <= offset < self.window[1]:
                    spans["frozen"].add(latency, status)
        return table


def run_frozen(bench, redis: subprocess.Popen) -> FrozenRun:
    """The open loop with Redis frozen, on `bench`'s gunicorn and database (a runner.Bench)."""
    s = bench.settings
    count = int(s.frozen_rate * s.frozen_duration)
    per_call = math.ceil(count / len(FLOW))
    # Made in this order: each top-up uses up calls at the stage before it.
    bench.top_up("left_queue", per_call, SETUP_SECONDS)
    bench.top_up("queued", per_call + WAIT_CALLS, SETUP_SECONDS)
    bench.top_up("menu", per_call, SETUP_SECONDS)
    pools = {kind: bench.pool(source) for kind, source in SOURCES.items()}
    waits = pools["wait"][:WAIT_CALLS]
    pools["queue-result"] = pools["queue-result"][WAIT_CALLS:]
    requests, kinds, short = [], [], set()
    for index in range(count):
        kind = FLOW[index % len(FLOW)]
        if kind == "incoming":
            sids = None
        elif kind == "wait":
            sids = [waits[index % len(waits)]] if waits else []
        else:
            sids = pools[kind][index // len(FLOW) : index // len(FLOW) + 1]
        built = bench.callers.build(ROUTE[kind], 1, sids)
        if not built:
            short.add(kind)
            continue
        requests += built
        kinds.append(kind)
    waiting_before = bench.queued()
    at = s.frozen_duration / 3
    with Freeze(redis, at, s.freeze_seconds) as freeze:
        result = loadgen.open_loop(
            bench.port,
            requests,
            rate=s.frozen_rate,
            duration=len(requests) / s.frozen_rate,
            overload_seconds=None,
        )
    window = None
    if freeze.stopped is not None:
        window = (freeze.stopped - result.begin, freeze.resumed - result.begin)
    run = FrozenRun(
        s.frozen_rate,
        s.frozen_duration,
        s.freeze_seconds,
        result,
        kinds,
        window,
        waiting_before,
        bench.queued(),
    )
    if short:
        run.notes.append(f"ran short of calls for {', '.join(sorted(short))}: those requests left out")
    if window is None:
        run.notes.append("Redis was never frozen: the run ended first")
    return run
