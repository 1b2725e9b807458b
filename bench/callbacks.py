"""Benchmark the callbacks falling due: 2,000 at once, queued by `flask cron` + `flask worker`.

    .venv/bin/python -m bench.callbacks                   # SQLite, about 1½ minutes
    .venv/bin/python -m bench.callbacks --database-url postgresql://postgres@127.0.0.1:5432/hotline_bench_cb

For each database, on loopback and free ports: its own redis-server, the database
(migrated), --callbacks people each with one callback (the four queues in turn), recorded
through `callbacks.service.record` (bench/callback_seed.py). Then, for each of --workers
(1, 2, 4): `flask --app hotline cron` and that many `flask --app hotline worker` processes,
as the Procfile runs them; once they run jobs, every callback is made due in the same
instant, --lead seconds ahead, and the bench waits until all are queued. Last, the same
with --fault-workers workers and a fault while the first job that finds them due is in
flight: that worker's process group and its work horse's get SIGKILL, and Redis FLUSHALL.

Per run: the time from `due_at` to `queued_at` of each callback (p50/p99/max), beside
the floor measured in the same run (the cron's period plus one in-process `queue_due`
of them all); every callback queued (none lost) with exactly one `callback_queued`
case event (none twice); after the fault, the time from it to the last one visible as
queued. Targets: p99 under 5 s; none lost, none twice. Exit 1 on FAIL. See bench/README.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from redis import Redis
from sqlalchemy import func, make_url, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bench import callback_pacing, callback_upkeep, report
from bench.database import Database, migrate, postgres_database, sqlite_database
from bench.measured import percentile
from bench.options import new_parser
from bench.processes import ROOT, Processes, children, machine_busy, start_redis
from bench.summary import finish, run_main
from hotline.models import Callback, CaseEvent, utcnow
from hotline.models.states import CallbackStatus
from tests.support.servers import environment, tail
from workers.callbacks import EVERY_SECONDS

TARGET_P99_SECONDS = 5.0  # issue 13: due to queued, p99
JOB = "workers.callbacks.queue_due_callbacks"
READY_SECONDS = 30.0  # for the cron and the workers to run their first jobs
POLL_SECONDS = 0.02
DROPPED = re.compile(r"events published again after (\d+) dropped")

Check = report.Check


@dataclass
class Run:
    """One run: how many workers, whether the fault struck, and what the database says after."""

    workers: int
    fault: bool = False
    latencies: list[float] = field(default_factory=list)  # seconds, due_at → queued_at, sorted
    lost: int = 0  # not queued when the run ended
    twice: int = 0  # with more than one callback_queued event
    unrecorded: int = 0  # queued with no callback_queued event
    visible_after: float | None = None  # seconds from due until the bench saw all queued
    recovery: float | None = None  # fault run: seconds from the fault until all seen queued
    queued_at_fault: int | None = None
    notes: list[str] = field(default_factory=list)

    def figure(self, fraction: float) -> float | None:
        return percentile(self.latencies, fraction)


def latencies(rows: list[tuple[datetime, datetime | None]]) -> list[float]:
    """Seconds from due to queued of each queued callback, sorted (the unqueued are `lost`)."""
    return sorted((queued - due).total_seconds() for due, queued in rows if queued is not None)


def event_counts(expected: list[int], queued_events: list[int]) -> tuple[int, int]:
    """Of `expected`, how many have more than one `callback_queued` event, and how many none."""
    counts = Counter(queued_events)
    return sum(counts[i] > 1 for i in expected), sum(counts[i] == 0 for i in expected)


def dropped_events(log: str) -> int:
    """How many events the processes' publishers dropped, by their logs (hotline/core/publisher.py)."""
    return sum(int(count) for count in DROPPED.findall(log))


