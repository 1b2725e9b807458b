"""GET /api/v1/calls/<CallSid>, GET /api/v1/queues: a token or the console's
session, no phone number; an operator reads only the calls and figures of the
queues they serve."""

from datetime import timedelta

import pytest
import time_machine

from hotline.accounts import auth
from hotline.models import Role
from tests.support.calls import ScriptedCall
from tests.support.clock import later, local_year
from tests.support.pages import PASSWORD, log_in


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


# --- who reads which call and queue: access.may_watch, as for the waiting lists -----


@pytest.fixture
def readers(app, staff) -> dict[str, dict]:
    """Each kind of asker's headers: aigerim (an operator of `legal`) by token,
    boris (a supervisor) by token, an integration's token."""
    with app.app_context():
        auth.create_user("dana", Role.ADMIN)
        return {
            name: bearer(auth.create_token(name, user))
            for name, user in (
                ("operator", "aigerim"),
                ("supervisor", "boris"),
                ("admin", "dana"),
                ("wallboard", None),
            )
        }


def test_an_operator_reads_only_the_calls_of_the_queues_they_serve(app, client, twilio, readers):
    with app.app_context():
        legal, medical, in_menu = ScriptedCall(twilio), ScriptedCall(twilio), ScriptedCall(twilio)
        legal.to_queue(need="3")
        medical.to_queue(need="2")
        in_menu.dial()
    operator = readers["operator"]
    assert client.get(f"/api/v1/calls/{legal.sid}", headers=operator).status_code == 200
    for other in (medical, in_menu):
        refused = client.get(f"/api/v1/calls/{other.sid}", headers=operator)
        assert refused.status_code == 403
        assert refused.json == {"error": "Forbidden", "message": "you do not serve this call's queue"}
        assert other.sid not in refused.get_data(as_text=True)
    for name in ("supervisor", "admin", "wallboard"):
        for call in (legal, medical, in_menu):
            assert client.get(f"/api/v1/calls/{call.sid}", headers=readers[name]).status_code == 200, name
    assert client.get("/api/v1/calls/CA" + "0" * 32, headers=operator).status_code == 404


def test_an_operators_session_reads_by_the_same_rule(app, twilio, staff):
    with app.app_context():
        legal, medical = ScriptedCall(twilio), ScriptedCall(twilio)
        legal.to_queue(need="3")
        medical.to_queue(need="2")
    for username, medical_answer in (("aigerim", 403), ("boris", 200)):
        browser = app.test_client()
        assert log_in(browser, username, PASSWORD).status_code == 302
        assert browser.get(f"/api/v1/calls/{legal.sid}").status_code == 200
        assert browser.get(f"/api/v1/calls/{medical.sid}").status_code == medical_answer
        assert browser.get("/api/v1/queues/medical/waiting").status_code == medical_answer


def test_an_operator_sees_the_figures_of_their_queues_only(app, client, twilio, readers):
    with app.app_context():
        ScriptedCall(twilio).to_queue(need="2")
    operator = client.get("/api/v1/queues", headers=readers["operator"])
    assert [row["name"] for row in operator.json["queues"]] == ["legal"]
    everyone = ["psychologist", "medical", "legal", "general"]
    for name in ("supervisor", "admin", "wallboard"):
        answer = client.get("/api/v1/queues", headers=readers[name])
        assert [row["name"] for row in answer.json["queues"]] == everyone, name
