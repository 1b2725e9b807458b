"""Due callbacks join their queue through the real parts: `flask cron` enqueues the
every-second job, `flask worker` processes run it, on the test database and
Redis. Flushing Redis or killing a worker with SIGKILL loses no callback and
queues none twice: the database is the truth."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select, update

from bench.processes import children
from hotline.callbacks import service
from hotline.extensions import db
from hotline.models import Callback, Caller, CaseEvent, utcnow
from hotline.models.states import CallbackSource
from tests.support.servers import environment, flask_process, tail
from tests.support.waiting import eventually

COUNT = 60
# How late a due callback may join its queue: a run every second and the run's own
# time, with room for a machine running the suite on several processes (the p99
# target, 5 s, is bench/callbacks.py's, measured on a quiet machine).
LATE_AT_MOST = timedelta(seconds=10)


@contextlib.contextmanager
def processes(database_url: str, redis_url: str, workdir: Path, workers: int) -> Iterator[list]:
    env = environment(database_url, redis_url, HOTLINE_CALLBACK_HOURS="always")
    started = []
    try:
        for name in ["cron"] + ["worker"] * workers:
            log = workdir / f"{name}-{len(started)}.log"
            started.append((flask_process(name, env, log), log))
        yield started
    finally:
        for process, _ in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def due_soon(count: int, seconds: float) -> list[int]:
    """`count` people's callbacks, all due `seconds` from when they are recorded
    (asked for a day ahead, then brought forward together: recording takes a while)."""
    policy, vault = service.settings()
    ids = []
    for n in range(count):
        number = f"+7701222{n:04d}"
        caller = Caller(number_hash=vault.digest(number), number_encrypted=vault.encrypt(number))
        db.session.add(caller)
        db.session.commit()
        request = service.Request(
            caller_id=caller.id,
            queue="legal",
            source=CallbackSource.WEB,
            asked_at=utcnow() + timedelta(days=1),
        )
        ids.append(service.record(request, utcnow(), policy, vault, actor="web").callback_id)
    db.session.execute(
        update(Callback).where(Callback.id.in_(ids)).values(due_at=utcnow() + timedelta(seconds=seconds))
    )
    db.session.commit()
    return ids


def all_queued(ids: list[int]) -> bool:
    db.session.rollback()
    statuses = db.session.scalars(select(Callback.status).where(Callback.id.in_(ids))).all()
    return all(status == "queued" for status in statuses)


def assert_queued_once_and_in_time(ids: list[int]) -> None:
    for callback in db.session.scalars(select(Callback).where(Callback.id.in_(ids))):
        assert callback.queued_at - callback.due_at <= LATE_AT_MOST, callback.id
    queued = Counter(
        data["callback_id"]
        for data in db.session.scalars(select(CaseEvent.data).where(CaseEvent.kind == "callback_queued"))
    )
    assert queued == Counter(ids)


@pytest.fixture
def seeding(make_app):
    app = make_app(HOTLINE_CALLBACK_HOURS="always")
    with app.app_context():
        yield app


def _what(started):
    return lambda: "\n".join(tail(log) for _, log in started)


def test_due_callbacks_are_queued_by_the_cron_and_a_worker(seeding, database_url, redis_url, tmp_path):
    with processes(database_url, redis_url, tmp_path, workers=1) as started:
        ids = due_soon(COUNT, 2)
        eventually(lambda: all_queued(ids), timeout=20, what=_what(started), every=0.2)
    assert_queued_once_and_in_time(ids)


def test_a_flushed_redis_loses_no_callback(seeding, database_url, redis_url, tmp_path):
    with processes(database_url, redis_url, tmp_path, workers=2) as started:
        ids = due_soon(COUNT, 2)
        Redis.from_url(redis_url).flushall()
        eventually(lambda: all_queued(ids), timeout=20, what=_what(started), every=0.2)
    assert_queued_once_and_in_time(ids)


def test_a_worker_killed_loses_no_callback_and_queues_none_twice(seeding, database_url, redis_url, tmp_path):
    with processes(database_url, redis_url, tmp_path, workers=2) as started:
        ids = due_soon(COUNT, 1)
        killed, _ = started[1]
        eventually(lambda: utcnow() >= db.session.get(Callback, ids[0]).due_at, timeout=10, every=0.05)
        # RQ runs each job in a work horse of its own process group: kill it too.
        for pid in [killed.pid, *children(killed.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
        eventually(lambda: all_queued(ids), timeout=20, what=_what(started), every=0.2)
    assert_queued_once_and_in_time(ids)
