"""POST /api/v1/calls/<CallSid>/hangup and /transfer: by the console's session
(CSRF checked) or the user's own token, against the simulator's REST API served
over HTTP (what the phone network is told)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests
import time_machine
from sqlalchemy import select

from hotline.accounts import auth
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import AuditRecord, Role
from hotline.models.states import AssignmentStatus, CallStage, Presence
from telephony.simulator import state
from tests.support.calls import ScriptedCall, TwilioWebhooks, twiml
from tests.support.clock import next_weekday_at
from tests.support.legs import assignment, case_events, operator, operator_leg, take
from tests.support.live_server import serve
from tests.support.pages import CSRF_META, PASSWORD

NOON = next_weekday_at(12)


@pytest.fixture
def live(make_app):
    with serve(make_app) as server, server.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["kk", "ru"])
        create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        create_user("boris", Role.SUPERVISOR, PASSWORD)
        yield server


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def talking(live) -> tuple[ScriptedCall, int]:
    """A caller of the legal queue talking with aigerim; the network knows the call."""
    call = ScriptedCall(TwilioWebhooks(live.app.test_client()))
    call.to_queue()
    taken = take(call)
    operator_leg(call, taken, "in-progress")
    state.save(
        "call",
        call.sid,
        {"sid": call.sid, "direction": "inbound", "status": "in-progress", "start": time.time()},
    )
    return call, taken


def test_the_operator_hangs_up_their_call(live):
    call, _taken = talking(live)
    token = auth.create_token("aigerim's", "aigerim")
    answer = live.app.test_client().post(f"/api/v1/calls/{call.sid}/hangup", headers=bearer(token))
    assert answer.status_code == 202, answer.json
    assert answer.json["call_sid"] == call.sid
    assert state.load("call", call.sid)["status"] == "completed"
    [record] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "call.hung_up")).all()
    assert (record.actor, record.object_id) == ("aigerim", call.sid)


def test_a_supervisor_hangs_up_by_the_session_with_its_csrf_token(live):
    call, _taken = talking(live)
    # A browser over real HTTP: each request its own context, as in production.
    browser = requests.Session()
    login = CSRF_META.search(browser.get(f"{live.url}/login").text).group(1)
    browser.post(f"{live.url}/login", data={"username": "boris", "password": PASSWORD, "csrf_token": login})
    assert browser.post(f"{live.url}/api/v1/calls/{call.sid}/hangup").status_code == 400  # no CSRF token
    assert state.load("call", call.sid)["status"] == "in-progress"
    token = CSRF_META.search(browser.get(f"{live.url}/console").text).group(1)
    answer = browser.post(f"{live.url}/api/v1/calls/{call.sid}/hangup", headers={"X-CSRFToken": token})
    assert answer.status_code == 202, answer.text
    assert state.load("call", call.sid)["status"] == "completed"


def test_hangup_refusals(live):
    call, taken = talking(live)
    client = live.app.test_client()
    mine, hers, integration = (
        auth.create_token("a", "aigerim"),
        auth.create_token("d", "dana"),
        auth.create_token("wallboard"),
    )
    unknown = "CA" + "0" * 32
    assert client.post(f"/api/v1/calls/{unknown}/hangup", headers=bearer(mine)).status_code == 404
    answer = client.post(f"/api/v1/calls/{call.sid}/hangup", headers=bearer(hers))
    assert (answer.status_code, answer.json["message"]) == (403, "this call is not yours")
    assert client.post(f"/api/v1/calls/{call.sid}/hangup", headers=bearer(integration)).status_code == 403
    assert client.post(f"/api/v1/calls/{call.sid}/hangup").status_code == 401
    assert state.load("call", call.sid)["status"] == "in-progress"
    call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9", CallDuration="40")
    assert assignment(taken).status == AssignmentStatus.WRAP_UP
    answer = client.post(f"/api/v1/calls/{call.sid}/hangup", headers=bearer(mine))
    assert answer.status_code == 409
    assert answer.json["error"] == "Conflict"


def test_the_operator_transfers_the_caller_to_the_head_of_another_queue(live):
    with time_machine.travel(NOON, tick=False):
        call, taken = talking(live)
    other = ScriptedCall(TwilioWebhooks(live.app.test_client()), from_number="+77015559876")
    with time_machine.travel(NOON + timedelta(seconds=5), tick=False):
        other.to_queue(need="4")
    token = auth.create_token("a", "aigerim")
    with time_machine.travel(NOON + timedelta(seconds=70), tick=False):
        answer = live.app.test_client().post(
            f"/api/v1/calls/{call.sid}/transfer", json={"queue": "general"}, headers=bearer(token)
        )
    assert answer.status_code == 202, answer.json
    record = call.record()
    assert (record.stage, record.queue, record.returned_at) == (
        CallStage.QUEUED,
        "general",
        NOON + timedelta(seconds=70),
    )
    assert answer.json["queue"] == "general"
    held = assignment(taken)
    assert (held.status, held.talk_seconds) == (AssignmentStatus.WRAP_UP, 70)
    assert operator().presence == Presence.WRAP_UP
    [event] = case_events(call, "transferred")
    assert (event.data, event.actor_id) == ({"from_queue": "legal", "to_queue": "general"}, operator().id)
    assert db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "call.transferred")
    ).one().actor == ("aigerim")
    instruction = json.loads(state.load("call", call.sid)["instruction"])
    assert instruction["kind"] == "redirect"
    assert instruction["url"] == "http://localhost/telephony/voice/requeue"  # the host the API was asked on
    # Twilio fetches that URL: the caller is enqueued in the new queue, ahead of those who waited there.
    root = twiml(call.post("/telephony/voice/requeue"))
    assert root.find("Enqueue").text == "general"
    assert root.find("Enqueue").attrib["action"] == "/telephony/voice/queue-result"
    from hotline.calls import queues

    assert queues.position_of(call.record()) == 1
    # The Dial's result, if the network sends one: the caller stays in the queue.
    dial = call.post(
        f"/telephony/voice/dial-result/{taken}", DialCallStatus="completed", DialCallDuration="70"
    )
    assert twiml(dial).find("Enqueue").text == "general"
    # The call's end, later, is no second wrap-up.
    call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="3")
    call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9", CallDuration="80")
    assert call.record().stage == CallStage.ENDED
    assert assignment(taken).status == AssignmentStatus.WRAP_UP


@pytest.mark.parametrize(
    "body",
    [{"queue": "nowhere"}, {}, {"queue": 3}, ["general"], {"queue": "general", "note": "x"}],
)
def test_a_bad_transfer_body_is_400(live, body):
    call, taken = talking(live)
    token = auth.create_token("a", "aigerim")
    answer = live.app.test_client().post(
        f"/api/v1/calls/{call.sid}/transfer", json=body, headers=bearer(token)
    )
    assert answer.status_code == 400
    assert call.record().stage == CallStage.CONNECTED
    assert assignment(taken).status == AssignmentStatus.TALKING


def test_transfer_refusals(live):
    call, _taken = talking(live)
    client = live.app.test_client()
    hers, integration = auth.create_token("d", "dana"), auth.create_token("wallboard")
    body = {"queue": "general"}
    unknown = "CA" + "0" * 32
    assert (
        client.post(f"/api/v1/calls/{unknown}/transfer", json=body, headers=bearer(hers)).status_code == 404
    )
    assert (
        client.post(f"/api/v1/calls/{call.sid}/transfer", json=body, headers=bearer(hers)).status_code == 403
    )
    assert (
        client.post(f"/api/v1/calls/{call.sid}/transfer", json=body, headers=bearer(integration)).status_code
        == 403
    )
    assert call.record().stage == CallStage.CONNECTED


def test_a_call_not_yet_answered_cannot_be_transferred(live):
    call = ScriptedCall(TwilioWebhooks(live.app.test_client()))
    call.to_queue()
    taken = take(call)
    token = auth.create_token("a", "aigerim")
    answer = live.app.test_client().post(
        f"/api/v1/calls/{call.sid}/transfer", json={"queue": "general"}, headers=bearer(token)
    )
    assert (answer.status_code, answer.json["message"]) == (409, "the operator has not answered yet")
    assert assignment(taken).status == AssignmentStatus.CONNECTING
    assert call.record().queue == "legal"


def test_when_the_network_refuses_the_caller_follows_the_transfer_at_the_end_of_the_conversation(make_app):
    app = make_app(TWILIO_API_BASE_URL="http://127.0.0.1:9")  # nothing answers there
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        call = ScriptedCall(TwilioWebhooks(app.test_client()))
        call.to_queue()
        taken = take(call)
        operator_leg(call, taken, "in-progress")
        token = auth.create_token("a", "aigerim")
        client = app.test_client()
        answer = client.post(f"/api/v1/calls/{call.sid}/hangup", headers=bearer(token))
        assert (answer.status_code, answer.json["error"]) == (502, "Bad Gateway")
        assert db.session.scalars(select(AuditRecord).where(AuditRecord.action == "call.hung_up")).all() == []
        answer = client.post(
            f"/api/v1/calls/{call.sid}/transfer", json={"queue": "general"}, headers=bearer(token)
        )
        assert answer.status_code == 502
        assert (call.record().stage, call.record().queue) == (CallStage.QUEUED, "general")
        # The conversation ends: the Dial's result puts the caller in their new queue.
        dial = call.post(
            f"/telephony/voice/dial-result/{taken}", DialCallStatus="completed", DialCallDuration="50"
        )
        assert twiml(dial).find("Enqueue").text == "general"
        assert assignment(taken).talk_seconds == 50
