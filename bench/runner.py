"""One database, one gunicorn: every route in turn, closed loop then open loop."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench import loadgen, wrk
from bench.callers import Callers
from bench.cpu import CpuWatch
from bench.database import Database, calls_at, waiting
from bench.keeper import Keeper
from bench.measured import Result, SignedRequest
from bench.notes import OVERLOAD_SECONDS, run_notes
from bench.processes import settle, worker_pid
from bench.report import fmt_ms, s_rate
from bench.routes import ROUTE, ROUTES, Measured, Route, Settings

TOP_UP_SECONDS = 15.0  # setting up calls for one run: at most this long, plus TOP_UP_RATE
TOP_UP_RATE = 150.0  # … a second for each this many calls
OPEN_SHARE = 0.4  # the open loop's rate: this share of the one-insert reference's closed-loop rate
FALLBACK_RATE = 200.0  # … when the run has no insert reference
# No webhook outruns the one-insert reference by half: the most calls a run of one can
# use a second (fresh routes, whose requests cost only their signing, get FRESH_PER_SECOND).
CEILING_FACTOR = 1.5
FALLBACK_CEILING = 2000.0
FRESH_PER_SECOND = 8000
CLOSED_MARGIN = 1.5  # the closed loop gets this many times the warm-up's rate in calls


class Bench:
    """One database, one gunicorn: every route, closed loop then open loop, with the
    callers waiting held at `settings.waiting` (bench/keeper.py) throughout."""

    def __init__(self, settings: Settings, database: Database, port: int, workdir: Path, master: int) -> None:
        self.settings = settings
        self.database = database
        self.port = port
        self.workdir = workdir
        self.callers = Callers(port, seed=port)
        self.worker = worker_pid(master)
        self.keeper = Keeper(database.engine, settings.waiting)
        self.reference: Measured | None = None  # the one-insert reference, once measured
        self.phase = 0

    def cpu_watch(self) -> CpuWatch:
        postgres = self.database.engine if self.database.engine.dialect.name == "postgresql" else None
        return CpuWatch(self.worker, postgres)

    def pool(self, source: str) -> list[str]:
        parked = self.keeper.is_parked()
        return [sid for sid in calls_at(self.database.engine, source) if sid not in parked]

    def queued(self) -> int:
        return waiting(self.database.engine)

    def open_rate(self) -> float:
        if self.settings.rate:
            return self.settings.rate
        closed = self.reference.closed if self.reference else None
        return max(1.0, round(OPEN_SHARE * closed.rps)) if closed and closed.rps else FALLBACK_RATE

    def per_second(self, route: Route) -> float:
        """The most calls a second a run of `route` could use."""
        if route.source == "fresh":
            return FRESH_PER_SECOND
        closed = self.reference.closed if self.reference else None
        return CEILING_FACTOR * closed.rps if closed and closed.rps else FALLBACK_CEILING

    def _available(self, source: str) -> int:
        if source == "queued" and self.keeper.running:
            return len(self.keeper.upcoming())  # the parked callers come back as others leave
        return len(self.pool(source))

    def top_up(self, source: str, needed: int, seconds: float | None = None) -> None:
        """Bring calls to `source` through the webhooks themselves (not measured),
        for at most `seconds`: a route that runs short of calls ends early and says so."""
        missing = needed - self._available(source)
        if missing <= 0:
            return
        seconds = seconds or TOP_UP_SECONDS + missing / TOP_UP_RATE
        deadline = time.monotonic() + seconds
        if source in {"menu", "open"}:
            self._drive(self.callers.build(ROUTE["incoming"], missing), seconds)
        elif source == "queued":
            self.top_up("menu", missing, seconds / 2)
            left = max(1.0, deadline - time.monotonic())
            self._drive(self.callers.build(ROUTE["menu"], missing, self.pool("menu")), left)
        elif source == "left_queue":
            self.top_up("queued", missing, seconds / 2)
            left = max(1.0, deadline - time.monotonic())
            self._drive(self.callers.build(ROUTE["queue-result"], missing, self.pool("queued")), left)
        settle(self.port)

    def requests_for(self, route: Route, count: int) -> list[SignedRequest]:
        """`count` signed requests of `route`, each for a call at its stage (or all of those, round
        and round, for a read-only route); a route that takes callers out of the queue gets the
        callers waiting, then those the keeper will bring back, in that order."""
        if route.source == "fresh":
            return self.callers.build(route, count)
        if route.cycle:
            sids = self.pool(route.source)
        elif route.source == "queued" and self.keeper.running:
            self.top_up("queued", count + self.keeper.target)
            sids = self.keeper.upcoming()[:count]
        else:
            self.top_up(route.source, count)
            sids = self.pool(route.source)[:count]
        return self.callers.build(route, len(sids), sids)

    def _drive(self, requests: list[SignedRequest], seconds: float) -> None:
        """A 4xx while setting up is the bench's fault (403: the signing is wrong): stop. A 5xx or
        a timeout is the app's: those calls are left out, and the measured runs will show it."""
        result = loadgen.drive(self.port, requests, seconds)
        if any(400 <= status < 500 for status in result.codes):
            raise RuntimeError(f"setting up calls failed: {result.error_summary()}")
        if result.errors:
            print(f"    (setting up calls: {result.error_summary()}; those calls left out)", file=sys.stderr)

    def closed(self, requests: list[SignedRequest], seconds: float, cycle: bool) -> Result:
        if not requests:
            return Result(generator="none", exhausted=True)
        if self.settings.wrk:
            self.phase += 1
            request_file = self.workdir / f"requests-{self.phase}.txt"
            wrk.write_request_file(request_file, requests)
            try:
                return wrk.run_wrk(
                    self.settings.wrk,
                    self.port,
                    request_file,
                    connections=self.settings.connections,
                    duration=seconds,
                    threads=self.settings.wrk_threads,
                    cycle=cycle,
                )
            finally:
                request_file.unlink(missing_ok=True)
        return loadgen.closed_loop(
            self.port, requests, connections=self.settings.connections, duration=seconds, cycle=cycle
        )

    def hold(self, route: Route) -> int:
        """The callers waiting brought to what this route runs with; their number."""
        target = max(self.settings.waiting, route.floor)
        held = 0
        for _ in range(3):  # a caller offered to an operator is not waiting: make up for them
            self.top_up("queued", target)
            settle(self.port)
            held = self.keeper.hold(target)
            if held >= target:
                break
        return held

    def measured_run(self, measured: Measured, run):
        """One measured run (closed or open loop): its result, with the CPU and the waiting it saw."""
        self.keeper.start_span()
        with self.cpu_watch() as cpu:
            result = run()
        measured.note_waiting(self.keeper.low, self.keeper.high)
        measured.note_others(cpu)
        return result, cpu

    def measure(self, route: Route) -> Measured:
        s = self.settings
        measured = Measured(route)
        self.hold(route)
        measured.queued_before = self.queued()

        # warm-up: connections, caches; its throughput sizes the closed loop
        warm = self.requests_for(route, int(self.per_second(route) * s.warmup / 2) + s.connections)
        estimate = max(self.closed(warm, s.warmup, route.cycle).rps, 10.0)
        settle(self.port)

        wanted = int(min(self.per_second(route), CLOSED_MARGIN * estimate) * s.duration) + s.connections
        requests = self.requests_for(route, wanted)
        self.keeper.sweep()
        measured.closed, cpu = self.measured_run(
            measured, lambda: self.closed(requests, s.duration, route.cycle)
        )
        # Out of calls only just before the end is not worth a mark.
        measured.closed.exhausted &= measured.closed.duration < 0.95 * s.duration
        measured.server_cpu = cpu.worker_share
        if route.key == "insert":
            self.reference = measured
        if measured.closed.exhausted:
            measured.notes.append(
                f"closed loop ran out of distinct calls after {measured.closed.duration:.1f} s "
                f"({len(requests)} requests); figures over that window"
            )
        settle(self.port)

        # open loop, at a share of the reference's closed-loop rate
        rate = measured.open_rate = self.open_rate()
        requests = self.requests_for(route, int(rate * s.open_duration))
        self.keeper.sweep()
        measured.open, _cpu = self.measured_run(
            measured,
            lambda: loadgen.open_loop(
                self.port,
                requests,
                rate=rate,
                duration=s.open_duration,
                overload_seconds=OVERLOAD_SECONDS,
                cycle=route.cycle,
            ),
        )
        measured.notes += run_notes(measured, len(requests))
        measured.queued_after = self.queued()
        settle(self.port)
        return measured

    def run(self, out) -> list[Measured]:
        with self.keeper:
            return self._run(out)

    def _run(self, out) -> list[Measured]:
        results = []
        for route in ROUTES:
            if route.key not in self.settings.routes:
                continue
            started = time.monotonic()
            measured = self.measure(route)
            results.append(measured)
            closed, opened = measured.closed, measured.open
            print(
                f"  {route.label:<22} {closed.rps:8,.0f} req/s  p50 {fmt_ms(closed.p50_ms)}  "
                f"p99 {fmt_ms(closed.p99_ms)} ms  | open {s_rate(measured.open_rate)}/s p99 "
                f"{fmt_ms(opened.p99_ms)} ms  ({time.monotonic() - started:.0f} s)",
                file=out,
                flush=True,
            )
            for note in measured.notes:
                if note.startswith("errors"):
                    print(f"    {note}", file=out, flush=True)
        return results
