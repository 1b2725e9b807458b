"""PUT /api/v1/me/presence through HTTP: the console's session (with its CSRF
token) and users' API tokens; what may be chosen, what is refused and why,
and the audit record each change leaves."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from hotline.accounts import auth
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import AuditRecord, Role, User
from hotline.models.states import Presence
from tests.support.pages import PASSWORD, csrf_token, log_in

PATH = "/api/v1/me/presence"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def people(app):
    """aigerim (operator with a phone), dana (operator without), boris (supervisor), alma (admin)."""
    with app.app_context():
        create_user(
            "aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"], phone="+77015550101"
        )
        create_user("dana", Role.OPERATOR, PASSWORD, queues=["medical"], languages=["kk"])
        create_user("boris", Role.SUPERVISOR, PASSWORD)
        create_user("alma", Role.ADMIN, PASSWORD)


def console_of(client, username: str) -> dict:
    """Log in as `username`; the headers the console's fetch sends."""
    assert log_in(client, username, PASSWORD).status_code == 302
    return {"X-CSRFToken": csrf_token(client, "/console")}


def row(app, username: str) -> User:
    with app.app_context():
        return db.session.scalars(select(User).where(User.username == username)).one()


def set_presence(app, username: str, presence: Presence) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.username == username).values(presence=presence))
        db.session.commit()


def changes(app, username: str) -> list[dict]:
    with app.app_context():
        records = db.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "presence.changed", AuditRecord.object_id == username)
            .order_by(AuditRecord.id)
        )
        return [{"actor": r.actor, **r.detail} for r in records]


def test_an_operator_becomes_available_and_away_from_the_console(app, client, people):
    headers = console_of(client, "aigerim")
    answer = client.put(PATH, json={"presence": "available"}, headers=headers)
    assert answer.status_code == 200
    assert answer.json == {
        "username": "aigerim",
        "role": "operator",
        "queues": ["legal"],
        "languages": ["ru"],
        "presence": "available",
        "device": "browser",
    }
    assert client.get("/api/v1/me").json == answer.json
    assert row(app, "aigerim").presence_since is not None

    answer = client.put(PATH, json={"presence": "away", "device": "phone"}, headers=headers)
    assert (answer.status_code, answer.json["presence"], answer.json["device"]) == (200, "away", "phone")
    assert changes(app, "aigerim") == [
        {"actor": "aigerim", "presence": "available", "reason": "chosen"},
        {"actor": "aigerim", "presence": "away", "reason": "chosen"},
    ]


def test_choosing_the_same_presence_keeps_the_place_and_may_change_the_device(app, client, people):
    headers = console_of(client, "aigerim")
    client.put(PATH, json={"presence": "available"}, headers=headers)
    since = row(app, "aigerim").presence_since

    answer = client.put(PATH, json={"presence": "available", "device": "phone"}, headers=headers)
    assert (answer.status_code, answer.json["device"]) == (200, "phone")
    assert row(app, "aigerim").presence_since == since
    assert client.put(PATH, json={"presence": "available"}, headers=headers).json["device"] == "phone"
    assert [change["reason"] for change in changes(app, "aigerim")] == ["chosen", "device"]


def test_the_own_phone_needs_a_number_on_the_account(app, client, people):
    headers = console_of(client, "dana")
    answer = client.put(PATH, json={"presence": "available", "device": "phone"}, headers=headers)
    assert answer.status_code == 409
    assert answer.json == {
        "error": "Conflict",
        "message": "add a phone number to your account before taking calls on your own phone",
    }
    dana = row(app, "dana")
    assert (dana.presence, dana.device) == ("away", "browser")
    assert changes(app, "dana") == []


@pytest.mark.parametrize("state", [Presence.BUSY, Presence.WRAP_UP])
@pytest.mark.parametrize("choice", [{"presence": "available"}, {"presence": "away", "device": "phone"}])
def test_on_a_call_or_in_wrap_up_presence_is_the_systems(app, client, people, state, choice):
    headers = console_of(client, "aigerim")
    set_presence(app, "aigerim", state)
    answer = client.put(PATH, json=choice, headers=headers)
    assert answer.status_code == 409
    assert answer.json["message"] == "you are on a call or in wrap-up: your status changes when it ends"
    aigerim = row(app, "aigerim")
    assert (aigerim.presence, aigerim.device) == (state, "browser")
    assert changes(app, "aigerim") == []


