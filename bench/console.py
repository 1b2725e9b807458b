"""Benchmark the operator console's live events, and the queue's webhooks with many waiting.

    .venv/bin/python -m bench.console                     # SQLite, about 2 minutes
    .venv/bin/python -m bench.console --database-url postgresql://postgres@127.0.0.1:5432/hotline_bench

For each database, on loopback and free ports: its own redis-server, the database
(migrated), 20 operators, and the Procfile's `web` (gunicorn -c config/gunicorn.py,
gevent ×1) on the hotline app plus the bench's reference routes. Then:

1. 20 consoles log in (POST /login with the CSRF token), connect with python-socketio
   and become available; callers arrive at 10 a second through signed webhooks
   (incoming, language, menu, and a hang-up in the queue a while later). From each
   menu's answer: `queue.caller_joined` at every console, and `offer.created` at the
   operator it went to.
2. With 1,500 callers waiting: menu, wait and queue-result beside the bare and
   one-insert reference routes, by bench/runner.py (closed loop, then the open loop
   at 200/s whose p99 the targets are about).

It prints the figures with the targets and verdicts side by side and exits 1 when a
target fails. See bench/README.md.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from redis import Redis
from sqlalchemy.exc import SQLAlchemyError

from bench import arrivals, console_report, operators, report
from bench.callers import Callers
from bench.console_options import parse_args
from bench.consoles import Consoles
from bench.database import migrate, postgres_database, sqlite_database
from bench.options import wrk_or_refusal
from bench.processes import Processes, machine_busy, start_gunicorn, start_redis
from bench.routes import Measured, Settings
from bench.runner import Bench
from bench.summary import DatabaseRun, app_errors, finish, run_main, show
from bench.webhooks import BENCH_APP
from tests.support.servers import environment, tail

PASSWORD = "bench console password"
WAITING_ROUTES = ["bare", "insert", "menu", "wait", "queue-result"]
SETUP_SECONDS = 60.0  # at most this long putting the waiting callers in the queues
SETTLE_SECONDS = 0.5


def measure_consoles(args, port: int, usernames: list[str], out) -> console_report.ConsoleFigures:
    started = time.monotonic()
    figures, calls = asyncio.run(_consoles_and_callers(args, port, usernames))
    print(
        f"  {calls} callers at {args.calls_rate:g}/s to {len(usernames)} consoles "
        f"({time.monotonic() - started:.0f} s)",
        file=out,
        flush=True,
    )
    return figures


async def _consoles_and_callers(args, port: int, usernames: list[str]):
    callers = Callers(port, seed=port + 1)
    pace = {"rate": args.calls_rate, "hang_up_after": args.hang_up_after}
    async with Consoles(f"http://127.0.0.1:{port}", usernames, PASSWORD, args.transport) as consoles:
        # Warm-up: the server's message-queue listener, connections, caches.
        await arrivals.arrive(port, callers, seconds=args.warmup, **pace)
        await asyncio.sleep(SETTLE_SECONDS)
        consoles.forget()
        arrived = await arrivals.arrive(port, callers, seconds=args.calls_duration, **pace)
        await asyncio.sleep(SETTLE_SECONDS)  # the last events on their way
        return console_report.figures(arrived, consoles.opened), len(arrived.calls)


def run_database(
    kind: str, url: str | None, args, settings: Settings, redis_url: str, workdir: Path, processes, out
):
    database = sqlite_database(workdir) if kind == "sqlite" else postgres_database(url)
    try:
        print(f"\n== {database.label}", file=out, flush=True)
        env = environment(database.url, redis_url)
        migrate(env, database)
        usernames = operators.create(env, args.consoles, PASSWORD)
        log = workdir / f"gunicorn-{kind}.log"
        gunicorn, port = start_gunicorn(processes, BENCH_APP, env, log)
        figures = measure_consoles(args, port, usernames, out)
        bench = Bench(replace(settings), database, port, workdir, gunicorn.pid)
        results = waiting_runs(bench, args, out)
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        processes.stop(gunicorn)
        run = DatabaseRun(database.label, results, None, console_report.waiting_checks(results))
        if kind != "sqlite":  # the target for these is on SQLite
            run.checks = [(name, None, f"{detail}; target on SQLite") for name, _ok, detail in run.checks]
        run.notes += app_errors(log, f"gunicorn-console-{kind}")
        return figures, run
    finally:
        database.engine.dispose()
        for step in database.cleanup:
            step()


def waiting_runs(bench: Bench, args, out) -> list[Measured]:
    """The runner's routes with at least --waiting callers queued. queue-result takes
    callers out: it starts with about as many more as its runs take."""
    results = []
    taken_out = int(args.rate * (args.warmup + args.duration + args.open_duration) * 1.3)
    for routes, extra in ((WAITING_ROUTES[:-1], 0), (WAITING_ROUTES[-1:], taken_out)):
        started = time.monotonic()
        # Each operator holds an offer of one caller: those are `offered`, not `queued`.
        bench.top_up("queued", args.waiting + args.consoles + extra, seconds=SETUP_SECONDS)
        print(
            f"  {bench.queued()} callers waiting ({time.monotonic() - started:.0f} s)", file=out, flush=True
        )
        bench.settings.routes = routes
        results += bench.run(out)
    return results


def show_consoles(label: str, figures: console_report.ConsoleFigures, args, out) -> tuple[list[str], bool]:
    title = (
        f"{label}: {figures.consoles} consoles ({args.transport}), {args.calls_rate:g} callers/s for "
        f"{args.calls_duration:g} s, each hanging up {args.hang_up_after:g} s after joining"
    )
    print(f"\n{title}", file=out)
    header, rows = console_report.console_rows(figures)
    report.print_table(header, rows, out)
    notes = console_report.console_notes(figures)
    for note in notes:
        print(f"  note: {note}", file=out)
    checks = console_report.console_checks(figures)
    lines = [f"- {note}" for note in notes] + console_report.show_checks(checks, out)
    parts = [f"**{title}**\n\n" + report.markdown_table(header, rows), "\n".join(lines)]
    return parts, any(ok is False for _name, ok, _detail in checks)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    out = sys.stdout
    wrk, available = wrk_or_refusal(args)
    if not available:
        print("wrk is not installed (apt-get install wrk); or use --generator python", file=sys.stderr)
        return 2
    settings = Settings(
        duration=args.duration,
        warmup=args.warmup,
        open_duration=args.open_duration,
        connections=args.connections,
        rate=args.rate,
        wrk=wrk,
        wrk_threads=1,
        routes=WAITING_ROUTES,
    )
    busy = machine_busy()
    print(f"machine: {os.cpu_count()} CPUs, {busy:.0%} busy before the bench started", file=out, flush=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = Processes()
    parts = [
        f"Server: the Procfile's `web` (gunicorn -c config/gunicorn.py, gevent ×1), {os.cpu_count()} CPUs, "
        f"{busy:.0%} busy before the bench. Webhooks with callers waiting: closed loop "
        f"{'wrk' if wrk else 'Python'} {args.connections} connections for {args.duration:g} s, open loop "
        f"{args.rate:g}/s for {args.open_duration:g} s."
    ]
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-console-") as tmp:
        workdir = Path(tmp)
        try:
            redis_url, _redis = start_redis(processes, workdir)
            plans = [] if args.no_sqlite else [("sqlite", None)]
            plans += [("postgres", url) for url in args.database_url]
            for kind, url in plans:
                try:
                    figures, run = run_database(kind, url, args, settings, redis_url, workdir, processes, out)
                except (RuntimeError, OSError, SQLAlchemyError) as error:
                    print(f"\nFAIL  {kind}: the run stopped: {error}", file=out, flush=True)
                    parts.append(f"- FAIL: {kind}: the run stopped: {str(error).splitlines()[0]}")
                    failed = True
                    continue
                finally:
                    Redis.from_url(redis_url).flushdb()
                console_parts, console_failed = show_consoles(run.label, figures, args, out)
                parts += console_parts + show(run, settings, out)
                failed |= console_failed or any(ok is False for _name, ok, _detail in run.checks)
        finally:
            processes.stop_all()
    return finish("console", parts, started, failed, out)


if __name__ == "__main__":
    run_main(main)
