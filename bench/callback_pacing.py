"""The callbacks bench's pacing run: COUNT callbacks accepted at once, placed at the outbound rate.

On a database of its own: the Procfile's `web` (gunicorn, the hotline app, the simulator
at /simulator as the phone network: TWILIO_API_BASE_URL and HOTLINE_PUBLIC_URL point at
it), `flask cron`, one `flask worker` and --pacing-diallers `flask dialler` processes,
HOTLINE_DIAL_RATE=1.
bench/callback_accepts.py makes COUNT operators and as many callbacks offered, then
accepts them all at once in threads (`desk.take_callback`, as the accept view does).
Each outbound call's creation is the simulator's record of it (`created`, a float Unix
time, in its Redis): the gaps between consecutive calls in acceptance order (the
attempts' ids) must each be 1/rate ± 0.2 s.
"""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from sqlalchemy import select

from bench import report
from bench.database import migrate, postgres_database, sqlite_database
from bench.processes import ROOT, Processes
from hotline.models import CallbackAttempt
from tests.support.servers import environment, free_port, gunicorn_command, tail, wait_healthy

RATE = 1.0  # HOTLINE_DIAL_RATE of the run: one call a second
TOLERANCE = 0.2  # seconds either side of 1/RATE
SETTLE_SECONDS = 20.0  # past the last slot, for the last call to be placed

Check = report.Check


@dataclass
class Pacing:
    """What the database and the simulator say once the calls are placed."""

    count: int
    diallers: int
    accept_seconds: float = 0.0
    created: list[float | None] = field(default_factory=list)  # per attempt, in acceptance (id) order
    started_out_of_id_order: int = 0  # attempts whose started_at is earlier than the one before
    notes: list[str] = field(default_factory=list)


def gaps(created: list[float | None]) -> list[float]:
    """Seconds between consecutive placed calls, in acceptance order (the unplaced left out)."""
    return [later - earlier for earlier, later in itertools.pairwise(t for t in created if t is not None)]


def out_of_order(created: list[float | None]) -> int:
    """How many placed calls were created before the call accepted ahead of them."""
    return sum(later < earlier for earlier, later in itertools.pairwise(t for t in created if t is not None))


def pacing_checks(run: Pacing, rate: float = RATE, tolerance: float = TOLERANCE) -> list[Check]:
    """Every call placed, each 1/rate ± tolerance after the one before it (in the order they
    were created), and in acceptance order."""
    placed = [t for t in run.created if t is not None]
    between = gaps(sorted(placed))
    gap = 1 / rate
    shown = f"min {min(between):.3f} s, max {max(between):.3f} s" if between else "no gaps"
    within = len(placed) == run.count and all(gap - tolerance <= g <= gap + tolerance for g in between)
    late = out_of_order(run.created)
    return [
        (
            f"{run.count} accepted at once: every gap between consecutive calls {gap:g} ± {tolerance:g} s",
            within,
            f"{len(placed)} of {run.count} placed; {shown}",
        ),
        (
            "placed in acceptance order (attempt ids)",
            len(placed) == run.count and late == 0,
            f"{late} placed before the call accepted ahead of them",
        ),
    ]


def _fleet(processes: Processes, env: dict[str, str], workdir: Path, diallers: int):
    from bench.callbacks import Fleet

    return Fleet(processes, env, workdir, workers=1, diallers=diallers)


