"""Whatever is typed into the login form, or sent as its headers and query, the
answer is a page or a clear 4xx: never a 500, never a login."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.accounts import auth
from hotline.models import Role
from tests.support.pages import csrf_token

PASSWORD = "correct horse battery"
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    username=st.text(max_size=100),
    password=st.text(max_size=100),
    accept_language=header_text,
    target=st.text(max_size=40),
    with_token=st.booleans(),
)
@example(username="aigerim\x00", password=PASSWORD, accept_language="kk", target="//evil", with_token=True)
@example(username="aigerim", password=PASSWORD + "\x00", accept_language="*", target="", with_token=True)
@example(username="a" * 100, password="", accept_language="ru;q=abc", target="\\\\x", with_token=True)
def test_hostile_logins_get_a_clear_answer_and_never_log_in(
    login_app, username, password, accept_language, target, with_token
):
    client = login_app.test_client()
    headers = {"Accept-Language": accept_language}
    form = {"username": username, "password": password}
    if with_token:
        form["csrf_token"] = csrf_token(client, headers=headers)
    response = client.post("/login", query_string={"next": target}, data=form, headers=headers)
    assert response.status_code in (200, 400)
    assert client.get("/console").status_code == 302


@pytest.fixture
def login_app(make_app):
    app = make_app(HOTLINE_LOGIN_RATE_LIMIT="100000 per minute")
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD)
    return app