def checks(runs: list[Run], count: int) -> list[Check]:
    """The targets: p99 under 5 s in the runs without a fault; none lost, none twice in every run."""
    results: list[Check] = []
    for run in runs:
        name = _label(run)
        if not run.fault:
            p99, seen = run.figure(0.99), run.visible_after
            ok = (
                p99 is not None
                and p99 < TARGET_P99_SECONDS
                and seen is not None
                and seen < TARGET_P99_SECONDS
            )
            shown = (
                "none queued" if p99 is None else f"p99 {p99:.2f} s, all seen queued after {_seconds(seen)} s"
            )
            results.append((f"{name}: due → queued p99 < {TARGET_P99_SECONDS:g} s", ok, shown))
        ok = run.lost == 0 and run.twice == 0 and run.unrecorded == 0
        detail = (
            f"{count - run.lost:,} of {count:,} queued, {run.twice} twice, {run.unrecorded} with no event"
        )
        if run.fault and run.recovery is not None:
            detail += f"; recovered {run.recovery:.2f} s after the fault"
        results.append((f"{name}: none lost, none twice", ok, detail))
    return results


def _label(run: Run) -> str:
    workers = f"{run.workers} worker{'s' if run.workers > 1 else ''}"
    return f"{workers}, SIGKILL + FLUSHALL" if run.fault else workers


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def rows(runs: list[Run], floor: float, count: int) -> tuple[list[str], list[list[str]]]:
    header = [
        "run",
        "queued",
        "p50 s",
        "p99 s",
        "max s",
        "× floor p99",
        "all seen queued s",
        "twice",
        "lost",
        "recovery s",
    ]
    table = []
    for run in runs:
        p99 = run.figure(0.99)
        table.append(
            [
                _label(run),
                f"{len(run.latencies):,}/{count:,}",
                _seconds(run.figure(0.5)),
                _seconds(p99),
                _seconds(run.latencies[-1] if run.latencies else None),
                "—" if p99 is None or not floor else f"{p99 / floor:.2f}×",
                _seconds(run.visible_after),
                str(run.twice),
                str(run.lost),
                _seconds(run.recovery) if run.fault else "—",
            ]
        )
    return header, table


def unsynced(url: str) -> str:
    """PostgreSQL's `url` with commits that do not wait for the WAL to reach the disk: for
    seeding only (2,000 commits), the same rows in a quarter of the time. SQLite's as it is."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return url
    options = f"{parsed.query.get('options', '')} -csynchronous_commit=off".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def seed(env: dict[str, str], count: int) -> tuple[list[int], float, float]:
    """bench/callback_seed.py in the database `env` names: ids, seconds seeding, seconds of the reference."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.callback_seed", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"seeding the callbacks failed:\n{completed.stderr[-3000:]}")
    seeded = json.loads(completed.stdout.strip().splitlines()[-1])
    return seeded["ids"], seeded["seed_seconds"], seeded["queue_due_seconds"]


class Fleet:
    """`flask cron`, `workers` × `flask worker` and `diallers` × `flask dialler`, as the
    Procfile runs them, each in its own session."""

    def __init__(
        self, processes: Processes, env: dict[str, str], workdir: Path, workers: int, diallers: int = 0
    ) -> None:
        self.processes = processes
        self.started: list[tuple[subprocess.Popen, Path]] = []
        self.names = ["cron"] + ["worker"] * workers + ["dialler"] * diallers
        for n, name in enumerate(self.names):
            log = workdir / f"{name}-{workers}-{n}.log"
            with log.open("wb") as out:
                process = processes.start(
                    name,
                    [sys.executable, "-m", "flask", "--app", "hotline", name],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            self.started.append((process, log))

    @property
    def workers(self) -> list[subprocess.Popen]:
        return [
            process for (process, _), name in zip(self.started, self.names, strict=True) if name == "worker"
        ]

    def logs(self) -> str:
        return "\n".join(f"-- {log.name}\n{tail(log)}" for _, log in self.started)

    def wait_ready(self, redis: Redis) -> None:
        """Until every worker has registered and the cron's jobs are being run."""
        from rq import Worker

        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            for process, _ in self.started:
                if process.poll() is not None:
                    raise RuntimeError(f"a process of the run left early:\n{self.logs()}")
            registered = Worker.all(connection=redis)
            if len(registered) == len(self.names) - 1 and sum(w.successful_job_count for w in registered):
                return
            time.sleep(0.1)
        raise RuntimeError(
            f"the cron and workers did not start running jobs in {READY_SECONDS:g} s:\n{self.logs()}"
        )

    def stop(self) -> None:
        for process, _ in self.started:
            self.processes.stop(process)


def due_all(engine: Engine, ids: list[int], due: datetime) -> None:
    """Every callback back to `scheduled` (as `record` left it), due at `due`."""
    with engine.begin() as connection:
        connection.execute(
            update(Callback.__table__)
            .where(Callback.__table__.c.id.in_(ids))
            .values(status=CallbackStatus.SCHEDULED.value, due_at=due, queued_at=None, waiting_since=None)
        )


def queued_count(engine: Engine, ids: list[int]) -> int:
    table = Callback.__table__
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).where(table.c.id.in_(ids), table.c.status == CallbackStatus.QUEUED.value)
        ).scalar_one()


