"""How the simulated phone's requests reach the app: real HTTP, or a Flask test client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import requests

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


class HttpTransport:
    """Real HTTP, to a running app."""

    def __init__(self, timeout: float = 15) -> None:
        self.session = requests.Session()
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
