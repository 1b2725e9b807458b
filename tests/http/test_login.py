"""Login and logout through HTTP: the session, CSRF, the same answer for a wrong
password and an unknown user, deactivation, and the audit trail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Role, User
from tests.support.pages import csrf_token, log_in

PASSWORD = "correct horse battery"


@pytest.fixture
def aigerim(app) -> str:
    """Made in an app context of its own: a context held over the requests would
    share Flask's `g` (and so a cached CSRF token) between them, as no server does."""
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["kk"])
    return "aigerim"


def audit_trail(app) -> list[tuple[str, str]]:
    with app.app_context():
        records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        return [(r.actor, r.action) for r in records if r.action.startswith("user.log")]


def test_root_sends_a_stranger_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/console").headers["Location"].startswith("/login?next=")


def test_logging_in_opens_the_console_and_logging_out_closes_it(app, client, aigerim):
    response = log_in(client, "aigerim", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console"
    assert client.get("/").headers["Location"] == "/console"
    assert client.get("/console").status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/console")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/console").status_code == 302
    assert audit_trail(app) == [("aigerim", "user.logged_in"), ("aigerim", "user.logged_out")]


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(client, aigerim):
    token = csrf_token(client)
    form = {"username": "aigerim", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/console", data=form).headers["Location"] == "/console"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console")})
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        form["csrf_token"] = csrf_token(client)
        assert (
            client.post("/login", query_string={"next": target}, data=form).headers["Location"] == "/console"
        )
        client.post("/logout", data={"csrf_token": csrf_token(client, "/console")})


def _without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf[-_]token" (?:type="hidden" )?(?:content|value)=")[^"]+', r"\1", page).replace(
        "nobody", "aigerim"
    )


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(app, client, aigerim):
    wrong = log_in(client, "aigerim", "not the password")
    unknown = log_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert _without_tokens(wrong.get_data(as_text=True)) == _without_tokens(unknown.get_data(as_text=True))
    assert client.get("/console").status_code == 302
    assert audit_trail(app) == [("aigerim", "user.login_failed"), ("nobody", "user.login_failed")]
    with app.app_context():
        records = db.session.scalars(select(AuditRecord)).all()
        assert all("not the password" not in f"{r.actor}{r.detail}" for r in records)


def test_the_failed_login_message_is_shown(client, aigerim):
    page = log_in(client, "aigerim", "nope", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'role="alert">Wrong username or password.</p>' in page


def test_login_and_logout_without_the_csrf_token_are_refused(client, aigerim):
    response = client.post(
        "/login", data={"username": "aigerim", "password": PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert client.get("/console").status_code == 302

    assert log_in(client, "aigerim", PASSWORD).status_code == 302
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/console").status_code == 200


def test_a_deactivated_user_cannot_log_in_and_their_session_ends(app, client, aigerim, make_app):
    assert log_in(client, "aigerim", PASSWORD).status_code == 302
    assert client.get("/console").status_code == 200
    with app.app_context():
        auth.deactivate_user("aigerim")
    assert client.get("/console").status_code == 302

    other = make_app().test_client()
    refused = log_in(other, "aigerim", PASSWORD)
    assert refused.status_code == 200
    assert 'role="alert"' in refused.get_data(as_text=True)
    assert other.get("/console").status_code == 302


def test_a_password_hashed_with_werkzeugs_default_keeps_working(app, client):
    with app.app_context():
        user = User(username="old", role=Role.OPERATOR, password_hash=generate_password_hash("old password"))
        db.session.add(user)
        db.session.commit()
        assert user.password_hash.startswith("scrypt:")
    assert log_in(client, "old", "old password").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(client, aigerim):
    response = log_in(client, "aigerim", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_in_production(make_app):
    import config as settings

    assert settings.ProductionConfig().SESSION_COOKIE_SECURE is True
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        auth.create_user("dana", Role.OPERATOR, PASSWORD)
    client = app.test_client()
    response = log_in(
        client, "dana", PASSWORD, base_url="https://localhost", headers={"Referer": "https://localhost/login"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_username_no_database_can_hold_is_simply_unknown(app, aigerim):
    with app.app_context():
        assert auth.authenticate("aigerim\x00", PASSWORD) is None
        assert auth.authenticate("aigerim", PASSWORD).username == "aigerim"