def job_in_flight(redis: Redis, due: datetime) -> int | None:
    """The pid of a worker running the callbacks' job that started after `due`, if any."""
    from rq import Worker

    for worker in Worker.all(connection=redis):
        job = worker.get_current_job()
        if job is None or job.func_name != JOB or job.started_at is None:
            continue
        started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=due.tzinfo)
        if started >= due:
            return worker.pid
    return None


def strike(run: Run, fleet: Fleet, redis: Redis, engine: Engine, ids: list[int], due: datetime) -> float:
    """SIGKILL the worker running the first job after `due` (its group and its work horse's), then
    FLUSHALL; the monotonic time of the fault. With no job seen in flight within 3 s, the first worker."""
    deadline = time.monotonic() + (due - utcnow()).total_seconds() + 3
    pid = None
    while pid is None and time.monotonic() < deadline:
        pid = job_in_flight(redis, due)
        if pid is None:
            time.sleep(0.002)
    if pid is None:
        run.notes.append("no callbacks' job was seen in flight: the first worker was killed between jobs")
        pid = fleet.workers[0].pid
    # The work horse is in a process group of its own (RQ's setpgrp), and so is the
    # scheduler the worker runs beside it: each child's group, then the worker's.
    groups = [*children(pid), pid]
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    redis.flushall()
    struck = time.monotonic()
    run.queued_at_fault = queued_count(engine, ids)
    run.notes.append(
        f"SIGKILL to the worker's process group and to each of its children's ({len(groups) - 1}: "
        f"the work horse among them) {(utcnow() - due).total_seconds():.2f} s after due, then FLUSHALL; "
        f"{run.queued_at_fault:,} queued at that moment"
    )
    return struck


def measure(
    env: dict[str, str],
    processes: Processes,
    redis: Redis,
    engine: Engine,
    ids: list[int],
    args,
    workdir: Path,
    workers: int,
    fault: bool = False,
) -> Run:
    run = Run(workers, fault)
    redis.flushall()  # nothing left of the last run: its jobs, its workers' registrations
    fleet = Fleet(processes, env, workdir, workers)
    try:
        fleet.wait_ready(redis)
        since = utcnow()
        due = since + timedelta(seconds=args.lead)
        due_all(engine, ids, due)
        struck = strike(run, fleet, redis, engine, ids, due) if fault else None
        deadline = time.monotonic() + args.lead + args.timeout
        while queued_count(engine, ids) < len(ids) and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        seen = time.monotonic()
        if queued_count(engine, ids) == len(ids):
            run.visible_after = (utcnow() - due).total_seconds()
            if struck is not None:
                run.recovery = seen - struck
        else:
            run.notes.append(f"not all queued {args.timeout:g} s after due")
    finally:
        fleet.stop()
    logs = "".join(log.read_text(errors="replace") for _, log in fleet.started)
    dropped = dropped_events(logs)
    if dropped:
        run.notes.append(
            f"the workers' publishers dropped {dropped:,} events to the consoles (the event queue is full)"
        )
    if " ERROR " in logs:
        run.notes.append("the cron or a worker logged an error (see their logs' tails in the output)")
        print(fleet.logs(), file=sys.stderr)
    _read(run, engine, ids, since)
    return run


