"""Idle, the worker and the cron process log nothing per run of the sweep; a
run that changes something logs one line naming it. A real RQ worker and cron
process, started as the Procfile starts them, for a bounded time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from rq.job import Job

from tests.support.servers import ROOT
from tests.support.waiting import eventually
from tests.support.wrapup import in_wrap_up

FLASK = str(Path(sys.executable).with_name("flask"))
SWEEP = "workers.sweep.sweep"


@contextlib.contextmanager
def worker_and_cron(database_url: str, redis_url: str, log: Path) -> Iterator[None]:
    """`flask worker` and `flask cron` (Procfile), both writing to `log`, stopped on the way out."""
    env = {
        **os.environ,
        "HOTLINE_ENV": "testing",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # Nobody's console is open: the presence rule must not move the operator while we watch.
        "HOTLINE_PRESENCE_GRACE_SECONDS": "3600",
        "PYTHONUNBUFFERED": "1",
    }
    started = []
    with log.open("wb") as out:
        for command in ("worker", "cron"):
            started.append(
                subprocess.Popen(
                    [FLASK, "--app", "hotline", command],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        yield
    finally:
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def sweeps_done(queue) -> list[str]:
    """The ids of the sweeps the worker finished, oldest first."""
    ids = queue.finished_job_registry.get_job_ids()
    jobs = Job.fetch_many(ids, connection=queue.connection)
    return sorted(
        (job.id for job in jobs if job is not None and job.func_name == SWEEP),
        key=lambda job_id: ids.index(job_id),
    )


def until(condition: Callable[[], object], seconds: float, what: str, log: Path) -> object:
    return eventually(
        condition, timeout=seconds, every=0.2, what=lambda: f"{what}; the log:\n{log.read_text()}"
    )


def lines(log: Path) -> list[str]:
    return log.read_text().splitlines()


def test_the_sweep_logs_only_what_it_changed(app, staff, database_url, redis_url, tmp_path):
    queue = app.extensions["rq"]
    log = tmp_path / "worker-and-cron.log"
    with worker_and_cron(database_url, redis_url, log):
        first = until(lambda: sweeps_done(queue), 60, "a first sweep", log)
        before = lines(log)
        until(lambda: len(sweeps_done(queue)) >= len(first) + 2, 30, "two more sweeps", log)

        idle = lines(log)
        assert idle == before, "idle sweeps logged lines"
        ran = sweeps_done(queue)
        assert not [line for line in idle if any(job_id in line for job_id in ran)]
        assert not [line for line in idle if "Enqueued" in line or "Job OK" in line]

        with app.app_context():
            ended = in_wrap_up("aigerim", seconds_left=-1)
        until(lambda: ended in log.read_text(), 30, "the sweep to end the wrap-up", log)
        later = len(sweeps_done(queue))
        until(lambda: len(sweeps_done(queue)) >= later + 1, 30, "one more sweep", log)
        changed = lines(log)[len(idle) :]

    assert len(changed) == 1, changed
    assert f"INFO workers.sweep: sweep: wrap-ups ended 1 ({ended})" in changed[0]
