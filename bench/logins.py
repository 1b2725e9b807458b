"""Benchmark the webhooks while logins are being checked on the same web process.

    .venv/bin/python -m bench.logins                      # SQLite, about 40 s
    .venv/bin/python -m bench.logins --database-url postgresql://postgres@127.0.0.1:5432/hotline_bench

For each database, on loopback and free ports: its own redis-server, the database
(migrated), one operator whose password is hashed with werkzeug's default scrypt
(as `create-user` hashes it), and the Procfile's `web` (gunicorn -c config/gunicorn.py,
gevent ×1) on the hotline app. Then, in the same run:

1. `incoming` alone: an open loop at --rate for --duration s;
2. `incoming` again, the same open loop, while --logins connections each send the
   operator's login form with a wrong password, the next as soon as the last is
   answered: that many logins being checked at once, throughout.

The login limit is lifted for the run (HOTLINE_LOGIN_RATE_LIMIT), so every login is
checked rather than refused. Target: incoming's p99 with the logins under 3× its p99
without. It prints both, the ratio, PASS or FAIL, and exits 1 on FAIL. See bench/README.md.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy.exc import SQLAlchemyError

from bench import loadgen, operators, report
from bench.callers import Callers
from bench.database import migrate, postgres_database, sqlite_database
from bench.measured import Result
from bench.options import new_parser
from bench.processes import Processes, machine_busy, settle, start_gunicorn, start_redis
from bench.summary import app_errors, finish, run_main
from tests.support.pages import CSRF_META
from tests.support.servers import HOTLINE_APP, environment, tail

TARGET = 3.0  # incoming's p99 with the logins, × its p99 without
PASSWORD = "bench login password"
WARMUP_SECONDS = 2.0
RAMP_SECONDS = 1.0  # the logins under way before incoming's second run starts
INCOMING = "/telephony/voice/incoming"


@dataclass(frozen=True)
class LoginForm:
    """A browser's login form with a wrong password: its session cookie and CSRF token.
    `raw` as bench/measured.SignedRequest's, for the Python load generators."""

    cookie: str
    body: str

    def raw(self, host: str) -> bytes:
        body = self.body.encode()
        head = (
            f"POST /login HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nCookie: {self.cookie}\r\n\r\n"
        )
        return head.encode() + body


def login_forms(base: str, username: str, count: int) -> list[LoginForm]:
    """`count` browsers' login forms, each read from the login page as a browser reads it."""
    forms = []
    for _ in range(count):
        browser = requests.Session()
        token = CSRF_META.search(browser.get(f"{base}/login", timeout=10).text).group(1)
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        body = urlencode({"username": username, "password": "not the password", "csrf_token": token})
        forms.append(LoginForm(cookie, body))
    return forms


class Logins(threading.Thread):
    """`forms` sent over as many connections, each the next as soon as the last is answered."""

    def __init__(self, port: int, forms: list[LoginForm], seconds: float) -> None:
        super().__init__(name="bench-logins", daemon=True)
        self.port, self.forms, self.seconds = port, forms, seconds
        self.result: Result | None = None

    def run(self) -> None:
        self.result = loadgen.closed_loop(
            self.port, self.forms, connections=len(self.forms), duration=self.seconds, cycle=True
        )


def incoming(port: int, callers: Callers, rate: float, seconds: float) -> Result:
    requests_ = [callers.incoming(INCOMING) for _ in range(int(rate * seconds))]
    return loadgen.open_loop(port, requests_, rate=rate, duration=seconds, overload_seconds=None)


def measure(args, port: int, base: str, username: str, out) -> tuple[Result, Result, Result]:
    """incoming alone, then with the logins: (alone, with logins, the logins)."""
    callers = Callers(port, seed=port)
    forms = login_forms(base, username, args.logins)
    warm = Logins(port, forms[:2], WARMUP_SECONDS)  # the password pool's threads, the login page
    warm.start()
    incoming(port, callers, args.rate, WARMUP_SECONDS)
    warm.join()
    settle(port)
    alone = incoming(port, callers, args.rate, args.duration)
    print(f"  incoming alone: p99 {report.fmt_ms(alone.p99_ms)} ms", file=out, flush=True)
    settle(port)
    logins = Logins(port, forms, RAMP_SECONDS + args.duration)
    logins.start()
    time.sleep(RAMP_SECONDS)
    beside = incoming(port, callers, args.rate, args.duration)
    logins.join(args.duration + 30)
    if logins.result is None:
        raise RuntimeError("the logins' load generator did not finish")
    print(
        f"  incoming with {args.logins} logins: p99 {report.fmt_ms(beside.p99_ms)} ms", file=out, flush=True
    )
    return alone, beside, logins.result


