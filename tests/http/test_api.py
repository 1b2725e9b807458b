"""GET /api/v1/calls/<CallSid>, GET /api/v1/queues: bearer token, no phone number."""

from datetime import timedelta

import pytest
import time_machine

from hotline.accounts import auth
from tests.support.calls import ScriptedCall
from tests.support.clock import later, local_year


@pytest.fixture
def token(app_context):
    return auth.create_token("wallboard")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_call_detail(client, twilio, token):
    start = later()
    with time_machine.travel(start, tick=False) as clock:
        call = ScriptedCall(twilio)
        call.to_queue(need="3")
        clock.shift(timedelta(seconds=45))
        call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="45")
        call.post("/telephony/voice/status", CallStatus="completed", CallDuration="60", SequenceNumber="2")
    response = client.get(f"/api/v1/calls/{call.sid}", headers=bearer(token))
    assert response.status_code == 200
    body = response.json
    assert body["call_sid"] == call.sid
    assert (body["status"], body["queue"], body["priority"], body["language"]) == (
        "completed",
        "legal",
        0,
        "ru",
    )
    assert body["case_reference"].startswith(f"HL-{local_year(start)}-")
    assert (body["wait_seconds"], body["talk_seconds"], body["abandoned"]) == (45, None, True)
    assert body["started_at"] == start.isoformat()
    assert body["ended_at"] == (start + timedelta(seconds=45)).isoformat()
    assert "7015551234" not in response.get_data(as_text=True)


def test_unknown_call_is_404(client, token):
    response = client.get("/api/v1/calls/CA" + "0" * 32, headers=bearer(token))
    assert response.status_code == 404
    assert response.json["message"] == "no call with that CallSid"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
)
def test_without_a_valid_token_is_401(client, twilio, app_context, headers):
    call = ScriptedCall(twilio)
    call.dial()
    for path in (f"/api/v1/calls/{call.sid}", "/api/v1/queues"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "Unauthorized"


def test_tokens_are_stored_hashed(client, token, app_context):
    """Only the token's SHA-256 is in the database, and the stored value is no credential."""
    import hashlib

    from sqlalchemy import select

    from hotline.extensions import db
    from hotline.models import ApiToken, AuditRecord

    stored = db.session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    kept = [stored.name, stored.token_hash] + [str(r.detail) for r in db.session.scalars(select(AuditRecord))]
    assert not any(token.removeprefix("hl_") in value for value in kept)
    assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/queues", headers=bearer(stored.token_hash)).status_code == 401


def test_queues_list_who_waits_where(client, twilio, token):
    start = later()
    with time_machine.travel(start, tick=False) as clock:
        ScriptedCall(twilio, "+77015550001").to_queue(need="1")
        clock.shift(timedelta(seconds=30))
        ScriptedCall(twilio, "+77015550002").to_queue(need="1")
        left = ScriptedCall(twilio, "+77015550003")
        left.to_queue(need="3")
        left.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="1")
        clock.shift(timedelta(seconds=10))
        response = client.get("/api/v1/queues", headers=bearer(token))
    assert response.status_code == 200
    assert response.json["queues"] == [
        {"name": "psychologist", "waiting": 2, "longest_wait_seconds": 40},
        {"name": "medical", "waiting": 0, "longest_wait_seconds": 0},
        {"name": "legal", "waiting": 0, "longest_wait_seconds": 0},
        {"name": "general", "waiting": 0, "longest_wait_seconds": 0},
    ]
