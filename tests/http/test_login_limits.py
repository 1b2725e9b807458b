"""Login attempts are limited per username and per address, in the real Redis
(the fixture flushes it after each test); only failed attempts count."""

from __future__ import annotations

import pytest

from hotline.accounts import auth
from hotline.models import Role
from tests.support.pages import log_in

PASSWORD = "correct horse battery"


@pytest.fixture
def aigerim(app) -> str:
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD)
    return "aigerim"


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


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
    assert log_in(client, "aigerim", PASSWORD, **from_address("10.0.0.8")).status_code == 302


def test_successful_logins_do_not_count(client, aigerim):
    for _ in range(7):
        assert log_in(client, "aigerim", PASSWORD).status_code == 302
        client.get("/")  # a logged-in user is sent on from the login page
        client.delete_cookie("session")


def test_the_limit_is_configurable(make_app):
    app = make_app(HOTLINE_LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    assert [log_in(client, "x", "wrong").status_code for _ in range(3)] == [200, 200, 429]