def verdict(alone: Result, beside: Result, logins: Result, count: int) -> report.Check:
    name = f"incoming p99 with {count} logins being checked < {TARGET:g}× its p99 without"
    if alone.errors or beside.errors or logins.errors or not alone.p99_ms or beside.p99_ms is None:
        errors = f"incoming {alone.error_summary() or 0} / {beside.error_summary() or 0}"
        return name, False, f"errors: {errors}; logins {logins.error_summary() or 0}"
    ratio = beside.p99_ms / alone.p99_ms
    detail = f"{report.fmt_ms(beside.p99_ms)} / {report.fmt_ms(alone.p99_ms)} ms = {ratio:.2f}×"
    return name, ratio < TARGET, detail


def rows(alone: Result, beside: Result, logins: Result, count: int) -> tuple[list[str], list[list[str]]]:
    header = ["incoming", "sent", "p50 ms", "p99 ms", "max ms", "errors", "logins checked/s"]

    def row(label: str, result: Result, checked: str) -> list[str]:
        cells = [report.fmt_ms(v, "timeout") for v in (result.p50_ms, result.p99_ms, result.max_ms)]
        return [label, str(result.sent), *cells, str(result.errors), checked]

    return header, [
        row("alone", alone, "0"),
        row(f"with {count} logins at once", beside, f"{logins.codes[200] / logins.duration:.1f}"),
    ]


def run_database(kind: str, url: str | None, args, redis_url: str, workdir: Path, processes, out):
    database = sqlite_database(workdir) if kind == "sqlite" else postgres_database(url)
    try:
        print(f"\n== {database.label}", file=out, flush=True)
        env = environment(database.url, redis_url, HOTLINE_LOGIN_RATE_LIMIT="1000000 per minute")
        migrate(env, database)
        [username] = operators.create(env, 1, PASSWORD)
        log = workdir / f"gunicorn-logins-{kind}.log"
        gunicorn, port = start_gunicorn(processes, HOTLINE_APP, env, log)
        figures = measure(args, port, f"http://127.0.0.1:{port}", username, out)
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        processes.stop(gunicorn)
        return database.label, figures, app_errors(log, f"gunicorn-logins-{kind}")
    finally:
        database.engine.dispose()
        for step in database.cleanup:
            step()


def parse_args(argv: list[str] | None):
    parser = new_parser("python -m bench.logins", __doc__)
    parser.add_argument("--logins", type=int, default=20, help="logins being checked at once (20)")
    parser.add_argument("--rate", type=float, default=100, help="incoming webhooks per second (100)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each open loop (10)")
    args = parser.parse_args(argv)
    if args.no_sqlite and not args.database_url:
        parser.error("--no-sqlite needs a --database-url")
    if args.logins < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--logins, --rate and --duration must be positive")
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
        f"Server: the Procfile's `web` (gunicorn -c config/gunicorn.py, gevent ×1), {os.cpu_count()} CPUs, "
        f"{busy:.0%} busy before the bench. `incoming`: open loop, Python asyncio, {args.rate:g}/s for "
        f"{args.duration:g} s, alone and then beside {args.logins} connections sending wrong passwords "
        "(scrypt, werkzeug's default), each the next as soon as the last is answered."
    ]
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-logins-") as tmp:
        workdir = Path(tmp)
        try:
            redis_url, _redis = start_redis(processes, workdir)
            plans = [] if args.no_sqlite else [("sqlite", None)]
            plans += [("postgres", url) for url in args.database_url]
            for kind, url in plans:
                try:
                    label, (alone, beside, logins), notes = run_database(
                        kind, url, args, redis_url, workdir, processes, out
                    )
                except (RuntimeError, OSError, SQLAlchemyError) as error:
                    print(f"\nFAIL  {kind}: the run stopped: {error}", file=out, flush=True)
                    parts.append(f"- FAIL: {kind}: the run stopped: {str(error).splitlines()[0]}")
                    failed = True
                    continue
                header, table = rows(alone, beside, logins, args.logins)
                print(f"\n{label}", file=out)
                report.print_table(header, table, out)
                name, ok, detail = verdict(alone, beside, logins, args.logins)
                lines = [f"- note: {note}" for note in notes] + [f"- {report.verdict(ok)}: {name} ({detail})"]
                for line in lines:
                    print(line[2:], file=out)
                parts += [f"**{label}**\n\n" + report.markdown_table(header, table), "\n".join(lines)]
                failed |= not ok
        finally:
            processes.stop_all()
    return finish("logins", parts, started, failed, out)


if __name__ == "__main__":
    run_main(main)
