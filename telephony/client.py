"""Outbound telephony: place a call, redirect a queued call, send an SMS.

The one narrow interface the hotline's services and workers use to act on the
phone network. It is the real twilio-python client; in development and tests
its HTTP client sends to the built-in simulator instead of Twilio.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.core.parsing import whole_number
from hotline.models.states import Progress
from telephony.vocabulary import PROGRESS

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


# Twilio's word for a call that never completed, given to one it has forgotten.
FORGOTTEN = "failed"


@dataclass(frozen=True)
class CallReport:
    """A call as the network reports it: `status` is its word (kept on the record),
    `progress` what that means to the hotline."""

    status: str
    progress: Progress
    duration: int | None
    known: bool = True


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

    def call_report(self, call_sid: str) -> CallReport:
        """The network's word on a call, read in the hotline's terms. A call Twilio
        no longer knows is reported `failed`, and so finished. Other errors raise."""
        try:
            call = self.client.calls(call_sid).fetch()
        except TwilioRestException as error:
            if error.status == 404 and error.code == NOT_FOUND:
                return CallReport(FORGOTTEN, PROGRESS[FORGOTTEN], None, known=False)
            raise
        return CallReport(call.status, PROGRESS[call.status], whole_number(str(call.duration or "")))

    def hang_up(self, call_sid: str) -> None:
        self.client.calls(call_sid).update(status="completed")

    def send_sms(self, to: str, from_: str, body: str) -> str:
        return self.client.messages.create(to=to, from_=from_, body=body).sid

    def queue_sizes(self) -> dict[str, int]:
        """Twilio's own count of callers in each queue, by queue name."""
        return {queue.friendly_name: queue.current_size for queue in self.client.queues.list()}
