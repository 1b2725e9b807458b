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
2. With 1,500 callers waiting, held there through every run (bench/keeper.py): the
   webhooks beside the one-insert and bare references, by bench/runner.py (closed
   loop, then the open loop at 40% of the reference's closed-loop rate).

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

from bench import arrivals, console_report, operators, pings, report
from bench.callers import Callers
from bench.console_options import parse_args
from bench.consoles import Consoles
from bench.database import migrate, postgres_database, sqlite_database
from bench.options import closed_loop_generator
from bench.processes import Processes, machine_busy, start_gunicorn, start_redis
from bench.routes import Settings
from bench.runner import OPEN_SHARE, Bench
from bench.summary import DatabaseRun, app_errors, finish, run_main, show
from bench.webhooks import BENCH_APP
from tests.support.servers import environment, tail

PASSWORD = "bench console password"
WAITING_ROUTES = ["insert", "bare", "incoming", "menu", "wait", "queue-result", "status"]
SETTLE_SECONDS = 0.5


def measure_consoles(
    args, port: int, usernames: list[str], redis_url: str, out
) -> console_report.ConsoleFigures:
    started = time.monotonic()
    figures, calls = asyncio.run(_consoles_and_callers(args, port, usernames, redis_url))
    print(
        f"  {calls} callers at {args.calls_rate:g}/s to {len(usernames)} consoles "
        f"({time.monotonic() - started:.0f} s)",
        file=out,
        flush=True,
    )
    return figures


async def _consoles_and_callers(args, port: int, usernames: list[str], redis_url: str):
    callers = Callers(port, seed=port + 1)
    pace = {"rate": args.calls_rate, "hang_up_after": args.hang_up_after}
    async with Consoles(f"http://127.0.0.1:{port}", usernames, PASSWORD, args.transport) as consoles:
        # Warm-up: the server's message-queue listener, connections, caches.
        await arrivals.arrive(port, callers, seconds=args.warmup, **pace)
        await asyncio.sleep(SETTLE_SECONDS)
        consoles.forget()
        # The reference pings go out at the callers' rate while the callers arrive.
        arrived, sent = await asyncio.gather(
            arrivals.arrive(port, callers, seconds=args.calls_duration, **pace),
            pings.send(redis_url, rate=args.calls_rate, seconds=args.calls_duration),
        )
        await asyncio.sleep(SETTLE_SECONDS)  # the last events on their way
        return console_report.figures(arrived, consoles.opened, sent), len(arrived.calls)


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
        figures = measure_consoles(args, port, usernames, redis_url, out)
        bench = Bench(replace(settings), database, port, workdir, gunicorn.pid)
        started = time.monotonic()
        results = bench.run(out)
        print(
            f"  webhooks, {args.waiting:,} waiting ({time.monotonic() - started:.0f} s)", file=out, flush=True
        )
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        processes.stop(gunicorn)
        run = DatabaseRun(database.label, results, None, report.targets(results, f"{args.waiting:,} waiting"))
        run.notes += app_errors(log, f"gunicorn-console-{kind}")
        return figures, run
    finally:
        database.engine.dispose()
        for step in database.cleanup:
            step()


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
    wrk = closed_loop_generator(args)
    settings = Settings(
        duration=args.duration,
        warmup=args.warmup,
        open_duration=args.open_duration,
        connections=args.connections,
        rate=args.rate,
        wrk=wrk,
        wrk_threads=1,
        routes=WAITING_ROUTES,
        waiting=args.waiting,
    )
    open_rate = (
        f"{args.rate:g}/s"
        if args.rate
        else f"{OPEN_SHARE:.0%} of the one-insert reference's closed-loop rate"
    )
    busy = machine_busy()
    print(f"machine: {os.cpu_count()} CPUs, {busy:.0%} busy before the bench started", file=out, flush=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = Processes()
    parts = [
        f"Server: the Procfile's `web` (gunicorn -c config/gunicorn.py, gevent ×1), {os.cpu_count()} CPUs, "
        f"{busy:.0%} busy before the bench. Webhooks with {args.waiting:,} callers waiting (held there by "
        f"bench/keeper.py): closed loop {'wrk' if wrk else 'Python'} {args.connections} connections for "
        f"{args.duration:g} s, open loop Python asyncio at {open_rate} for {args.open_duration:g} s."
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
