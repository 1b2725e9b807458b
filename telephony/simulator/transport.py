"""How the simulated phone's requests reach the app: real HTTP, or a Flask test client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util import Retry

from telephony.simulator.errors import Unreachable


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    content_type: str


class Transport(Protocol):
    def send(
        self, method: str, url: str, *, form: dict | None = None, body: dict | None = None, headers: dict
    ) -> Reply: ...


class ResendUnanswered(Retry):
    """Sends a request once more, on a new connection, when the connection it
    went out on closed before any answer came: the server closed it as idle
    (gunicorn keeps one open 2 s) as the request left, so the server never took
    the request and sending it again is safe, even a signed webhook POST. A
    timeout, or an answer cut short, is never sent again: the server took it."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if error is not None and self._is_read_error(error) and not _closed_before_answer(error):
            raise error.with_traceback(_stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _closed_before_answer(error: Exception) -> bool:
    """urllib3's word for a connection that closed or reset before any byte of the
    answer (http.client's RemoteDisconnected is a ConnectionResetError)."""
    cause = error.args[1] if isinstance(error, ProtocolError) and len(error.args) > 1 else None
    return isinstance(cause, ConnectionResetError | BrokenPipeError)


# One resend of an unanswered request, none on a refused connection (nothing
# listens: say so at once), none on a timeout or any status.
RESEND_ONCE = ResendUnanswered(
    total=1, connect=0, read=1, status=0, other=0, allowed_methods=frozenset({"GET", "POST"})
)


class HttpTransport:
    """Real HTTP, to a running app, on kept-alive connections."""

    def __init__(self, timeout: float = 15) -> None:
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=RESEND_ONCE)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.timeout = timeout  # Twilio gives a webhook 15 s

    def send(self, method, url, *, form=None, body=None, headers) -> Reply:
        try:
            response = self.session.request(
                method, url, data=form, json=body, headers=headers, timeout=self.timeout
            )
        except requests.ConnectionError:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            raise Unreachable(f"nothing answers at {origin}: is the app running?") from None
        except requests.Timeout:
            raise Unreachable(f"{urlsplit(url).path} did not answer within {self.timeout:g} s") from None
        return Reply(response.status_code, response.text, response.headers.get("Content-Type", ""))


class FlaskClientTransport:
    """A Flask test client, for tests with no server (URLs on http://localhost)."""

    def __init__(self, client) -> None:
        self.client = client

    def send(self, method, url, *, form=None, body=None, headers) -> Reply:
        response = self.client.open(url, method=method, data=form, json=body, headers=headers)
        text = response.get_data().decode(errors="replace")
        return Reply(response.status_code, text, response.content_type or "")
