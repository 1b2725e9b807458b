"""Every response's security headers (and no-store on all but static files,
/socket.io/'s answers too), CSRF's exemptions (signed webhooks, the
simulator's Basic-auth API, Bearer-token API requests), roles' 403, and no
inline script or style in any template."""

from __future__ import annotations

import base64
import re

import pytest
from flask import g, jsonify

from hotline.accounts import auth
from hotline.models import Role
from tests.support.calls import HOTLINE, ScriptedCall
from tests.support.pages import PASSWORD, log_in
from tests.support.servers import ROOT

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"


def assert_secure_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_errors_and_webhooks_carry_the_security_headers(client, twilio):
    for path, status in (("/login", 200), ("/", 302), ("/no-such-page", 404), ("/healthz", 200)):
        response = client.get(path)
        assert response.status_code == status
        assert_secure_headers(response)
    refused = client.post("/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 400
    assert_secure_headers(refused)
    assert_secure_headers(ScriptedCall(twilio).dial())


def test_every_answer_but_a_static_file_is_no_store(app, client, twilio, staff):
    with app.app_context():
        token = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
    answers = [client.get("/login"), client.get("/api/v1/me"), client.get("/no-such-page")]
    answers += [client.get(path, headers=token) for path in ("/api/v1/me/voice-token", "/api/v1/queues")]
    assert log_in(client, "aigerim", PASSWORD).status_code == 302
    answers += [client.get(path) for path in ("/console", "/api/v1/me", "/api/v1/me/voice-token")]
    answers += [client.get("/admin/users"), ScriptedCall(twilio).dial()]
    assert [answer.status_code for answer in answers] == [200, 401, 404, 200, 200, 200, 200, 200, 403, 200]
    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store", answer.request.path


def test_static_files_keep_their_caching(client, staff):
    assert log_in(client, "aigerim", PASSWORD).status_code == 302
    first = client.get("/static/css/hotline.css")
    assert first.status_code == 200
    assert "no-store" not in first.headers.get("Cache-Control", "")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert_secure_headers(first)
    again = client.get("/static/css/hotline.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_socketio_answers_carry_the_same_headers(client):
    """Flask-SocketIO's middleware answers these before Flask: the handshake, and a refusal."""
    handshake = client.get("/socket.io/?EIO=4&transport=polling")
    assert handshake.status_code == 200 and handshake.get_data(as_text=True).startswith("0{")
    unknown = client.get("/socket.io/?EIO=4&transport=polling&sid=nobody")
    assert unknown.status_code == 400
    for answer in (handshake, unknown):
        assert_secure_headers(answer)
        assert answer.headers["Cache-Control"] == "no-store"


def test_signed_webhooks_need_no_csrf_token(twilio):
    response = ScriptedCall(twilio).dial()
    assert response.status_code == 200
    assert b"<Gather" in response.data


def test_the_simulators_rest_api_needs_no_csrf_token(client, app):
    sid, token = app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"]
    basic = base64.b64encode(f"{sid}:{token}".encode()).decode()
    response = client.post(
        f"/simulator/2010-04-01/Accounts/{sid}/Messages.json",
        data={"To": "+77015550000", "From": HOTLINE, "Body": "hello"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.fixture
def write_route(app):
    """A write endpoint for these tests alone: the console's API arrives later in issue 7."""

    @auth.token_required(write=True)
    def write_something():
        return jsonify(user=g.api_user.username)

    app.add_url_rule("/api/v1/test-only-write", "test_only_write", write_something, methods=["POST"])
    return "/api/v1/test-only-write"


def test_api_requests_with_a_bearer_token_need_no_csrf_token(app, client, write_route):
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR)
        token = auth.create_token("console", "aigerim")
    response = client.post(write_route, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"user": "aigerim"}
    # Without any credentials the token decides alone: 401.
    assert client.post(write_route).status_code == 401
    # A logged-in browser session without a Bearer token needs the CSRF token.
    auth_user = {"username": "dana", "password": PASSWORD}
    with app.app_context():
        auth.create_user(auth_user["username"], Role.OPERATOR, PASSWORD)
    assert log_in(client, **auth_user).status_code == 302
    assert client.post(write_route).status_code == 400
    assert client.post(write_route, headers={"Authorization": "Basic eDp5"}).status_code == 400
    response = client.post(write_route, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.fixture
def role_routes(app):
    """Pages for these tests alone, one per rule: the admin pages arrive later in issue 7."""

    @auth.role_required("admin")
    def admin_only():
        return "admin page"

    @auth.role_required("supervisor", "admin")
    def supervisors():
        return "supervisors' page"

    app.add_url_rule("/test-only-admin", "test_only_admin", admin_only)
    app.add_url_rule("/test-only-supervisors", "test_only_supervisors", supervisors)
    with app.app_context():
        for role in Role:
            auth.create_user(role.value, role, PASSWORD)


@pytest.mark.parametrize(
    ("role", "admin_page", "supervisors_page"),
    [("operator", 403, 403), ("supervisor", 403, 200), ("admin", 200, 200)],
)
def test_each_role_opens_only_its_pages(app, role_routes, role, admin_page, supervisors_page):
    client = app.test_client()
    assert log_in(client, role, PASSWORD).status_code == 302
    refused = client.get("/test-only-admin")
    assert refused.status_code == admin_page
    assert client.get("/test-only-supervisors").status_code == supervisors_page
    if admin_page == 403:
        assert refused.content_type.startswith("text/html")
        assert '<h1 id="error-heading">Вам это недоступно</h1>' in refused.get_data(as_text=True)
        assert_secure_headers(refused)


def test_role_pages_send_a_stranger_to_the_login_page(client, role_routes):
    response = client.get("/test-only-admin")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.I)


def test_no_template_has_inline_script_or_style():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE):
            assert not pattern.search(text), f"{path.relative_to(ROOT)}: {pattern.pattern}"


@pytest.mark.parametrize(
    "snippet",
    ["<script>alert(1)</script>", '<button onclick="x()">', '<p style="color:red">', "<style>p{}</style>"],
)
def test_the_template_scan_finds_what_it_looks_for(snippet):
    assert any(pattern.search(snippet) for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE))
    assert not any(
        pattern.search('<script type="module" src="/static/js/x.js"></script>')
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE)
    )
