"""The `web` process as the Procfile runs it (gunicorn, one gevent worker), over
real HTTP: /socket.io/'s answers (engine.io's handshake, long-polls and
refusals, which Flask-SocketIO gives before Flask sees the request) carry the
same CSP, nosniff, Referrer-Policy and no-store as every other answer; an
authenticated answer is no-store and a static file is not; and text that is no
UTF-8, or JSON nested 60,000 deep, is a 400 there too (the JSON decoder
recursing inside a greenlet, the path as the server decodes it); a Socket.IO
connect whose token holds a lone surrogate is refused as any wrong token is."""

from __future__ import annotations

import json

import pytest
import requests

from hotline.accounts import auth
from hotline.models import Role
from hotline.web import bodies
from hotline.web.security import CONTENT_SECURITY_POLICY
from tests.support import surrogates
from tests.support.live_events import refusal
from tests.support.servers import web_processes

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
POLLING = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def web(database_url, redis_url, tmp_path_factory) -> str:
    with web_processes(1, database_url, redis_url, tmp_path_factory.mktemp("web")) as [gunicorn]:
        yield gunicorn.url


def assert_headers(answer: requests.Response) -> None:
    assert {name: answer.headers.get(name) for name in HEADERS} == HEADERS, answer.url


def test_socketio_answers_carry_the_apps_headers(web):
    handshake = requests.get(web + POLLING, timeout=5)
    assert handshake.status_code == 200 and handshake.text.startswith("0{")
    sid = json.loads(handshake.text[1:])["sid"]
    session = f"{web}{POLLING}&sid={sid}"
    connect = requests.post(session, data="40", headers={"Content-Type": "text/plain"}, timeout=5)
    assert (connect.status_code, connect.text) == (200, "OK")
    refused = requests.get(session, timeout=5)  # neither a session nor a token: the connect is refused
    assert refused.status_code == 200 and refused.text.startswith("44{")
    unknown = requests.get(f"{web}{POLLING}&sid=nobody", timeout=5)
    assert unknown.status_code == 400
    for answer in (handshake, connect, refused, unknown):
        assert_headers(answer)


def test_authenticated_answers_are_no_store_and_static_files_keep_their_caching(web, make_app):
    app = make_app()
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, queues=["legal"])
        token = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
    for path in ("/api/v1/me/voice-token", "/api/v1/me", "/api/v1/queues"):
        answer = requests.get(web + path, headers=token, timeout=5)
        assert answer.status_code == 200, (path, answer.text)
        assert_headers(answer)
    static = requests.get(web + "/static/css/hotline.css", timeout=5)
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    again = requests.get(web + "/static/css/hotline.css", headers={"If-None-Match": static.headers["ETag"]})
    assert again.status_code == 304


def test_unreadable_requests_are_400_and_the_worker_keeps_answering(web):
    cases = [
        ("PUT", "/api/v1/me/presence", b"[" * 60_000, surrogates.JSON, bodies.TooDeep),
        ("PUT", "/api/v1/me/presence", b'{"presence": "\\ud800"}', surrogates.JSON, bodies.UnreadableText),
        ("POST", "/telephony/voice/incoming", b"From=%ED%A0%80", surrogates.FORM, bodies.UnreadableText),
        ("GET", "/api/v1/calls/%ED%A0%80", b"", None, bodies.UnreadableText),
    ]
    for method, path, body, content_type, error in cases:
        headers = {"Content-Type": content_type} if content_type else {}
        answer = requests.request(method, web + path, data=body, headers=headers, timeout=5)
        assert answer.status_code == 400, (path, answer.text)
        assert error.description in answer.text
        assert_headers(answer)
    assert requests.get(web + "/healthz", timeout=5).status_code == 200


def test_a_socket_token_with_a_lone_surrogate_is_refused_as_a_wrong_one(web):
    for token in ("\ud800", "hl_\udfff" + "x" * 40):
        assert refusal(web, {"token": token}) == "send a valid API token: auth={'token': …}, or log in"
    assert requests.get(web + "/healthz", timeout=5).status_code == 200
