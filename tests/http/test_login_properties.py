"""Whatever is typed into the login form, or sent as its headers and query, the
answer is a page or a clear 4xx: never a 500, never a login. A lone surrogate
in a field, however sent, is a 400 page in the browser's language."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.accounts import auth
from hotline.models import Role
from tests.support import surrogates
from tests.support.database import row_counts
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


UNREADABLE = {
    "kk": "Мәтінді оқу мүмкін болмады",
    "ru": "Не удалось прочитать текст",
    "en": "The text could not be read",
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    username=st.sampled_from(["aigerim", ""]) | st.text(max_size=30) | surrogates.with_surrogates,
    password=st.sampled_from([PASSWORD, ""]) | st.text(max_size=30) | surrogates.with_surrogates,
    carrier=st.sampled_from(surrogates.CARRIERS),
    language=st.sampled_from(sorted(UNREADABLE)),
)
@example(username="aigerim\ud800", password=PASSWORD, carrier="form-percent", language="kk")
@example(username="aigerim", password=PASSWORD + "\udfff", carrier="form-raw", language="en")
@example(username="\ud800", password=PASSWORD, carrier="json-escaped", language="ru")
def test_a_login_field_with_a_lone_surrogate_is_a_400_page_and_writes_nothing(
    login_app, username, password, carrier, language
):
    """However the surrogate is sent (a JSON escape, JSON's or a form's raw
    bytes, percent-encoded), a page in the browser's language; no audit record."""
    client = login_app.test_client()
    browser = {"Accept-Language": language}
    form = {"username": username, "password": password, "csrf_token": csrf_token(client, headers=browser)}
    sent, content_type = surrogates.body(form, carrier)
    with login_app.app_context():
        before = row_counts()
    response = client.post("/login", data=sent, content_type=content_type, headers=browser)
    page = response.get_data(as_text=True)
    if surrogates.has_surrogate(username, password):
        assert response.status_code == 400
        assert f'<h1 id="error-heading">{UNREADABLE[language]}</h1>' in page
        assert f'<html lang="{language}">' in page
        with login_app.app_context():
            assert row_counts() == before
    else:
        assert response.status_code in (200, 302, 400, 415), page[:300]
