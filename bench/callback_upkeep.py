"""The callbacks bench's upkeep run: what the callbacks' periodic work adds to the webhooks.

On a database of its own, one gunicorn (the Procfile's `web`, bench/reference_app.py),
bench/webhooks.py's machinery (bench/runner.py: each route's warm-up, closed loop with
wrk or the Python client, open loop) for the one-insert reference, `menu` and
`queue-result`, twice in the same run:

- **off**: no `flask cron`, no `flask worker`: nothing of the callbacks runs;
- **on**: `flask cron` (the every-second `queue_due_callbacks`) and one `flask worker`,
  with --upkeep-callbacks callbacks (bench/callback_seed.py) falling due one after the
  other over the whole of the run, each queued by the job.

Each webhook runs --upkeep-rounds times off then on (the cron and the worker held with
SIGSTOP while off, so both halves share one gunicorn, one database and the machine's load
of the moment); each on run gets its share of the callbacks, falling due over it. Every
open loop sends at one rate (20 % of the one-insert reference's closed-loop throughput, or
--upkeep-rate), so the p99s off and on are at the same load; the figure is each p99's
median over the rounds.
Target: each webhook's open-loop p99 on is under 10 % above its p99 off.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from redis import Redis
from sqlalchemy import bindparam, func, select, update

from bench import report
from bench.database import migrate, postgres_database, sqlite_database
from bench.processes import Processes, start_gunicorn
from bench.routes import ROUTE, Measured, Settings
from bench.runner import Bench
from bench.wrk import wrk_path
from hotline.models import Callback, utcnow
from hotline.models.states import CallbackStatus
from tests.support.servers import environment, tail

BENCH_APP = "bench.reference_app:create_app()"
ROUTES = ["insert", "menu", "queue-result"]
MEASURED = ("menu", "queue-result")
# The callbacks of one on run fall due over about this many times --upkeep-duration (its
# warm-up, closed and open loops, and the calls set up between them).
ON_SECONDS_GUESS = 3
# The open loops' rate: this share of the one-insert reference's closed-loop throughput (half the
# webhooks bench's 40 %: menu and queue-result need only reach 0.4× the reference's throughput).
RATE_SHARE = 0.2
TARGET_ADDED = 0.10  # p99 on at most 10 % above p99 off

Check = report.Check


@dataclass
class Upkeep:
    off: list[Measured] = field(default_factory=list)
    on: list[Measured] = field(default_factory=list)
    callbacks: int = 0
    queued_during: int = 0  # of the callbacks, how many the job queued during the on run
    span: float = 0.0  # seconds over which they fell due
    notes: list[str] = field(default_factory=list)


def added(off: float | None, on: float | None) -> float | None:
    """The share `on` is above `off` (negative: below); None without both."""
    if off is None or on is None or off <= 0:
        return None
    return on / off - 1


def upkeep_checks(
    pairs: list[tuple[str, float | None, float | None]], target: float = TARGET_ADDED
) -> list[Check]:
    """(route, p99 off, p99 on) each: PASS when on is less than `target` above off."""
    results: list[Check] = []
    for route, off, on in pairs:
        share = added(off, on)
        detail = "no p99" if share is None else f"off {off:.1f} ms, on {on:.1f} ms: {share:+.1%}"
        results.append(
            (
                f"{route}: open-loop p99 with callbacks on < +{target:.0%}",
                share is not None and share < target,
                detail,
            )
        )
    return results


def spread_due(engine, ids: list[int], start, seconds: float) -> None:
    """The callbacks back to `scheduled`, falling due one after another from `start` over `seconds`."""
    step = seconds / max(1, len(ids))
    table = Callback.__table__
    with engine.begin() as connection:
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                status=CallbackStatus.SCHEDULED.value,
                due_at=bindparam("b_due"),
                queued_at=None,
                waiting_since=None,
            ),
            [{"b_id": i, "b_due": start + timedelta(seconds=n * step)} for n, i in enumerate(ids)],
        )


def _queued_since(engine, ids: list[int], since) -> int:
    table = Callback.__table__
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).where(table.c.id.in_(ids), table.c.queued_at >= since)
        ).scalar_one()


def _pause(fleet, paused: bool) -> None:
    """SIGSTOP (or SIGCONT) the cron's and the worker's process groups: off, nothing of theirs runs."""
    for process, _ in fleet.started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGSTOP if paused else signal.SIGCONT)


def measure(kind: str, url: str | None, args, redis_url: str, workdir: Path, processes: Processes, out):
    """One database's upkeep run: its label and what it found."""
    from bench.callbacks import Fleet, seed, unsynced

    home = workdir / f"upkeep-{kind}"
    home.mkdir(exist_ok=True)
    database = sqlite_database(home) if kind == "sqlite" else postgres_database(url)
    run = Upkeep(callbacks=args.upkeep_callbacks)
    env = environment(database.url, redis_url, HOTLINE_CALLBACK_HOURS="always")
    redis = Redis.from_url(redis_url)
    redis.flushall()
    fleet = None
    try:
        migrate(env, database)
        ids, _seeded, _reference = seed(env | {"DATABASE_URL": unsynced(database.url)}, run.callbacks)
        log = home / "gunicorn.log"
        gunicorn, port = start_gunicorn(processes, BENCH_APP, env, log)
        settings = Settings(
            duration=args.upkeep_duration,
            warmup=2,
            open_duration=args.upkeep_duration,
            connections=50,
            rate=None,
            wrk=wrk_path(),
            wrk_threads=1,
            routes=ROUTES,
        )
        fleet = Fleet(processes, env, home, 1)
        fleet.wait_ready(redis)
        _pause(fleet, True)
        bench = Bench(settings, database, port, home, gunicorn.pid)
        slices = [
            ids[n :: args.upkeep_rounds * len(MEASURED)] for n in range(args.upkeep_rounds * len(MEASURED))
        ]
        with bench.keeper:
            bench.measure(ROUTE["insert"])  # the reference: the open loops' rate, the same in every run
            settings.rate = args.upkeep_rate or max(1.0, round(RATE_SHARE * bench.reference.closed.rps))
            for round_ in range(args.upkeep_rounds):
                for key in MEASURED:
                    run.off.append(bench.measure(ROUTE[key]))
                    since = utcnow()
                    chunk = slices.pop()
                    spread_due(database.engine, chunk, since, ON_SECONDS_GUESS * args.upkeep_duration)
                    _pause(fleet, False)
                    try:
                        started = time.monotonic()
                        run.on.append(bench.measure(ROUTE[key]))
                        run.span += time.monotonic() - started
                    finally:
                        _pause(fleet, True)
                    run.queued_during += _queued_since(database.engine, chunk, since)
                    off, on = run.off[-1].open.p99_ms, run.on[-1].open.p99_ms
                    print(
                        f"  round {round_ + 1} {key}: open p99 off {report.fmt_ms(off)} ms, "
                        f"on {report.fmt_ms(on)} ms",
                        file=out,
                        flush=True,
                    )
        _pause(fleet, False)
        fleet.stop()
        logs = "".join(path.read_text(errors="replace") for _, path in fleet.started)
        if " ERROR " in logs:
            run.notes.append("the cron or the worker logged an error")
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        processes.stop(gunicorn)
        return database.label, run
    finally:
        if fleet is not None:
            _pause(fleet, False)
        redis.close()
        database.engine.dispose()
        for step in database.cleanup:
            step()


