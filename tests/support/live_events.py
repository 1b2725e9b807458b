"""Live screens and a Redis to freeze: a real python-socketio client on a live
server, as a wallboard (a token) or a console (a logged-in session) connects,
and a redis-server of a test's own."""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio
from flask import Flask
from redis import Redis
from redis.exceptions import TimeoutError as RedisTimeoutError

from hotline.accounts import auth
from hotline.core import embedded_redis
from hotline.extensions import SOCKETIO_CHANNEL
from tests.support.pages import CSRF_META, PASSWORD
from tests.support.servers import free_port
from tests.support.waiting import eventually


class LiveScreen:
    """Connected with an API token; keeps every event it receives, in order."""

    def __init__(self, url: str, token: str) -> None:
        self.received: list[tuple[str, dict]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda event, data: self.received.append((event, data)))
        self.client.connect(url, auth={"token": token}, transports=["polling"], wait_timeout=5)

    def wait_for(self, event: str, call_sid: str, timeout: float = 5) -> dict:
        return self.heard(
            event, lambda data: data.get("call_sid") == call_sid, timeout, f"{event} for {call_sid}"
        )

    def heard(self, event: str, matches: Callable[[dict], bool], timeout: float = 5, what: str = "") -> dict:
        """The first `event` received whose data `matches`, waiting for it."""
        return eventually(
            lambda: next(
                (data for name, data in list(self.received) if name == event and matches(data)), None
            ),
            timeout=timeout,
            what=lambda: f"no {what or event}; received {self.received}",
            every=0.01,
        )

    def close(self) -> None:
        self.client.disconnect()


def refusal(url: str, credentials: object, headers: dict | None = None) -> str:
    """Connect as a client with `credentials` (and `headers`: a browser's
    cookie); the server's reason for refusing.

    The client hangs up without waiting for its long-poll to end: after a
    refusal python-engineio may hold it until the next ping (25 s)."""
    refused = threading.Event()
    reasons: list[str] = []
    client = socketio.Client(reconnection=False)

    @client.on("connect_error")
    def _refused(data) -> None:
        reasons.append(data.get("message") if isinstance(data, dict) else str(data))
        refused.set()

    client.connect(url, auth=credentials, headers=headers or {}, transports=["polling"], wait=False)
    try:
        if not refused.wait(5):
            raise AssertionError(f"connected with {credentials!r}")
    finally:
        client.eio.disconnect(abort=True)
    return reasons[0]


def integration_token(app: Flask) -> str:
    with app.app_context():
        return auth.create_token("wallboard")


def listening(redis_url: str, connect):
    """Run `connect()`, then wait until the server it reached listens on the
    message queue (its listener subscribes on the first connection)."""
    redis = Redis.from_url(redis_url)
    before = redis.pubsub_numsub(SOCKETIO_CHANNEL)[0][1]
    result = connect()
    eventually(
        lambda: redis.pubsub_numsub(SOCKETIO_CHANNEL)[0][1] > before,
        timeout=5,
        what="the Socket.IO server never subscribed to the message queue",
        every=0.01,
    )
    return result


@contextmanager
def private_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A redis-server of this test's own, to freeze: never the session's."""
    port = free_port()
    process = subprocess.Popen(embedded_redis.argv(port, tmp_path, persist=False), stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        embedded_redis.wait_until_ready(url)
        yield process, url
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait(5)


@contextmanager
def frozen(process: subprocess.Popen, url: str):
    process.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(RedisTimeoutError):
            Redis.from_url(url, socket_timeout=0.2).ping()
        yield
    finally:
        process.send_signal(signal.SIGCONT)


def logged_in(url: str, username: str) -> requests.Session:
    """A browser's session on the live server: the login form, over HTTP."""
    browser = requests.Session()
    token = CSRF_META.search(browser.get(f"{url}/login").text).group(1)
    answer = browser.post(
        f"{url}/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.ok and answer.url.endswith("/console"), answer.url
    return browser


class Console(LiveScreen):
    """A console's live connection: the session cookie, no token."""

    def __init__(self, url: str, browser: requests.Session) -> None:
        self.received = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", lambda event, data: self.received.append((event, data)))
        self.client.connect(url, headers=cookie_header(browser), transports=["polling"], wait_timeout=5)


def cookie_header(browser: requests.Session) -> dict[str, str]:
    """The browser's cookies as it sends them: for a Socket.IO client, or to replay them."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in browser.cookies.items())}
