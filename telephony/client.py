"""Outbound telephony: place a call, redirect a queued call, send an SMS.

The one narrow interface the hotline's services and workers use to act on the
phone network. It is the real twilio-python client; in development and tests
its HTTP client sends to the built-in simulator instead of Twilio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
NOT_FOUND = 20404


class SimulatorHttpClient(TwilioHttpClient):
    """Sends what the Twilio client would send to api.twilio.com to `base_url` instead."""

    def __init__(self, base_url: str, timeout: float = 10) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


@dataclass
class Telephony:
    account_sid: str
    auth_token: str
    api_base_url: str = ""

    @classmethod
    def from_config(cls, config) -> Telephony:
        return cls(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], config["TWILIO_API_BASE_URL"])

    @property
    def client(self) -> Client:
        http_client = SimulatorHttpClient(self.api_base_url) if self.api_base_url else None
        return Client(self.account_sid, self.auth_token, http_client=http_client)

    def place_call(self, to: str, from_: str, url: str, status_callback: str | None = None) -> str:
        """Dial `to`; when answered, Twilio fetches TwiML from `url`. Returns the CallSid."""
        options = (
            {"status_callback": status_callback, "status_callback_method": "POST"} if status_callback else {}
        )
        call = self.client.calls.create(to=to, from_=from_, url=url, method="POST", **options)
        return call.sid

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Take a call (a queued caller, by CallSid) to new TwiML at `url`."""
        self.client.calls(call_sid).update(url=url, method="POST")

    def call_status(self, call_sid: str) -> tuple[str, int | None] | None:
        """Twilio's `CallStatus` of a call and its duration in seconds (None until it
        ends); None when Twilio no longer knows the call. Other errors raise."""
        try:
            call = self.client.calls(call_sid).fetch()
        except TwilioRestException as error:
            if error.status == 404 and error.code == NOT_FOUND:
                return None
            raise
        duration = str(call.duration or "")
        return call.status, int(duration) if re.fullmatch(r"[0-9]{1,9}", duration) else None

    def hang_up(self, call_sid: str) -> None:
        self.client.calls(call_sid).update(status="completed")

    def send_sms(self, to: str, from_: str, body: str) -> str:
        return self.client.messages.create(to=to, from_=from_, body=body).sid

    def queue_sizes(self) -> dict[str, int]:
        """Twilio's own count of callers in each queue, by queue name."""
        return {queue.friendly_name: queue.current_size for queue in self.client.queues.list()}