def pairs(run: Upkeep, loop: str = "open") -> list[tuple[str, float | None, float | None]]:
    def p99(results: list[Measured], key: str) -> float | None:
        """The median over the rounds of the route's p99."""
        found = sorted(
            getattr(m, loop).p99_ms
            for m in results
            if m.route.key == key and getattr(m, loop).p99_ms is not None
        )
        return statistics.median(found) if found else None

    return [(key, p99(run.off, key), p99(run.on, key)) for key in MEASURED]


def section(label: str, run: Upkeep, out) -> tuple[list[str], bool]:
    generator = "wrk" if wrk_path() else "Python"
    header = [
        "route",
        f"closed p99 off ms ({generator})",
        "closed p99 on ms",
        "open p99 off ms",
        "open p99 on ms",
        "open added",
    ]
    rows = []
    for (route, c_off, c_on), (_, o_off, o_on) in zip(pairs(run, "closed"), pairs(run, "open"), strict=True):
        share = added(o_off, o_on)
        rows.append(
            [
                route,
                report.fmt_ms(c_off),
                report.fmt_ms(c_on),
                report.fmt_ms(o_off),
                report.fmt_ms(o_on),
                "—" if share is None else f"{share:+.1%}",
            ]
        )
    title = (
        f"{label}: menu and queue-result with the callbacks' upkeep off and on "
        f"({run.queued_during:,} of {run.callbacks:,} callbacks queued by the job during the on run)"
    )
    print(f"\n{title}", file=out)
    report.print_table(header, rows, out)
    lines = [f"- note: {note}" for note in run.notes]
    verdicts = upkeep_checks(pairs(run, "open"))
    lines += [f"- {report.verdict(ok)}: {name} ({detail})" for name, ok, detail in verdicts]
    for line in lines:
        print(line[2:], file=out)
    return [f"**{title}**\n\n" + report.markdown_table(header, rows), "\n".join(lines)], all(
        ok for _, ok, _ in verdicts
    )
