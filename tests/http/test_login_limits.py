"""Login attempts are limited per username and per address, in the real Redis
(the fixture flushes it after each test): each attempt is counted before its
password is checked, and given back when it succeeds. Counters that do not answer
refuse the login; a body that is not the login's form is refused and counts for nobody."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Role
from tests.support.pages import csrf_token, log_in
from tests.support.servers import free_port

PASSWORD = "correct horse battery"


@pytest.fixture
def aigerim(app) -> str:
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD)
    return "aigerim"


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def login_actions(app) -> list[str]:
    with app.app_context():
        records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        return [r.action for r in records if r.action.startswith("user.log")]


def test_a_username_is_limited_whatever_address_tries_it(client, aigerim):
    for n in range(5):
        assert log_in(client, "aigerim", "wrong", **from_address(f"10.0.0.{n}")).status_code == 200
    assert log_in(client, "aigerim", "wrong", **from_address("10.0.0.99")).status_code == 429
    # Even the right password waits out the limit; another user does not.
    assert log_in(client, "aigerim", PASSWORD, **from_address("10.0.1.1")).status_code == 429
    assert log_in(client, "AIGERIM ", PASSWORD, **from_address("10.0.1.1")).status_code == 429
    assert log_in(client, "dana", "wrong", **from_address("10.0.1.1")).status_code == 200


def test_an_address_is_limited_whatever_usernames_it_tries(client, aigerim):
    for n in range(5):
        assert log_in(client, f"guess{n}", "wrong", **from_address("10.0.0.7")).status_code == 200
    response = log_in(client, "aigerim", PASSWORD, **from_address("10.0.0.7"))
    assert response.status_code == 429
    assert "Content-Security-Policy" in response.headers
    assert response.headers["Retry-After"] == "60"
    assert log_in(client, "aigerim", PASSWORD, **from_address("10.0.0.8")).status_code == 302


def test_a_refused_attempt_is_not_checked(app, client, aigerim):
    statuses = [log_in(client, "aigerim", "wrong").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    assert login_actions(app) == ["user.login_failed"] * 5


def test_successful_logins_do_not_count(client, aigerim):
    for _ in range(7):
        assert log_in(client, "aigerim", PASSWORD).status_code == 302
        client.get("/")  # a logged-in user is sent on from the login page
        client.delete_cookie("session")


def test_a_successful_login_gives_its_attempt_back_and_no_more(client, aigerim):
    for _ in range(4):
        assert log_in(client, "aigerim", "wrong").status_code == 200
    assert log_in(client, "aigerim", PASSWORD).status_code == 302
    client.delete_cookie("session")
    assert log_in(client, "aigerim", "wrong").status_code == 200
    assert log_in(client, "aigerim", "wrong").status_code == 429


def test_the_limit_is_configurable(make_app):
    app = make_app(HOTLINE_LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert [log_in(client, "x", "wrong").status_code for _ in range(3)] == [200, 200, 429]


def test_several_limits_each_hold(make_app):
    app = make_app(HOTLINE_LOGIN_RATE_LIMIT="10 per minute; 3 per hour")
    client = app.test_client()
    assert [log_in(client, "x", "wrong").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_form_that_does_not_validate_checks_no_password_and_counts_for_nobody(app, client, aigerim):
    for _ in range(7):
        token = csrf_token(client)
        response = client.post("/login", data={"username": "aigerim", "password": "", "csrf_token": token})
        assert response.status_code == 200
    assert log_in(client, "aigerim", PASSWORD).status_code == 302
    assert login_actions(app) == ["user.logged_in"]


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/json", json.dumps({"username": "aigerim", "password": "wrong"})),
        ("text/plain", "username=aigerim&password=wrong"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\na\r\n--x--\r\n',
        ),
    ],
)
def test_a_login_that_is_not_the_form_is_refused_and_counts_for_nobody(
    app, client, aigerim, content_type, body
):
    headers = {"X-CSRFToken": csrf_token(client), "Accept-Language": "en"}
    for _ in range(6):
        response = client.post("/login", data=body, content_type=content_type, headers=headers)
        assert response.status_code == 415
        assert "takes only its own form" in response.get_data(as_text=True)
    assert [log_in(client, "aigerim", "wrong").status_code for _ in range(6)] == [200] * 5 + [429]
    assert login_actions(app) == ["user.login_failed"] * 5


def test_a_login_is_refused_while_the_counters_cannot_be_reached(make_app, aigerim):
    # Nothing listens on this port: every count fails at once.
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    response = log_in(client, "aigerim", PASSWORD, headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "Wait a minute, then try again." in response.get_data(as_text=True)
    for language, words in (("ru", "Подождите минуту"), ("kk", "Бір минут күтіп")):
        refused = log_in(client, "aigerim", PASSWORD, headers={"Accept-Language": language})
        assert words in refused.get_data(as_text=True)
    assert client.get("/console").status_code == 302
    assert login_actions(app) == []
