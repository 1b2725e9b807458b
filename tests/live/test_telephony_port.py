"""The telephony port's adapter: every request has a timeout, one HTTP session
serves them all, and whatever the network does the hotline hears one
TelephonyError."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hotline.telephony import TelephonyError
from telephony.client import TwilioTelephony
from tests.support.live_server import serve

CALL_SID = "CA" + "1" * 32


@contextmanager
def silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A server that accepts connections and never answers: a hung Twilio."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(2)
        for connection in accepted:
            connection.close()
        listener.close()


def adapter(app, base_url: str, timeout: int) -> TwilioTelephony:
    return TwilioTelephony.from_config(
        {**app.config, "TWILIO_API_BASE_URL": base_url, "HOTLINE_TELEPHONY_TIMEOUT_SECONDS": timeout}
    )


def test_a_network_that_never_answers_is_given_up_after_the_timeout(app):
    with silent_server() as (url, _accepted), app.test_request_context():
        telephony = adapter(app, url, timeout=1)
        started = time.monotonic()
        with pytest.raises(TelephonyError, match="redirect"):
            telephony.put_through(CALL_SID, 7)
        assert 0.9 < time.monotonic() - started < 5


def test_a_refused_connection_is_a_telephony_error(app):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        closed_port = taken.getsockname()[1]
    telephony = adapter(app, f"http://127.0.0.1:{closed_port}", timeout=1)
    with pytest.raises(TelephonyError, match="hang-up: ConnectionError"):
        telephony.hang_up(CALL_SID)


def test_one_http_session_serves_every_request(make_app):
    with serve(make_app) as live, live.app.app_context():
        telephony = live.telephony
        first = telephony.call_report(CALL_SID)
        for _ in range(3):
            assert telephony.call_report(CALL_SID) == first
    session = telephony.client.http_client.session
    pools = session.adapters["http://"].poolmanager.pools
    [key] = pools.keys()
    assert pools[key].num_connections == 1