def test_the_console_session_must_send_its_csrf_token(app, client, people):
    console_of(client, "aigerim")
    for headers in ({}, {"X-CSRFToken": "forged"}):
        answer = client.put(PATH, json={"presence": "available"}, headers=headers)
        assert answer.status_code == 400
    assert row(app, "aigerim").presence == "away"


@pytest.mark.parametrize("username", ["aigerim", "boris", "alma"])
def test_every_role_may_choose_with_a_session_or_its_own_token(app, client, people, username):
    with app.app_context():
        token = auth.create_token("mine", username)
    answer = client.put(PATH, json={"presence": "available"}, headers=bearer(token))
    assert (answer.status_code, answer.json["username"], answer.json["presence"]) == (
        200,
        username,
        "available",
    )
    headers = console_of(client, username)
    answer = client.put(PATH, json={"presence": "away"}, headers=headers)
    assert (answer.status_code, answer.json["presence"]) == (200, "away")


def test_tokens_that_may_not_write_are_refused(app, client, people):
    with app.app_context():
        integration = auth.create_token("wallboard")
    answer = client.put(PATH, json={"presence": "available"}, headers=bearer(integration))
    assert (answer.status_code, answer.json["message"]) == (403, "this token is read-only")
    for headers in ({}, bearer("hl_unknown")):
        assert client.put(PATH, json={"presence": "available"}, headers=headers).status_code == 401
    # With a session, a token sent decides, as on every API route.
    console_of(client, "aigerim")
    assert client.put(PATH, json={"presence": "available"}, headers=bearer(integration)).status_code == 403
    assert row(app, "aigerim").presence == "away"


VALID = {"presence": {"available", "away"}, "device": {"browser", "phone"}}


def matches(body: object) -> bool:
    return (
        isinstance(body, dict)
        and "presence" in body
        and set(body) <= set(VALID)
        and all(isinstance(value, str) and value in VALID[name] for name, value in body.items())
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
near_miss = st.fixed_dictionaries(
    {"presence": st.sampled_from(["available", "away", "busy", "wrap_up", "Available", ""]) | json_values},
    optional={
        "device": st.sampled_from(["browser", "phone", "softphone", None]) | json_values,
        "extra": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values | near_miss)
@example(body={"presence": "busy"})
@example(body={"presence": "available", "device": "phone"})
@example(body=[{"presence": "available"}])
def test_any_json_body_is_answered_and_only_a_matching_one_is_taken(app, people, body):
    with app.app_context():
        token = auth.create_token("fuzz", "aigerim")
    client = app.test_client()
    answer = client.put(PATH, data=json.dumps(body), content_type="application/json", headers=bearer(token))
    assert answer.status_code < 500
    if matches(body):
        assert answer.status_code == 200
        assert answer.json["presence"] == body["presence"]
    else:
        assert answer.status_code == 400
        assert set(answer.json) == {"error", "message"}


def test_a_body_that_is_not_json_is_refused(app, client, people):
    with app.app_context():
        token = auth.create_token("mine", "aigerim")
    for data, content_type in (
        ("presence=available", "application/x-www-form-urlencoded"),
        ("{", "application/json"),
    ):
        answer = client.put(PATH, data=data, content_type=content_type, headers=bearer(token))
        assert answer.status_code == 400


def console_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="console-data"[^>]*>(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_console_shows_the_status_and_offers_the_own_phone_only_with_a_number(app, client, people):
    console_of(client, "aigerim")
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="presence" class="presence-state" data-presence="away"' in page
    assert 'name="device" value="phone"' in page and "••••01" in page and "5550101" not in page
    live = console_data(page)
    assert live["presence"] == {"url": PATH, "heartbeat_seconds": 10}
    assert live["labels"]["presence"]["wrap_up"] == "Wrapping up"

    set_presence(app, "aigerim", Presence.BUSY)
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-presence="busy"' in page and "On a call" in page
    presence_controls = re.findall(
        r'<(?:button type="button" data-choose|input type="radio" name="device")[^>]*>', page
    )
    assert len(presence_controls) == 4 and all(
        control.endswith(" disabled>") for control in presence_controls
    )

    client.post("/logout", data={"csrf_token": csrf_token(client, "/console")})
    console_of(client, "dana")
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="device" value="browser" checked' in page and 'value="phone"' not in page
