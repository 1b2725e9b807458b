"""Sessions that end on the server: a cookie kept from before a logout or a
deactivation is refused (401 on the API, the login page for pages), a logout
ends every session of that user, and a login older than
HOTLINE_SESSION_MAX_AGE_SECONDS is refused whatever the browser sends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import update

import config as settings
from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Role, User
from tests.support.clock import later
from tests.support.pages import PASSWORD, csrf_token, log_in

HOUR = 3600


@pytest.fixture
def aigerim(app) -> str:
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["kk"])
    return "aigerim"


def logged_in(app, username: str = "aigerim"):
    client = app.test_client()
    assert log_in(client, username, PASSWORD).status_code == 302
    return client


def replaying(app, client):
    """Another client sending the cookie `client` holds now, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def assert_refused(client) -> None:
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/console")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")


def log_out(client) -> None:
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/console")})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"


def test_a_cookie_replayed_after_logout_is_refused(app, aigerim):
    browser = logged_in(app)
    browser.get("/console")  # the cookie as the browser last had it, its CSRF token in it
    thief = replaying(app, browser)
    assert thief.get("/api/v1/me").json["username"] == "aigerim"

    log_out(browser)

    assert_refused(thief)
    assert_refused(browser)


def test_a_logout_ends_every_session_of_that_user_and_no_other(app, aigerim):
    with app.app_context():
        auth.create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"])
    office, home, dana = logged_in(app), logged_in(app), logged_in(app, "dana")

    log_out(office)

    assert_refused(home)
    assert dana.get("/api/v1/me").json["username"] == "dana"
    again = logged_in(app)
    assert again.get("/api/v1/me").json["username"] == "aigerim"


def test_a_deactivated_users_old_cookie_stays_refused_were_they_active_again(app, aigerim):
    thief = replaying(app, logged_in(app))
    with app.app_context():
        auth.deactivate_user("aigerim")
        db.session.execute(update(User).where(User.username == "aigerim").values(active=True))
        db.session.commit()
    assert_refused(thief)
    assert logged_in(app).get("/api/v1/me").status_code == 200


def test_a_session_older_than_the_maximum_age_is_refused(make_app):
    app = make_app(HOTLINE_SESSION_MAX_AGE_SECONDS=HOUR)
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
    with time_machine.travel(later(), tick=False) as clock:
        browser = logged_in(app)
        clock.shift(timedelta(minutes=50))
        # Signed again now (its CSRF token added): Flask's own check of the
        # cookie's age would pass it; the login's time is what refuses it.
        assert "Set-Cookie" in browser.get("/console").headers
        thief = replaying(app, browser)
        clock.shift(timedelta(minutes=10))
        assert browser.get("/api/v1/me").status_code == 200
        clock.shift(timedelta(seconds=1))
        assert_refused(browser)
        assert_refused(thief)
        assert logged_in(app).get("/api/v1/me").status_code == 200


def test_the_cookies_lifetime_is_the_sessions_maximum_age(make_app):
    assert settings.ProductionConfig().HOTLINE_SESSION_MAX_AGE_SECONDS == 12 * HOUR
    assert make_app(HOTLINE_SESSION_MAX_AGE_SECONDS=HOUR).permanent_session_lifetime == timedelta(hours=1)


def test_a_maximum_age_of_no_time_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("HOTLINE_SESSION_MAX_AGE_SECONDS", "0")
    with pytest.raises(RuntimeError, match="HOTLINE_SESSION_MAX_AGE_SECONDS"):
        settings.load("testing")
