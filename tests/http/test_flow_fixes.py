"""The loose ends the end-to-end flows found or the issue named: a path that is no
CallSid is a 404 before the database (PostgreSQL refuses a NUL: a 500 before);
a caller an operator took waits for the redirect to them, whichever of the
hold music's keypad choice, the transfer's requeue or the Dial's action asks
first; the console's Content-Security-Policy admits the Voice SDK's endpoints
only where the real SDK runs."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Callback
from hotline.web.security import CONTENT_SECURITY_POLICY
from tests.support.calls import twiml
from tests.support.legs import dial_result, queued, take
from tests.support.pages import PASSWORD, log_in


@pytest.fixture
def line(app, staff, app_context, twilio):
    """Signed webhooks to the app with its staff, in an app context."""
    return twilio


CALL_ROUTES = [
    ("GET", "/api/v1/calls/{}", None),
    ("POST", "/api/v1/calls/{}/hangup", None),
    ("POST", "/api/v1/calls/{}/transfer", {"queue": "medical"}),
    ("POST", "/api/v1/calls/{}/accept", None),
    ("POST", "/api/v1/calls/{}/wrap-up", {"outcome": "referred", "category": "documents"}),
]


@pytest.fixture
def supervisor_token(app, staff) -> str:
    with app.app_context():
        return auth.create_token("boris's", "boris")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sid=st.text(max_size=40))
@example(sid="\x00")
@example(sid="CA" + "0" * 31 + "\x00")
@example(sid="CA" + "F" * 32)
@example(sid="CA" + "0" * 32 + "\n")
def test_a_path_that_is_no_call_sid_is_a_404_on_every_call_route(client, supervisor_token, sid):
    headers = {"Authorization": f"Bearer {supervisor_token}"}
    for method, path, body in CALL_ROUTES:
        answer = client.open(path.format(quote(sid, safe="")), method=method, json=body, headers=headers)
        assert answer.status_code < 500, (method, path, sid, answer.get_data(as_text=True))
        if sid and "/" not in sid and sid not in {".", ".."}:
            # One path segment that is no CallSid: this route's own 404, in the API's shape.
            assert answer.status_code == 404, (method, path, sid, answer.get_data(as_text=True))
            assert answer.json["message"] == "no call with that CallSid"


def test_an_unknown_but_well_shaped_sid_is_still_a_404(client, supervisor_token):
    headers = {"Authorization": f"Bearer {supervisor_token}"}
    for method, path, body in CALL_ROUTES:
        answer = client.open(path.format("CA" + "0" * 32), method=method, json=body, headers=headers)
        assert answer.status_code == 404, (method, path, answer.get_data(as_text=True))


def test_the_hold_music_s_keypad_choice_after_the_accept_hears_the_hold_music(line):
    """The wait's own turn is tests/http/test_console_taken_wait.py's; its keypad choice
    (1: call me back) crossing the accept is no callback and no error either."""
    call = queued(line)
    take(call)
    root = twiml(call.press("/telephony/voice/wait/choice", "1"))
    assert [element.tag for element in root] == ["Play"]
    assert call.record().stage == "connected"
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 0


def test_a_returned_caller_taken_at_once_is_enqueued_by_the_dial_action_not_hung_up(line, monkeypatch):
    """The Dial's action sends the caller back and announces them; the next
    operator's accept lands before the action answers (here, at the moment of
    the announcement): the caller must still be put somewhere to wait for its
    redirect, not hung up."""
    from hotline.accounts.users import create_user
    from hotline.operators import legs as assignments

    create_user("bolat", "operator", PASSWORD, queues=["legal"], languages=["ru"])
    call = queued(line)
    first = take(call)
    announce = assignments.announce_return

    def announced_then_taken(record) -> None:
        announce(record)
        take(call, "bolat")

    monkeypatch.setattr(assignments, "announce_return", announced_then_taken)
    root = twiml(dial_result(call, first, "no-answer"))
    assert root.find("Hangup") is None
    assert root.find("Enqueue").text == "legal"
    assert call.record().stage == "connected"


@pytest.fixture
def operator_client(make_app):
    def logged_in(**settings):
        app = make_app(**settings)
        with app.app_context():
            from hotline.accounts.users import create_user

            create_user("aigerim", "operator", PASSWORD, queues=["legal"], languages=["ru"])
        client = app.test_client()
        assert log_in(client, "aigerim", PASSWORD).status_code == 302
        return client

    return logged_in


def test_the_console_admits_the_voice_sdk_only_where_the_real_sdk_runs(operator_client):
    client = operator_client(TELEPHONY_SIMULATOR=False)
    policy = client.get("/console").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["connect-src"].split() == [
        "'self'",
        "wss://voice-js.roaming.twilio.com",
        "https://eventgw.twilio.com",
        "https://sdk.twilio.com",
    ]
    assert directives["media-src"].split() == ["'self'", "https://sdk.twilio.com"]
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    # Every other page, and the API, keep 'self' alone.
    for path in ("/api/v1/me", "/login", "/no-such-page"):
        assert client.get(path).headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path


def test_with_the_simulator_the_console_keeps_self_alone(operator_client):
    client = operator_client()
    answer = client.get("/console")
    assert answer.status_code == 200
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_a_caller_joining_says_whether_they_call_again_and_costs_no_count(line, app):
    from tests.support.published import Published

    published = Published(app)
    first = queued(line, number="+77015559999")
    first.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="3")
    first.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9")
    again = queued(line, number="+77015559999")
    joined = published.named("queue.caller_joined")
    assert [(data["call_sid"], data["repeat_caller"]) for data in joined] == [
        (first.sid, False),
        (again.sid, True),
    ]
    assert all("position" not in data for data in joined)
    assert again.record().case_id == first.record().case_id