def _read(run: Run, engine: Engine, ids: list[int], since: datetime) -> None:
    table, events = Callback.__table__, CaseEvent.__table__
    with engine.connect() as connection:
        found = connection.execute(
            select(table.c.due_at, table.c.queued_at, table.c.status).where(table.c.id.in_(ids))
        ).all()
        data = connection.execute(
            select(events.c.data).where(events.c.kind == "callback_queued", events.c.created_at >= since)
        ).scalars()
        queued_events = [entry["callback_id"] for entry in data]
    queued = [(due, queued_at) for due, queued_at, status in found if status == CallbackStatus.QUEUED.value]
    run.latencies = latencies(queued)
    run.lost = len(ids) - len(queued)
    run.twice, run.unrecorded = event_counts(ids, queued_events)


def run_database(kind: str, url: str | None, args, redis_url: str, workdir: Path, processes: Processes, out):
    database: Database = sqlite_database(workdir) if kind == "sqlite" else postgres_database(url)
    try:
        print(f"\n== {database.label}", file=out, flush=True)
        env = environment(database.url, redis_url, HOTLINE_CALLBACK_HOURS="always")
        migrate(env, database)
        ids, seeded, reference = seed(env | {"DATABASE_URL": unsynced(database.url)}, args.callbacks)
        print(
            f"  {len(ids):,} callbacks recorded in {seeded:.1f} s; "
            f"one queue_due of them all: {reference:.3f} s",
            file=out,
            flush=True,
        )
        redis = Redis.from_url(redis_url)
        runs = []
        plans = [(n, False) for n in args.workers] + (
            [(args.fault_workers, True)] if args.fault_workers else []
        )
        for workers, fault in plans:
            run = measure(env, processes, redis, database.engine, ids, args, workdir, workers, fault)
            print(
                f"  {_label(run)}: p99 {_seconds(run.figure(0.99))} s, lost {run.lost}, twice {run.twice}",
                file=out,
                flush=True,
            )
            runs.append(run)
        redis.close()
        return database.label, runs, reference
    finally:
        database.engine.dispose()
        for step in database.cleanup:
            step()


def _counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


PARTS = ("pacing", "upkeep", "wake")


