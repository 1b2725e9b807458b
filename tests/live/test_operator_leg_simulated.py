"""End to end with the simulator: a caller phones the hotline and waits; an
operator takes them (the accept's writes, then the REST redirect to `connect`);
the operator's softphone, registered with the token from /api/v1/me/voice-token,
answers; the operator hangs up; the hotline's webhooks turn that into talk time
and wrap-up. Not answered, the caller goes back to the queue and hears
"connecting" again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hotline.accounts import auth
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Call, Role
from hotline.models.states import AssignmentStatus, CallStage, Presence
from telephony import prompts
from telephony.simulator.device import SimulatedDevice
from telephony.simulator.phone import Script
from tests.support.legs import assignment, operator, take
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.waiting import eventually

NUMBER = "+77015551234"


@pytest.fixture
def live(make_app):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as server, server.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        yield server


def softphone(live) -> SimulatedDevice:
    token = auth.create_token("aigerim's", "aigerim")
    answer = live.app.test_client().get(
        "/api/v1/me/voice-token", headers={"Authorization": f"Bearer {token}"}
    )
    device = SimulatedDevice(live.url, answer.json["token"], poll_seconds=0.02)
    assert device.register() == answer.json["identity"]
    return device


def call_record(sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalars(select(Call).where(Call.call_sid == sid)).one()


class Operator:
    """Takes the caller at their first turn of hold music, as the accept does."""

    def __init__(self, live) -> None:
        self.live = live
        self.assignment_id: int | None = None

    def accepts(self, call_sid: str, turn: int) -> None:
        if self.assignment_id is not None:
            return
        with self.live.app.app_context():
            self.assignment_id = take(SimpleNamespace(record=lambda: call_record(call_sid)))
            url = f"{self.live.url}/telephony/voice/connect/{self.assignment_id}"
            self.live.telephony.redirect_call(call_sid, url)


def test_a_caller_talks_with_the_operator_who_then_wraps_up(live):
    device, taking = softphone(live), Operator(live)
    script = Script(
        digits=("2", "3"), in_queue="wait", wait_loops=20, talk_seconds=None, while_waiting=taking.accepts
    )
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(live.phone().call, NUMBER, script)
        offered = device.incoming(timeout=10)
        device.accept()
        eventually(lambda: assignment(taking.assignment_id).status == AssignmentStatus.TALKING)
        device.disconnect()
        result = future.result(timeout=15)
    assert result.queue_result == "redirected"
    eventually(lambda: call_record(result.call_sid).stage == CallStage.WRAP_UP)
    record = call_record(result.call_sid)
    assert (record.abandoned, record.operator_id, record.status) == (False, operator().id, "completed")
    assert record.wait_seconds is not None and record.talk_seconds is not None
    held = assignment(taking.assignment_id)
    assert held.status == AssignmentStatus.WRAP_UP and held.wrap_up_until is not None
    assert operator().presence == Presence.WRAP_UP
    assert offered.parent_call_sid == result.call_sid


def test_a_softphone_that_rejects_sends_the_caller_back_to_the_queue(live):
    device, taking = softphone(live), Operator(live)
    script = Script(
        digits=("2", "3"), in_queue="wait", wait_loops=20, talk_seconds=None, while_waiting=taking.accepts
    )
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(live.phone().call, NUMBER, script)
        device.incoming(timeout=10)
        device.reject()
        eventually(lambda: assignment(taking.assignment_id).status == AssignmentStatus.MISSED)
        eventually(lambda: assignment(taking.assignment_id).call.returned_at is not None)
        result = future.result(timeout=30)
    assert result.said().count(prompts.text("connecting", "ru")) >= 2
    assert operator().presence == Presence.AWAY
    record = call_record(result.call_sid)
    assert record.stage in {CallStage.LEFT_QUEUE, CallStage.ENDED}
    assert record.returned_at is not None
