"""End to end, an offer nobody answers: past HOTLINE_OFFER_SECONDS (time_machine)
the sweep, run by a real RQ worker as the cron process enqueues it, withdraws
it; the operator who let it lapse is away, and the next operator is offered the
caller at once and talks with them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.job import Job, JobStatus
from sqlalchemy import select

from hotline import events
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import AuditRecord, Offer, Role
from hotline.models.states import OfferStatus, Presence
from tests.support.flow import audited, desks, phoning, record_of, staying
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from workers import schedule
from workers.sweep import sweep


@pytest.fixture
def live(make_app):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as server, server.app.app_context():
        yield server


def sweep_by_a_worker(server) -> Job:
    """Enqueue the sweep as the cron process does, and run it in a burst worker."""
    queue = server.app.extensions["rq"]
    scheduler = CronScheduler(connection=queue.connection)
    schedule.register(scheduler, queue.name)
    [cron_job] = [job for job in scheduler.enqueue_jobs() if job.func is sweep]
    [job_id] = cron_job.get_job_ids(queue.connection)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return Job.fetch(job_id, connection=queue.connection)


def test_an_offer_not_answered_lapses_and_goes_to_the_next_operator(live):
    create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    create_user("bolat", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    lapse = timedelta(seconds=live.app.config["HOTLINE_OFFER_SECONDS"] + 1)
    with desks(live, "aigerim", "bolat") as [aigerim, bolat], ThreadPoolExecutor(1) as pool:
        device = bolat.softphone()
        aigerim.available()
        bolat.available()  # available later than aigerim: second in line
        caller = phoning(pool, live, "+77015550606", staying())
        offer = aigerim.offered()
        sid = offer["call_sid"]
        assert datetime.fromisoformat(offer["expires_at"]) <= datetime.now(UTC) + lapse

        with time_machine.travel(datetime.now(UTC) + lapse, tick=True):
            job = sweep_by_a_worker(live)
            assert job.get_status() == JobStatus.FINISHED, job.latest_result()
            withdrawn = aigerim.heard(events.OFFER_WITHDRAWN, lambda data: data["call_sid"] == sid)
            assert withdrawn["offer_id"] == offer["offer_id"] and withdrawn["reason"] == "lapsed"
            assert aigerim.me()["presence"] == Presence.AWAY
            second = bolat.offered(lambda data: data["call_sid"] == sid)
            late = aigerim.send("POST", f"/api/v1/offers/{offer['offer_id']}/accept")
            assert late.status_code == 409, late.text

            bolat.accept(second)
            assert device.incoming(timeout=10).parent_call_sid == sid
            device.accept()
            bolat.heard_call(sid, "talking")
            assert bolat.send("POST", f"/api/v1/calls/{sid}/hangup").status_code == 202
            heard = caller.result(timeout=30)
            bolat.heard_call(sid, "wrap_up")

    assert aigerim.offers_heard() == [sid]
    assert any(line.kind == "connected" for line in heard.transcript)
    record = record_of(sid)
    assert record.operator.username == "bolat"
    statuses = db.session.scalars(
        select(Offer.status).where(Offer.call_id == record.id).order_by(Offer.id)
    ).all()
    assert statuses == [OfferStatus.LAPSED, OfferStatus.ACCEPTED]
    lapsed = select(AuditRecord.actor).where(
        AuditRecord.action == "offer.lapsed", AuditRecord.object_id == str(offer["offer_id"])
    )
    assert db.session.scalars(lapsed).all() == ["system"]
    assert "call.accepted" in audited(sid)
