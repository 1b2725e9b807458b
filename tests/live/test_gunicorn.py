"""The `web` process as the Procfile starts it (gunicorn, config/gunicorn.py, one gevent
worker): oversized bodies, forwarded headers, the signed URL and the control socket,
where the behaviour belongs to the server and not to the app alone."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.extensions import db
from tests.support.calls import AUTH_TOKEN, TwilioWebhooks
from tests.support.live_server import serve
from tests.support.servers import ROOT, free_port
from tests.support.waiting import eventually

BIG = 19 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"


def post_signed(base: str, path: str, data: dict, signed_url: str | None, headers: dict | None = None) -> int:
    """POST a form to `base + path`, signed over `signed_url` (that URL itself when None)."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(signed_url or base + path, data)
    request = urllib.request.Request(
        base + path,
        data=urllib.parse.urlencode(data).encode(),
        headers={"X-Twilio-Signature": signature, "Content-Type": FORM, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthz(self, timeout: float = 2) -> int:
        with urllib.request.urlopen(self.url + "/healthz", timeout=timeout) as answer:
            return answer.status

    def post(self, path: str, data: dict, signed_url: str | None, headers: dict | None = None) -> int:
        return post_signed(self.url, path, data, signed_url, headers)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: master and worker
            self.process.wait(15)


def start_gunicorn(workdir: Path, database_url: str, redis_url: str, home: Path) -> Gunicorn:
    """`web: gunicorn -c config/gunicorn.py "hotline:create_app()"`, on a free port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"}}
    env.update(
        HOTLINE_ENV="testing",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        HOST="127.0.0.1",
        PORT=str(port),
        HOME=str(home),
        XDG_RUNTIME_DIR=str(home),
    )
    log = workdir / f"gunicorn-{port}.log"
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "hotline:create_app()"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Gunicorn(process, port, log)

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            return server.healthz() == 200
        return False

    try:
        eventually(
            healthy,
            timeout=30,
            what=lambda: f"gunicorn did not become healthy:\n{log.read_text()[-3000:]}",
            every=0.1,
        )
    except AssertionError:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def web_home(tmp_path_factory) -> Path:
    """HOME and XDG_RUNTIME_DIR of the gunicorns here: where a control socket would go."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def web_database(tmp_path_factory, redis_url) -> str:
    """A database of their own, so the rows these servers write stay out of other tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web-db') / 'hotline.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="module")
def web(tmp_path_factory, web_database, redis_url, web_home):
    server = start_gunicorn(tmp_path_factory.mktemp("web"), web_database, redis_url, web_home)
    yield server
    server.stop()


def read_status(sock: socket.socket) -> int:
    """The status code of the answer on `sock` (its first line)."""
    received = b""
    while b"\r\n" not in received:
        piece = sock.recv(4096)
        if not piece:
            break
        received += piece
    return int(received.split(b" ", 2)[1])


def test_a_19_mb_body_is_413_and_the_worker_keeps_answering(web):
    head = (
        "POST /telephony/voice/incoming HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{web.port}\r\nContent-Type: {FORM}\r\n"
        f"X-Twilio-Signature: Zm9yZ2Vk\r\nContent-Length: {BIG}\r\n\r\n"
    ).encode()
    first_mb = threading.Event()
    go_on = threading.Event()

    def upload(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.sendall(head + b"From=" + b"7" * (1024 * 1024))
            first_mb.set()
            go_on.wait(10)
            for _ in range(18):
                sock.sendall(b"7" * (1024 * 1024))

    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        sender = threading.Thread(target=upload, args=(sock,), daemon=True)
        sender.start()
        assert first_mb.wait(10)
        assert read_status(sock) == 413  # answered while 18 MB are still to come
        started = time.monotonic()
        assert web.healthz() == 200
        assert time.monotonic() - started < 1
        go_on.set()
        sender.join(20)
    assert web.healthz() == 200


def test_a_chunked_body_past_the_limit_is_413(web):
    head = (
        "POST /telephony/voice/incoming HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{web.port}\r\nContent-Type: {FORM}\r\n"
        "X-Twilio-Signature: Zm9yZ2Vk\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n%s\r\n" % (16 * 1024, b"7" * 16 * 1024)
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        sock.sendall(head + b"5\r\nFrom=\r\n" + chunk * 5)  # 80 KiB, more to come
        assert read_status(sock) == 413
        assert web.healthz() == 200


def test_forwarded_proto_from_localhost_is_ignored_without_trusted_proxies(web):
    hooks = TwilioWebhooks(None)
    forwarded = {"X-Forwarded-Proto": "https"}
    https_url = web.url.replace("http://", "https://") + "/telephony/voice/incoming"
    data = {"CallSid": hooks.new_call_sid(), "From": "+77015551234"}
    assert web.post("/telephony/voice/incoming", data, signed_url=https_url, headers=forwarded) == 403
    assert web.post("/telephony/voice/incoming", data, signed_url=None, headers=forwarded) == 200


ENCODED = "/telephony/voice/wait?from=a%2Fb"


def test_gunicorn_checks_the_signature_over_the_url_as_requested(web):
    data = {"CallSid": TwilioWebhooks.new_call_sid()}
    # An unknown call: 404 comes after the signature was accepted, 403 if it was not.
    assert web.post(ENCODED, data, signed_url=None) == 404
    assert web.post(ENCODED, data, signed_url=web.url + ENCODED.replace("%2F", "/")) == 403
    assert web.post(ENCODED.replace("a%2Fb", "a%2Fc"), data, signed_url=web.url + ENCODED) == 403


def test_the_live_server_checks_the_signature_over_the_url_as_requested(make_app):
    data = {"CallSid": TwilioWebhooks.new_call_sid()}
    with serve(make_app) as live:
        assert post_signed(live.url, ENCODED, data, signed_url=None) == 404
        assert post_signed(live.url, ENCODED, data, signed_url=live.url + ENCODED.replace("%2F", "/")) == 403


def control_sockets(home: Path) -> list[Path]:
    return [path for path in [*home.rglob("*"), *(ROOT / "instance").glob("*")] if path.is_socket()]


def test_two_instances_share_no_control_socket(web, tmp_path, web_database, redis_url, web_home):
    # gunicorn's default would put one at $XDG_RUNTIME_DIR/gunicorn.ctl for both, and
    # stopping either would delete it.
    second = start_gunicorn(tmp_path, web_database, redis_url, web_home)
    try:
        assert second.healthz() == 200
        assert control_sockets(web_home) == []
    finally:
        second.stop()
    assert web.healthz() == 200
    assert control_sockets(web_home) == []
