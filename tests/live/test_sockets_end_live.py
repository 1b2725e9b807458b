"""Live connections end with their right, on the server as the Procfile runs it
(gunicorn, one gevent worker, a redis-server of the test's own), with real
python-socketio clients: a console is disconnected within 2 s of its user's
logout or of `flask deactivate-user` (another process: the CLI), a token's
screen within 2 s of `flask revoke-token` or of its user's deactivation, and no
one else's connection ends. A replayed cookie is refused by the API, the pages
and Socket.IO. With Redis frozen a logout still answers at once, and the next
heartbeat disconnects what the lost message did not."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from flask import Flask

from hotline import events
from hotline.accounts import auth
from hotline.accounts.users import create_user
from hotline.console.sockets import ALIVE
from hotline.models import Role
from tests.support.calls import Http, ScriptedCall, TwilioWebhooks
from tests.support.live_events import (
    Console,
    LiveScreen,
    cookie_header,
    frozen,
    listening,
    logged_in,
    private_redis,
    refusal,
)
from tests.support.pages import CSRF_META, PASSWORD
from tests.support.servers import ROOT, WebProcess, environment, tail, web_processes
from tests.support.waiting import eventually

WITHIN = 2  # seconds: the bound from the ending to the disconnect
NOT_LOGGED_IN = "send a valid API token: auth={'token': …}, or log in"


@dataclass
class Site:
    app: Flask  # the test's own, on the same database and Redis: users and tokens
    web: WebProcess
    database_url: str
    redis_url: str
    redis: subprocess.Popen

    def flask(self, *args: str) -> str:
        """A flask command in a process of its own, as an admin runs it."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "hotline", *args],
            cwd=ROOT,
            env=environment(self.database_url, self.redis_url),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listens: bool = False  # the server subscribes to the message queue on its first connection

    def console(self, username: str) -> tuple[Console, requests.Session]:
        browser = logged_in(self.web.url, username)
        return self._connected(lambda: Console(self.web.url, browser)), browser

    def screen(self, token: str) -> LiveScreen:
        return self._connected(lambda: LiveScreen(self.web.url, token))

    def _connected(self, connect):
        if self.listens:
            return connect()
        self.listens = True
        return listening(self.redis_url, connect)


@pytest.fixture
def site(make_app, database_url, tmp_path) -> Iterator[Site]:
    with (
        private_redis(tmp_path) as (process, url),
        web_processes(1, database_url, url, tmp_path) as [web],
    ):
        app = make_app(REDIS_URL=url)
        with app.app_context():
            create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
            create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
            create_user("boris", Role.SUPERVISOR, PASSWORD)
        yield Site(app, web, database_url, url, process)


def token_for(app: Flask, name: str, username: str | None = None) -> str:
    with app.app_context():
        return auth.create_token(name, username)


def disconnected(site: Site, *screens: LiveScreen, since: float) -> None:
    """Every one of `screens` disconnected within WITHIN seconds of `since`."""
    eventually(
        lambda: not any(screen.client.connected for screen in screens),
        timeout=max(0.0, since + WITHIN - time.monotonic()),
        what=lambda: f"still connected {WITHIN} s on; the server's log:\n{tail(site.web.log)}",
        every=0.01,
    )


def close(*screens: LiveScreen) -> None:
    for screen in screens:
        if screen.client.connected:
            screen.close()


def caller_joins_legal(site: Site) -> ScriptedCall:
    call = ScriptedCall(TwilioWebhooks(Http(site.web.url), base_url=site.web.url), "+77015550001")
    for answer in (
        call.dial(),
        call.press("/telephony/voice/language?attempt=1", "2"),
        call.press("/telephony/voice/menu?attempt=1", "3"),
    ):
        assert answer.status_code == 200, answer.text
    return call


def csrf_token(site: Site, browser: requests.Session) -> str:
    return CSRF_META.search(browser.get(f"{site.web.url}/console").text).group(1)


def log_out(site: Site, browser: requests.Session, token: str) -> float:
    """POST /logout as the console's button does; when it answered."""
    answer = browser.post(f"{site.web.url}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login", answer.status_code
    return time.monotonic()


def assert_refused(site: Site, cookie: dict[str, str]) -> None:
    """A cookie kept from before: 401 on the API, the login page, no live connection."""
    assert requests.get(f"{site.web.url}/api/v1/me", headers=cookie, timeout=5).status_code == 401
    page = requests.get(f"{site.web.url}/console", headers=cookie, allow_redirects=False, timeout=5)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert refusal(site.web.url, None, headers=cookie) == NOT_LOGGED_IN


def test_a_logout_disconnects_the_users_consoles_and_its_cookie_stays_refused(site):
    console, browser = site.console("aigerim")
    other_tab = Console(site.web.url, browser)
    dana, _ = site.console("dana")
    kept = cookie_header(browser)
    try:
        assert requests.get(f"{site.web.url}/api/v1/me", headers=kept, timeout=5).status_code == 200
        disconnected(site, console, other_tab, since=log_out(site, browser, csrf_token(site, browser)))
        assert dana.client.connected
        assert_refused(site, kept)
    finally:
        close(console, other_tab, dana)


def test_deactivate_user_in_another_process_disconnects_their_console_and_token_screen(site):
    console, browser = site.console("boris")
    wallboard = site.screen(token_for(site.app, "boris-wallboard", "boris"))
    operator, _ = site.console("aigerim")
    kept = cookie_header(browser)
    try:
        output = site.flask("deactivate-user", "boris")
        disconnected(site, console, wallboard, since=time.monotonic())
        assert "revoked 1 API token(s)" in output

        call = caller_joins_legal(site)
        operator.wait_for(events.CALLER_JOINED, call.sid)
        assert all(data.get("call_sid") != call.sid for _name, data in console.received + wallboard.received)
        assert_refused(site, kept)
    finally:
        close(console, wallboard, operator)


def test_revoke_token_in_another_process_disconnects_that_tokens_screens_only(site):
    revoked = site.screen(token_for(site.app, "boris-wallboard", "boris"))
    integration = site.screen(token_for(site.app, "wallboard"))
    console, _ = site.console("boris")
    try:
        assert "revoked 1 API token(s)" in site.flask("revoke-token", "boris-wallboard")
        disconnected(site, revoked, since=time.monotonic())
        assert integration.client.connected and console.client.connected
        call = caller_joins_legal(site)
        integration.wait_for(events.CALLER_JOINED, call.sid)
        console.wait_for(events.CALLER_JOINED, call.sid)
    finally:
        close(revoked, integration, console)


def test_with_redis_frozen_a_logout_answers_and_the_next_heartbeat_disconnects(site):
    console, browser = site.console("aigerim")
    wallboard = site.screen(token_for(site.app, "boris-wallboard", "boris"))
    try:
        token = csrf_token(site, browser)
        with frozen(site.redis, site.redis_url):
            started = time.monotonic()
            assert log_out(site, browser, token) - started < 1.0
            with site.app.app_context():
                auth.revoke_token("boris-wallboard")
            assert console.client.connected and wallboard.client.connected  # the ending was lost
            for screen in (console, wallboard):
                screen.client.emit(ALIVE)
            disconnected(site, console, wallboard, since=time.monotonic())
    finally:
        close(console, wallboard)