def _parts(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = set(chosen) - set(PARTS)
    if unknown or not chosen:
        raise ValueError(f"parts are {', '.join(PARTS)}")
    return chosen


def parse_args(argv: list[str] | None):
    parser = new_parser("python -m bench.callbacks", __doc__)
    parser.add_argument(
        "--callbacks", type=int, default=2000, help="people with a callback, all due at once (2000)"
    )
    parser.add_argument(
        "--workers", type=_counts, default=[1, 2, 4], help="worker counts, one run each (1,2,4)"
    )
    parser.add_argument(
        "--fault-workers",
        type=int,
        default=2,
        help="workers in the SIGKILL + FLUSHALL run (2; 0: no such run)",
    )
    parser.add_argument("--lead", type=float, default=3, help="seconds ahead the callbacks fall due (3)")
    parser.add_argument(
        "--timeout", type=float, default=60, help="seconds after due to wait for them all (60)"
    )
    parser.add_argument("--parts", type=_parts, default=list(PARTS), help=f"which runs ({','.join(PARTS)})")
    parser.add_argument(
        "--pacing", type=int, default=30, help="callbacks accepted at once in the pacing run (30)"
    )
    parser.add_argument(
        "--pacing-diallers", type=int, default=1, help="`flask dialler` processes in the pacing run (1)"
    )
    parser.add_argument(
        "--upkeep-callbacks",
        type=int,
        default=2000,
        help="callbacks falling due over the upkeep run's callbacks-on half (2000)",
    )
    parser.add_argument(
        "--upkeep-rate",
        type=float,
        default=None,
        help="open loop requests/s in the upkeep run (20%% of the one-insert reference's closed loop)",
    )
    parser.add_argument(
        "--upkeep-rounds", type=int, default=3, help="off/on pairs per webhook in the upkeep run (3)"
    )
    parser.add_argument(
        "--upkeep-duration",
        type=float,
        default=5,
        help="closed and open loop seconds per route in the upkeep run (5)",
    )
    args = parser.parse_args(argv)
    if args.pacing < 2 or args.pacing_diallers < 1:
        parser.error("--pacing needs 2 or more, --pacing-diallers 1 or more")
    if args.no_sqlite and not args.database_url:
        parser.error("--no-sqlite needs a --database-url")
    if args.callbacks < 1 or args.lead <= 0 or args.timeout <= 0 or not all(n > 0 for n in args.workers):
        parser.error("--callbacks, --workers, --lead and --timeout must be positive")
    if args.fault_workers == 1 or args.fault_workers < 0:
        parser.error("--fault-workers needs 2 or more (one is killed) or 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = sys.stdout
    busy = machine_busy()
    print(f"machine: {os.cpu_count()} CPUs, {busy:.0%} busy before the bench started", file=out, flush=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = Processes()
    parts = [
        f"{args.callbacks:,} callbacks (as many people, the four queues in turn) due in the same instant "
        f"{args.lead:g} s ahead; `flask cron` (the callbacks' job every {EVERY_SECONDS} s) and "
        f"{', '.join(map(str, args.workers))} `flask worker` processes; then {args.fault_workers} workers "
        "with one killed (SIGKILL, its work horse too) and Redis flushed while the job that finds them due "
        f"runs. {os.cpu_count()} CPUs, {busy:.0%} busy before the bench. The wake runs send no "
        "request (no load generator): they only write the due time and read the rows."
    ]
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-callbacks-") as tmp:
        workdir = Path(tmp)
        try:
            redis_url, _redis = start_redis(processes, workdir)
            plans = [] if args.no_sqlite else [("sqlite", None)]
            plans += [("postgres", url) for url in args.database_url]
            for kind, url in plans:
                if "pacing" in args.parts:
                    try:
                        label, paced = callback_pacing.measure(kind, url, args, redis_url, workdir, processes)
                    except (RuntimeError, OSError, SQLAlchemyError) as error:
                        print(f"\nFAIL  {kind}: the pacing run stopped: {error}", file=out, flush=True)
                        parts.append(f"- FAIL: {kind}: the pacing run stopped: {str(error).splitlines()[0]}")
                        failed = True
                    else:
                        shown, ok = callback_pacing.section(label, paced, out)
                        parts += shown
                        failed |= not ok
                if "upkeep" in args.parts:
                    try:
                        label, upkept = callback_upkeep.measure(
                            kind, url, args, redis_url, workdir, processes, out
                        )
                    except (RuntimeError, OSError, SQLAlchemyError) as error:
                        print(f"\nFAIL  {kind}: the upkeep run stopped: {error}", file=out, flush=True)
                        parts.append(f"- FAIL: {kind}: the upkeep run stopped: {str(error).splitlines()[0]}")
                        failed = True
                    else:
                        shown, ok = callback_upkeep.section(label, upkept, out)
                        parts += shown
                        failed |= not ok
                if "wake" not in args.parts:
                    continue
                try:
                    label, runs, reference = run_database(kind, url, args, redis_url, workdir, processes, out)
                except (RuntimeError, OSError, SQLAlchemyError) as error:
                    print(f"\nFAIL  {kind}: the run stopped: {error}", file=out, flush=True)
                    parts.append(f"- FAIL: {kind}: the run stopped: {str(error).splitlines()[0]}")
                    failed = True
                    continue
                floor = EVERY_SECONDS + reference
                header, table = rows(runs, floor, args.callbacks)
                title = (
                    f"{label}; floor {floor:.2f} s = the cron's period {EVERY_SECONDS} s + one in-process "
                    f"queue_due of {args.callbacks:,} ({reference:.3f} s), same run"
                )
                print(f"\n{title}", file=out)
                report.print_table(header, table, out)
                lines = [f"- note: {_label(run)}: {note}" for run in runs for note in run.notes]
                verdicts = checks(runs, args.callbacks)
                lines += [f"- {report.verdict(ok)}: {name} ({detail})" for name, ok, detail in verdicts]
                for line in lines:
                    print(line[2:], file=out)
                parts += [f"**{title}**\n\n" + report.markdown_table(header, table), "\n".join(lines)]
                failed |= not all(ok for _, ok, _ in verdicts)
        finally:
            processes.stop_all()
    return finish("callbacks", parts, started, failed, out)


if __name__ == "__main__":
    run_main(main)
