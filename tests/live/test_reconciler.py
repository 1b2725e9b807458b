"""The stuck-call sweep: calls whose final status never arrived are closed with what
the telephony API says, through the cron registration and a real RQ worker, against
the simulator's REST API served over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from rq.job import JobStatus

from hotline.extensions import db
from hotline.models import Callback, CallbackAttempt
from hotline.models.states import Progress
from hotline.telephony import CallReport, TelephonyError
from telephony.client import TwilioTelephony
from tests.support.callbacks import accepted_callback
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.clock import later
from tests.support.desk import open_offers, operator, presence_of, stage_of
from tests.support.live_server import serve
from tests.support.servers import ROOT
from tests.support.stuck_calls import queued_call, run_sweep, simulator_knows
from tests.support.waiting import eventually
from workers.callbacks import place_attempt

START = later()
THRESHOLD = timedelta(seconds=600)
OPERATOR_PHONE = "+77015550199"
PERSON = "+77015557788"


@pytest.fixture
def live(make_app):
    with serve(make_app, HOTLINE_CALLBACK_HOURS="always") as server, server.app.app_context():
        yield server


def test_stuck_calls_are_closed_with_the_status_the_telephony_api_knows(live):
    with time_machine.travel(START, tick=True) as clock:
        completed, forgotten, talking = queued_call(live), queued_call(live), queued_call(live)
        simulator_knows(completed, "completed", duration=42)
        simulator_knows(talking, "in-progress")
        clock.shift(timedelta(minutes=5))
        young = queued_call(live)  # unknown to the simulator too: it must not be asked
        clock.shift(THRESHOLD - timedelta(minutes=5) + timedelta(seconds=5))

        job = run_sweep(live)

    assert job.get_status() == JobStatus.FINISHED and job.return_value() == 2
    record = completed.record()
    assert (record.stage, record.status, record.duration_seconds, record.abandoned) == (
        "ended",
        "completed",
        42,
        True,
    )
    assert (forgotten.record().stage, forgotten.record().status) == ("ended", "failed")
    assert talking.record().stage == "queued"
    assert (young.record().stage, young.record().status) == ("queued", "ringing")


def test_a_stuck_caller_who_was_offered_frees_the_operator_and_the_offer(live):
    with time_machine.travel(START, tick=True) as clock:
        operator("aigerim", ["legal"], ["ru"], available_since=START - timedelta(minutes=1))
        call = ScriptedCall(TwilioWebhooks(live.app.test_client()))
        call.to_queue()
        assert (call.record().stage, open_offers()) == ("offered", [(call.sid, "aigerim")])
        simulator_knows(call, "completed", duration=20)
        clock.shift(THRESHOLD + timedelta(seconds=1))

        job = run_sweep(live)

    assert job.return_value() == 1
    assert stage_of(call.sid) == "ended"
    assert open_offers() == []
    assert presence_of("aigerim") == "available"


def test_a_callback_call_whose_reports_were_lost_is_settled_and_the_callback_waits_again(live):
    """The operator's phone rang for a callback and the network ended the call
    unanswered, but no report reached the hotline: the sweep asks, frees the
    operator and puts the callback back in the list, no attempt counted."""
    with time_machine.travel(START, tick=True) as clock:
        attempt_id, callback_id = accepted_callback(number=PERSON, phone=OPERATOR_PHONE)
        with live.phone().answers_for(OPERATOR_PHONE):  # the network keeps it ringing: no report
            call_sid = place_attempt(attempt_id)
        assert stage_of(call_sid) == "connected" and presence_of("aigerim") == "busy"
        simulator_knows(call_sid, "no-answer", direction="outbound-api")
        clock.shift(THRESHOLD + timedelta(seconds=1))

        job = run_sweep(live)

    assert job.return_value() == 1
    assert stage_of(call_sid) == "ended"
    attempt = db.session.get(CallbackAttempt, attempt_id, populate_existing=True)
    assert attempt.ended_at is not None and attempt.outcome is None and not attempt.dialled
    callback = db.session.get(Callback, callback_id, populate_existing=True)
    assert (callback.status, callback.attempts) == ("queued", 0)
    # Her phone did not answer: away, as after a caller's call she did not pick up.
    assert presence_of("aigerim") == "away"


def test_a_call_younger_than_the_threshold_is_left_alone(live):
    with time_machine.travel(START, tick=True) as clock:
        call = queued_call(live)
        simulator_knows(call, "completed", duration=30)
        clock.shift(THRESHOLD - timedelta(seconds=30))
        job = run_sweep(live)

    assert job.return_value() == 0
    assert call.record().stage == "queued"


def test_a_call_that_cannot_be_checked_fails_the_job_but_not_the_others(live, monkeypatch):
    with time_machine.travel(START, tick=True) as clock:
        unlucky, closed = queued_call(live), queued_call(live)
        simulator_knows(unlucky, "completed", duration=10)
        simulator_knows(closed, "busy")
        ask = TwilioTelephony.call_report

        def telephony_down_for_one(self, call_sid):
            if call_sid == unlucky.sid:
                raise TelephonyError("the network did not take the fetch: TwilioRestException")
            return ask(self, call_sid)

        monkeypatch.setattr(TwilioTelephony, "call_report", telephony_down_for_one)
        clock.shift(THRESHOLD + timedelta(seconds=1))
        job = run_sweep(live)

    assert job.get_status() == JobStatus.FAILED
    assert job in live.app.extensions["rq"].failed_job_registry
    assert unlucky.sid in job.latest_result().exc_string
    assert unlucky.record().stage == "queued"
    assert (closed.record().stage, closed.record().status) == ("ended", "busy")


def test_the_simulator_answers_an_unknown_call_as_twilio_does(live):
    assert live.telephony.call_report("CA" + "0" * 32) == CallReport("failed", Progress.FINISHED, None, False)
    with live.phone().answers_for("+77015551234"):  # nothing answers it: it stays queued
        sid = live.telephony.place_call("+77015551234", "+77172000000", live.url + "/nowhere")
    assert live.telephony.call_report(sid) == CallReport("queued", Progress.STARTED, None)


def test_the_cron_command_enqueues_the_sweep_at_once(app, database_url, redis_url):
    queue = app.extensions["rq"]
    env = {**os.environ, "HOTLINE_ENV": "testing", "REDIS_URL": redis_url, "DATABASE_URL": database_url}
    flask = str(Path(sys.executable).with_name("flask"))
    cron = subprocess.Popen([flask, "--app", "hotline", "cron"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    try:
        eventually(
            lambda: len(queue.jobs) >= 5 or cron.poll() is not None,
            timeout=20,
            what=lambda: f"the cron process enqueued only {queue.jobs}",
            every=0.1,
        )
        assert sorted({job.func_name for job in queue.jobs}) == [
            "workers.callbacks.queue_due_callbacks",
            "workers.reconciler.close_stuck_calls",
            "workers.risk.raise_unacknowledged_alerts",
            "workers.sweep.sweep",
            "workers.wallboard.publish_changed",
        ]
    finally:
        cron.terminate()
        _out, err = cron.communicate(timeout=10)
    assert b"shutdown complete" in err
