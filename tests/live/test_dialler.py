"""The dialler places accepted callbacks' calls one at a time, in acceptance
order, at the outbound pacing: its job, and `flask dialler` as the Procfile
runs it against a live server whose simulator is the phone network, killed
with calls still to place and started again.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from redis import Redis
from sqlalchemy import select

from bench.callback_accepts import prepare
from hotline.extensions import db
from hotline.models import Callback, CallbackAttempt, User, utcnow
from hotline.operators import desk
from tests.support.live_server import serve
from tests.support.servers import environment, flask_process, tail
from tests.support.waiting import eventually
from workers.callbacks import LOST_AFTER, place_attempt, queue_due_callbacks

RATE = 4  # calls a second: a gap of 0.25 s
# The record of a call is the simulator's, a request after its slot: the first
# request of a process opens its connection, and a busy machine delays any, so
# single gaps vary; their mean past the first call may fall short of 1/RATE by
# this much at most.
SHORT_BY_AT_MOST = 0.05


def accepted(count: int) -> list[int]:
    """`count` operators, each offered a callback (`bench.callback_accepts.prepare`)
    and accepting it, one after another: the attempts' ids, in acceptance order."""
    pairs = sorted(prepare(count).items())
    return [
        desk.take_callback(offer_id, db.session.get(User, user_id), utcnow()).attempt_id
        for offer_id, user_id in pairs
    ]


def placed(redis: Redis, attempt_ids: list[int]) -> list[float | None]:
    """When the simulator created each attempt's call (None: not placed), in the attempts' order."""
    db.session.expire_all()
    sids = dict(
        db.session.execute(
            select(CallbackAttempt.id, CallbackAttempt.call_sid).where(CallbackAttempt.id.in_(attempt_ids))
        ).all()
    )
    db.session.rollback()
    created = []
    for attempt_id in attempt_ids:
        sid = sids[attempt_id]
        moment = redis.hget(f"simulator:call:{sid}", "created") if sid else None
        created.append(float(moment) if moment is not None else None)
    return created


@contextlib.contextmanager
def dialler(server, workdir: Path, name: str = "dialler"):
    app = server.app
    env = environment(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["REDIS_URL"],
        HOTLINE_CALLBACK_HOURS="always",
        HOTLINE_DIAL_RATE=str(RATE),
        TWILIO_API_BASE_URL=server.url + "/simulator",
        HOTLINE_PUBLIC_URL=server.url,
        RQ_QUEUE=app.config["RQ_QUEUE"],
    )
    log = workdir / f"{name}.log"
    process = flask_process("dialler", env, log)
    try:
        yield process, log
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


@pytest.fixture
def live(make_app):
    return serve(make_app, HOTLINE_CALLBACK_HOURS="always", HOTLINE_DIAL_RATE=float(RATE))


def test_a_job_places_the_attempt_accepted_first_whichever_accept_queued_it(live):
    with live as server, server.app.app_context():
        first, second = accepted(2)
        assert place_attempt(second) is not None
        assert placed(server.app.extensions["redis"], [first, second])[1] is None
        assert place_attempt(first) is not None
        created = placed(server.app.extensions["redis"], [first, second])
        assert None not in created and created[0] < created[1]
        # Every accepted attempt is placed: one more job places nothing.
        assert place_attempt(first) is None


def test_the_dialler_places_accepted_calls_in_acceptance_order_at_the_rate(live, tmp_path):
    with live as server, server.app.app_context(), dialler(server, tmp_path) as (process, log):
        redis = server.app.extensions["redis"]
        ids = accepted(6)
        created = eventually(
            lambda: (times := placed(redis, ids)) and None not in times and times,
            timeout=30,
            what=lambda: f"not every call placed:\n{tail(log)}",
        )
        gaps = [later - earlier for earlier, later in itertools.pairwise(created)]
        assert all(gap > 0 for gap in gaps), gaps  # in acceptance order
        assert (created[-1] - created[1]) / (len(created) - 2) >= 1 / RATE - SHORT_BY_AT_MOST, gaps
        assert process.poll() is None


def test_a_dialler_killed_with_calls_to_place_loses_none_and_places_none_twice(live, tmp_path):
    with live as server, server.app.app_context():
        redis = server.app.extensions["redis"]
        with dialler(server, tmp_path, "first") as (process, log):
            ids = accepted(8)
            eventually(
                lambda: placed(redis, ids)[0] is not None,
                timeout=30,
                what=lambda: f"the first call was not placed:\n{tail(log)}",
            )
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        with dialler(server, tmp_path, "second") as (_, log):
            dialling = server.app.extensions["dialling"]

            def done() -> list[CallbackAttempt] | None:
                """The attempts once the second dialler ran every job left: none
                queued, no claim younger than a slot and a request, all but one placed."""
                attempts = rows(ids)
                recent = utcnow() - timedelta(seconds=2)
                claiming = any(a.call_sid is None and a.placed_at and a.placed_at > recent for a in attempts)
                placed_now = sum(a.call_sid is not None for a in attempts)
                return None if dialling.count or claiming or placed_now < len(ids) - 1 else attempts

            eventually(done, timeout=30, what=lambda: f"calls left unplaced:\n{tail(log)}")
            # At most one attempt has no call: claimed by the killed dialler (its
            # placing lost), or never claimed (its job lost with it). The cron's
            # look settles the first (back in the list) and hands over the second.
            with time_machine.travel(utcnow() + LOST_AFTER + timedelta(seconds=1)):
                queue_due_callbacks()
            attempts = eventually(
                lambda: (found := rows(ids)) and all(a.call_sid or a.ended_at for a in found) and found,
                timeout=30,
                what=lambda: f"an attempt neither placed nor back in the list:\n{tail(log)}",
            )
        lost = [a for a in attempts if a.call_sid is None]
        assert len(lost) <= 1
        for attempt in lost:
            assert not attempt.dialled
            assert db.session.get(Callback, attempt.callback_id).status == "queued"
        sids = [a.call_sid for a in attempts if a.call_sid is not None]
        assert len(sids) == len(set(sids)) == len(ids) - len(lost)
        assert all(redis.hget(f"simulator:call:{sid}", "created") for sid in sids)


def rows(ids: list[int]) -> list[CallbackAttempt]:
    db.session.expire_all()
    attempts = db.session.scalars(select(CallbackAttempt).where(CallbackAttempt.id.in_(ids))).all()
    db.session.rollback()
    return attempts
