"""The app served over real HTTP in a background thread, for end-to-end tests that go
through the network as Twilio and the simulator do.

The server binds a free port first, so the app can be built knowing its own
address: its REST client (TWILIO_API_BASE_URL) points at this server's /simulator.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask
from werkzeug.serving import make_server

from telephony.client import TwilioTelephony
from telephony.simulator.phone import SimulatedPhone
from tests.support.servers import free_port


@dataclass(frozen=True)
class LiveServer:
    app: Flask
    url: str

    @property
    def telephony(self) -> TwilioTelephony:
        return self.app.extensions["telephony"]

    def phone(self) -> SimulatedPhone:
        return SimulatedPhone.for_app(self.app.config, self.url)


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


# Werkzeug logs each request at INFO from the request's own thread, which can
# outlive the test (a Socket.IO long-poll) and write after pytest closed its streams.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@contextmanager
def serve(make_app, prepare: Callable[[Flask], None] | None = None, **overrides) -> Iterator[LiveServer]:
    """Serve `make_app(**overrides)` on 127.0.0.1; `prepare` may add test routes first."""
    server = make_server("127.0.0.1", free_port(), _not_ready, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = make_app(TWILIO_API_BASE_URL=url + "/simulator", HOTLINE_PUBLIC_URL=url, **overrides)
    if prepare is not None:
        prepare(app)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
