"""Races across the operator's flow, with real threads against the threaded live
server (and a real RQ worker for the sweep), on SQLite and PostgreSQL. Every
transaction on a call and its assignment locks the call first, so none of
these deadlocks; each leaves one consistent story.

- An accept crossing the caller's hang-up: the operator got the caller and the
  hang-up then ended it (assignment missed, operator available again), or the
  caller was gone first and the accept is a 409 that wrote nothing.
- A wrap-up save crossing the sweep that ends it for running out: exactly one
  of them ends it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
import requests
from rq import SimpleWorker
from rq.job import Job, JobStatus
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from hotline.accounts import auth
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Assignment, AuditRecord, Call, CaseEvent, Role, User, utcnow
from hotline.models.states import HOLDING_CALL, AssignmentStatus, CallStage, Presence
from hotline.operators import wrapup
from tests.support import desk
from tests.support.calls import Http, TwilioWebhooks
from tests.support.concurrency import at_once
from tests.support.desk import presence_of
from tests.support.legs import LEG_SID
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.waiting import eventually
from tests.support.wrapup import assignment_of, in_wrap_up
from workers.sweep import sweep

TRIALS = 5


def test_an_accept_crossing_the_caller_s_hang_up(make_app):
    with serve(make_app) as live, live.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
        hooks = TwilioWebhooks(Http(live.url), base_url=live.url)
        carrier = desk.network(live.app, live.url)
        stories = set()
        for _trial in range(TRIALS):
            aigerim = db.session.scalars(select(User).where(User.username == "aigerim")).one()
            aigerim.presence = Presence.AVAILABLE
            db.session.commit()
            sid = desk.queued(hooks, carrier)

            def hang_up(sid: str = sid) -> list[int]:
                fields = {"CallSid": sid}
                left = hooks.post("/telephony/voice/queue-result", {**fields, "QueueResult": "hangup"})
                ended = hooks.post(
                    "/telephony/voice/status", {**fields, "CallStatus": "completed", "SequenceNumber": "9"}
                )
                return [left.status_code, ended.status_code]

            accept = partial(
                requests.post, f"{live.url}/api/v1/calls/{sid}/accept", headers=headers, timeout=15
            )
            accepted, hung_up = at_once([accept, hang_up])

            assert accepted.status_code in {200, 409}, accepted.text
            assert all(status < 300 for status in hung_up), hung_up
            db.session.expire_all()
            call = db.session.scalars(select(Call).where(Call.call_sid == sid)).one()
            held = db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)).all()
            assert call.stage == CallStage.ENDED
            assert not [a for a in held if a.status in HOLDING_CALL]
            assert desk.presence_of("aigerim") == Presence.AVAILABLE
            if accepted.status_code == 200:
                assert [a.status for a in held] == [AssignmentStatus.MISSED]
            else:
                assert held == []
            stories.add(accepted.status_code)
    assert stories <= {200, 409}


def test_a_wrap_up_save_crossing_the_sweep_that_ends_it(make_app):
    with serve(make_app) as live, live.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
        queue = live.app.extensions["rq"]
        for trial in range(TRIALS):
            sid = in_wrap_up("aigerim", seconds_left=-1)
            job = queue.enqueue(sweep)
            ready = threading.Barrier(2)
            body = {"outcome": "referred", "category": "documents", "note": f"trial {trial}"}

            def save(
                sid: str = sid, body: dict = body, ready: threading.Barrier = ready
            ) -> requests.Response:
                ready.wait(timeout=10)
                return requests.post(
                    f"{live.url}/api/v1/calls/{sid}/wrap-up", json=body, headers=headers, timeout=15
                )

            with ThreadPoolExecutor(1) as pool:
                saving = pool.submit(save)
                ready.wait(timeout=10)
                # RQ's worker installs signal handlers: it runs in the main thread.
                SimpleWorker([queue], connection=queue.connection).work(burst=True)
                saved = saving.result(timeout=30)

            assert Job.fetch(job.id, connection=queue.connection).get_status() == JobStatus.FINISHED
            assert saved.status_code in {200, 409}, saved.text
            db.session.expire_all()
            held = assignment_of(sid)
            call_id = held.call_id
            assert held.status == AssignmentStatus.DONE
            assert db.session.get(Call, call_id).stage == CallStage.ENDED
            assert presence_of("aigerim") == Presence.AVAILABLE
            kinds = db.session.scalars(
                select(CaseEvent.kind).where(CaseEvent.call_id == call_id, CaseEvent.kind.like("wrap_up%"))
            ).all()
            ended = select(func.count()).where(
                AuditRecord.object_id == sid,
                AuditRecord.action.in_(["call.wrapped_up", "call.wrap_up_missed"]),
            )
            assert db.session.scalar(ended) == 1
            if saved.status_code == 200:
                assert (held.outcome, kinds) == ("referred", ["wrap_up"])
            else:
                assert (held.outcome, kinds) == (None, ["wrap_up_missed"])


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="row locks are PostgreSQL's: SQLite locks the whole file"
)
def test_a_wrap_up_holding_its_first_lock_makes_the_late_report_wait_not_deadlock(make_app):
    """The interleaving that deadlocked when the wrap-up locked the assignment
    first: the save takes its first lock and holds it; the network's late
    report on the operator's leg (the call's row, then the assignment's) comes
    and waits; the save goes on. Locking the call first, the report waits for
    the save and then writes its figure: no deadlock, no retry."""
    with serve(make_app) as live, live.app.app_context():
        aigerim, _ = create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        sid = in_wrap_up("aigerim")
        held = assignment_of(sid)
        assignment_id, save_thread = held.id, {}
        locked, release = threading.Event(), threading.Event()

        def hold_after_first_lock(conn, cursor, statement, parameters, context, executemany) -> None:
            first_lock = statement.lstrip().upper().startswith("UPDATE") or "FOR UPDATE" in statement.upper()
            if threading.get_ident() == save_thread.get("id") and first_lock and not locked.is_set():
                locked.set()
                release.wait(timeout=15)

        def save() -> str:
            save_thread["id"] = threading.get_ident()
            with live.app.app_context():
                user = db.session.get(User, aigerim.id)
                try:
                    wrapup.save(sid, user, "referred", "documents", None, utcnow())
                except OperationalError as error:
                    return type(error.orig).__name__
                return "saved"

        errors: list[str | None] = []

        def seen(context) -> None:
            errors.append(getattr(context.original_exception, "sqlstate", None))

        event.listen(db.engine, "after_cursor_execute", hold_after_first_lock)
        event.listen(db.engine, "handle_error", seen)
        try:
            hooks = TwilioWebhooks(Http(live.url), base_url=live.url)
            report = {
                "CallSid": LEG_SID,
                "ParentCallSid": sid,
                "CallStatus": "completed",
                "CallDuration": "28",
            }
            with ThreadPoolExecutor(2) as pool:
                saving = pool.submit(save)
                assert locked.wait(timeout=10)
                reporting = pool.submit(hooks.post, f"/telephony/voice/operator-leg/{assignment_id}", report)
                waiting_for_a_lock(live)
                release.set()
                assert saving.result(timeout=30) == "saved"
                assert reporting.result(timeout=30).status_code == 204
        finally:
            release.set()
            event.remove(db.engine, "after_cursor_execute", hold_after_first_lock)
            event.remove(db.engine, "handle_error", seen)
        assert errors == [], "a deadlock (40P01), retried" if "40P01" in errors else errors
        db.session.expire_all()
        held = assignment_of(sid)
        assert (held.status, held.outcome, held.talk_seconds) == (AssignmentStatus.DONE, "referred", 28)


def waiting_for_a_lock(live) -> None:
    """Until another session waits for a row lock (the late report, blocked by the save)."""
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )

    def waiting() -> int:
        try:
            return db.session.execute(blocked).scalar()
        finally:
            db.session.rollback()

    eventually(waiting, timeout=10, what="the late report never waited for the save's lock", every=0.01)
