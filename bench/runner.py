"""One database, one gunicorn: every route in turn, closed loop then open loop."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from bench import loadgen, wrk
from bench.callers import Callers
from bench.cpu import CpuWatch
from bench.database import DRAIN_INTERVAL, Database, Drain, calls_at, waiting
from bench.measured import Result, SignedRequest
from bench.processes import settle, worker_pid
from bench.report import fmt_ms, s_rate
from bench.routes import ROUTE, ROUTES, Measured, Route, Settings

TOP_UP_SECONDS = 15.0  # at most this long setting up calls for one run
OVERLOAD_SECONDS = 0.5  # open loop: stop sending once this much work is unanswered
BUSY_OTHERS = 0.15  # a note when other processes take more than this share of a CPU during a run


class Bench:
    """One database, one gunicorn: every route, closed loop then open loop."""

    def __init__(self, settings: Settings, database: Database, port: int, workdir: Path, master: int) -> None:
        self.settings = settings
        self.database = database
        self.port = port
        self.workdir = workdir
        self.callers = Callers(port, seed=port)
        self.worker = worker_pid(master)
        self.phase = 0

    def cpu_watch(self) -> CpuWatch:
        postgres = self.database.engine if self.database.engine.dialect.name == "postgresql" else None
        return CpuWatch(self.worker, postgres)

    def pool(self, source: str) -> list[str]:
        return calls_at(self.database.engine, source)

    def queued(self) -> int:
        return waiting(self.database.engine)

    def top_up(self, source: str, needed: int, seconds: float = TOP_UP_SECONDS) -> None:
        """Bring calls to `source` through the webhooks themselves (not measured),
        for at most `seconds`: a route that runs short of calls ends early and says so."""
        missing = needed - len(self.pool(source))
        if missing <= 0:
            return
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

    def measure(self, route: Route) -> Measured:
        if not route.drained:
            return self._measure(route)
        with Drain(self.database.engine) as drain:
            measured = self._measure(route)
        measured.waiting_peak = drain.peak
        measured.notes.append(
            f"queues drained every {DRAIN_INTERVAL * 1000:.0f} ms: at most {drain.peak} callers waiting "
            f"({drain.moved} calls taken out of the queues)"
        )
        return measured

    def _measure(self, route: Route) -> Measured:
        s = self.settings
        measured = Measured(route)
        open_count = int(s.rate * s.open_duration)
        settle(self.port)
        measured.queued_before = self.queued()

        # warm-up: connections, caches; its throughput sizes the measured runs
        if route.source == "fresh":
            warm = self.callers.build(route, int(8000 * s.warmup))
        else:
            self.top_up(route.source, 200 if route.cycle else open_count // 4)
            sids = self.pool(route.source)
            share = len(sids) if route.cycle else int(len(sids) * s.warmup / (s.warmup + s.duration) / 2)
            warm = self.callers.build(route, max(share, 20), sids)
        estimate = max(self.closed(warm, s.warmup, route.cycle).rps, 10.0)
        settle(self.port)

        # closed loop; distinct calls for the open loop are kept aside. A route that
        # cannot take the open loop's rate stops it within a second: it needs fewer.
        open_needs = open_count if estimate >= 0.9 * s.rate else min(open_count, int(s.rate * 2))
        wanted = int(estimate * s.duration * 1.3) + s.connections
        if route.source == "fresh":
            requests = self.callers.build(route, wanted)
        else:
            if not route.cycle:
                self.top_up(route.source, wanted + open_needs)
            sids = self.pool(route.source)
            usable = sids if route.cycle else sids[: max(0, len(sids) - open_needs)]
            requests = self.callers.build(route, len(usable), usable)
        with self.cpu_watch() as cpu:
            measured.closed = self.closed(requests, s.duration, route.cycle)
        # Out of calls only just before the end is not worth a mark.
        measured.closed.exhausted &= measured.closed.duration < 0.95 * s.duration
        measured.server_cpu = cpu.worker_share
        measured.note_others(cpu)
        if measured.closed.exhausted:
            measured.notes.append(
                f"closed loop ran out of distinct calls after {measured.closed.duration:.1f} s "
                f"({len(requests)} requests); figures over that window"
            )
        settle(self.port)

        # open loop
        if route.source == "fresh":
            requests = self.callers.build(route, open_count)
        else:
            if not route.cycle:
                self.top_up(route.source, open_needs)
            sids = self.pool(route.source)
            requests = self.callers.build(route, open_count, sids)
        with self.cpu_watch() as cpu:
            measured.open = loadgen.open_loop(
                self.port,
                requests,
                rate=s.rate,
                duration=s.open_duration,
                overload_seconds=OVERLOAD_SECONDS,
                cycle=route.cycle,
            )
        measured.note_others(cpu)
        if measured.others_cpu > BUSY_OTHERS:
            measured.notes.append(
                f"other processes ({measured.others_busiest}) used up to {measured.others_cpu:.0%} of a CPU "
                "during its runs: figures may be low"
            )
        if measured.open.overloaded_after is not None:
            measured.notes.append(
                f"open loop: {s_rate(s.rate)}/s overloads it: more than {OVERLOAD_SECONDS:g} s of requests "
                f"were unanswered after {measured.open.overloaded_after:.1f} s, so sending stopped"
            )
        elif measured.open.exhausted:
            measured.notes.append(
                f"open loop ran out of distinct calls after {measured.open.duration:.1f} s "
                f"({len(requests)} requests); p99 over those"
            )
        elif measured.open.p99_ms == math.inf:
            measured.notes.append("open loop: more than 1% of requests unanswered within 15 s")
        for result, what in ((measured.closed, "closed loop"), (measured.open, "open loop")):
            if result.errors:
                hint = " (403: the signature is wrong)" if 403 in result.codes else ""
                measured.notes.append(f"errors in the {what}: {result.error_summary()}{hint}")
        measured.queued_after = self.queued()
        settle(self.port)
        return measured

    def run(self, out) -> list[Measured]:
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
                f"p99 {fmt_ms(closed.p99_ms)} ms  | open {s_rate(self.settings.rate)}/s p99 "
                f"{fmt_ms(opened.p99_ms)} ms  ({time.monotonic() - started:.0f} s)",
                file=out,
                flush=True,
            )
            for note in measured.notes:
                if note.startswith("errors"):
                    print(f"    {note}", file=out, flush=True)
        return results