def _web(processes: Processes, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        web = processes.start(
            "gunicorn",
            gunicorn_command(port),
            stop_signal=signal.SIGINT,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_healthy(f"http://127.0.0.1:{port}", web, log)
    return web


def _accept(env: dict[str, str], count: int) -> tuple[list[int], float]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.callback_accepts", str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the accepts failed:\n{completed.stderr[-3000:]}")
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    return found["attempts"], found["accept_seconds"]


def _attempts(engine, ids: list[int]):
    table = CallbackAttempt.__table__
    with engine.connect() as connection:
        return connection.execute(
            select(table.c.id, table.c.started_at, table.c.call_sid)
            .where(table.c.id.in_(ids))
            .order_by(table.c.id)
        ).all()


def measure(kind: str, url: str | None, args, redis_url: str, workdir: Path, processes: Processes):
    """One database's pacing run: its label and what it found."""
    home = workdir / f"pacing-{kind}"
    home.mkdir(exist_ok=True)
    database = sqlite_database(home) if kind == "sqlite" else postgres_database(url)
    run = Pacing(args.pacing, args.pacing_diallers)
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = environment(
        database.url,
        redis_url,
        HOTLINE_CALLBACK_HOURS="always",
        HOTLINE_DIAL_RATE=f"{RATE:g}",
        TWILIO_API_BASE_URL=web_url + "/simulator",
        HOTLINE_PUBLIC_URL=web_url,
    )
    redis = Redis.from_url(redis_url)
    redis.flushall()
    started = []
    try:
        migrate(env, database)
        log = home / "gunicorn.log"
        web = _web(processes, env, port, log)
        started.append(web)
        fleet = _fleet(processes, env, home, args.pacing_diallers)
        fleet.wait_ready(redis)
        ids, run.accept_seconds = _accept(env, args.pacing)
        deadline = time.monotonic() + args.pacing / RATE + SETTLE_SECONDS
        rows = _attempts(database.engine, ids)
        while any(row.call_sid is None for row in rows) and time.monotonic() < deadline:
            time.sleep(0.2)
            rows = _attempts(database.engine, ids)
        run.created = [
            None if row.call_sid is None else float(redis.hget(f"simulator:call:{row.call_sid}", "created"))
            for row in rows
        ]
        run.started_out_of_id_order = sum(
            later.started_at < earlier.started_at for earlier, later in itertools.pairwise(rows)
        )
        if run.started_out_of_id_order:
            run.notes.append(
                f"{run.started_out_of_id_order} attempts have a started_at earlier than the attempt "
                "before them (started_at is the accept's `now`, taken before its transaction)"
            )
        fleet.stop()
        if web.poll() is not None:
            raise RuntimeError(f"gunicorn died during the run:\n{tail(log)}")
        logs = "".join(path.read_text(errors="replace") for _, path in fleet.started)
        if " ERROR " in logs or "Traceback" in log.read_text(errors="replace"):
            run.notes.append("the web, cron or a worker logged an error")
            print(fleet.logs(), file=sys.stderr)
        return database.label, run
    finally:
        for process in started:
            processes.stop(process)
        redis.close()
        database.engine.dispose()
        for step in database.cleanup:
            step()


def table(run: Pacing) -> tuple[list[str], list[list[str]]]:
    between = gaps(sorted(t for t in run.created if t is not None))
    header = ["accepted", "diallers", "accepts took s", "placed", "gap min s", "gap max s", "out of order"]
    row = [
        str(run.count),
        str(run.diallers),
        f"{run.accept_seconds:.2f}",
        str(sum(t is not None for t in run.created)),
        f"{min(between):.3f}" if between else "—",
        f"{max(between):.3f}" if between else "—",
        str(out_of_order(run.created)),
    ]
    return header, [row]


def section(label: str, run: Pacing, out) -> tuple[list[str], bool]:
    """Print one database's pacing table and verdicts; their markdown, and whether all passed."""
    header, rows = table(run)
    title = f"{label}: pacing at HOTLINE_DIAL_RATE={RATE:g}, accepts through desk.take_callback in threads"
    print(f"\n{title}", file=out)
    report.print_table(header, rows, out)
    lines = [f"- note: {note}" for note in run.notes]
    verdicts = pacing_checks(run)
    lines += [f"- {report.verdict(ok)}: {name} ({detail})" for name, ok, detail in verdicts]
    for line in lines:
        print(line[2:], file=out)
    parts = [f"**{title}**\n\n" + report.markdown_table(header, rows), "\n".join(lines)]
    return parts, all(ok for _, ok, _ in verdicts)
