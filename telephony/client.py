"""The telephony port's adapter: Twilio's REST API through the real twilio-python client.

In development and tests its HTTP client sends to the built-in simulator
instead of Twilio. One client (so one HTTP session, its connections reused) per
app; every request has a timeout (`HOTLINE_TELEPHONY_TIMEOUT_SECONDS`), and any
failure is raised as the hotline's `TelephonyError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import current_app, url_for
from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.core.parsing import whole_number
from hotline.telephony import CallReport, TelephonyError, VoiceToken
from telephony import access
from telephony.vocabulary import PROGRESS

TWILIO_API = "https://api.twilio.com"
NOT_FOUND = 20404
# Twilio's word for a call that never completed, given to one it has forgotten.
FORGOTTEN = "failed"

T = TypeVar("T")


class SimulatorHttpClient(TwilioHttpClient):
    """Sends what the Twilio client would send to api.twilio.com to `base_url` instead."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioTelephony:
    """`hotline.telephony.Telephony` on Twilio's REST API."""

    def __init__(self, config, http_client: HttpClient) -> None:
        self.account_sid = config["TWILIO_ACCOUNT_SID"]
        self.client = Client(self.account_sid, config["TWILIO_AUTH_TOKEN"], http_client=http_client)
        self._secret_key = config["SECRET_KEY"]
        self._api_key = (config["TWILIO_API_KEY"], config["TWILIO_API_SECRET"])
        self._hotline_number = config["HOTLINE_NUMBER"]
        self._public_url = config["HOTLINE_PUBLIC_URL"]

    @classmethod
    def from_config(cls, config) -> TwilioTelephony:
        timeout = config["HOTLINE_TELEPHONY_TIMEOUT_SECONDS"]
        base_url = config["TWILIO_API_BASE_URL"]
        http_client = (
            SimulatorHttpClient(base_url, timeout) if base_url else TwilioHttpClient(timeout=timeout)
        )
        return cls(config, http_client)

    def put_through(self, call_sid: str, assignment_id: int) -> None:
        self.redirect_call(
            call_sid, url_for("telephony.connect", assignment_id=assignment_id, _external=True)
        )

    def requeue(self, call_sid: str) -> None:
        self.redirect_call(call_sid, url_for("telephony.requeue", _external=True))

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Take a call (by CallSid, never "the front of the queue") to new TwiML at `url`."""
        self._ask("redirect", lambda: self.client.calls(call_sid).update(url=url, method="POST"))

    def hang_up(self, call_sid: str) -> None:
        self._ask("hang-up", lambda: self.client.calls(call_sid).update(status="completed"))

    def call_report(self, call_sid: str) -> CallReport:
        """A call Twilio no longer knows is reported `failed`, and so finished."""
        try:
            call = self._ask("fetch", lambda: self.client.calls(call_sid).fetch())
        except TelephonyError as error:
            cause = error.__cause__
            if isinstance(cause, TwilioRestException) and cause.status == 404 and cause.code == NOT_FOUND:
                return CallReport(FORGOTTEN, PROGRESS[FORGOTTEN], None, known=False)
            raise
        return CallReport(call.status, PROGRESS[call.status], whole_number(str(call.duration or "")))

    def delete_recording(self, recording_sid: str) -> None:
        """A recording Twilio no longer has (404) is gone already."""
        try:
            self._ask("recording's deletion", lambda: self.client.recordings(recording_sid).delete())
        except TelephonyError as error:
            cause = error.__cause__
            if isinstance(cause, TwilioRestException) and cause.status == 404:
                return
            raise

    def voice_token(self, user_id: int) -> VoiceToken:
        identity = access.client_identity(user_id, self._secret_key)
        token = access.access_token(self.account_sid, *self._api_key, identity)
        return VoiceToken(token, identity, access.TOKEN_SECONDS)

    def place_call(self, to: str, from_: str, url: str, status_callback: str | None = None) -> str:
        """Dial `to`; when answered, Twilio fetches TwiML from `url`. Returns the CallSid."""
        options = (
            {"status_callback": status_callback, "status_callback_method": "POST"} if status_callback else {}
        )
        call = self._ask(
            "call", lambda: self.client.calls.create(to=to, from_=from_, url=url, method="POST", **options)
        )
        return call.sid

    def send_sms(self, to: str, body: str) -> str:
        """Returns the message's sid."""
        message = self._ask(
            "message", lambda: self.client.messages.create(to=to, from_=self._hotline_number, body=body)
        )
        return message.sid

    def ring_for_callback(self, attempt_id: int, operator_id: int, phone: str | None) -> str:
        to = phone or f"client:{access.client_identity(operator_id, self._secret_key)}"
        return self.place_call(
            to,
            self._hotline_number,
            self._webhook("telephony.callback_operator", attempt_id=attempt_id),
            status_callback=self._webhook("telephony.callback_status", attempt_id=attempt_id),
        )

    def _webhook(self, endpoint: str, **values) -> str:
        """The absolute URL of one of the hotline's webhooks, at HOTLINE_PUBLIC_URL:
        a worker placing a call has no request to take the address from."""
        parts = urlsplit(self._public_url)
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        return adapter.build(endpoint, values, force_external=True)

    def queue_sizes(self) -> dict[str, int]:
        """Twilio's own count of callers in each queue, by queue name."""
        queues = self._ask("queues", lambda: self.client.queues.list())
        return {queue.friendly_name: queue.current_size for queue in queues}

    @staticmethod
    def _ask(what: str, request: Callable[[], T]) -> T:
        try:
            return request()
        except (TwilioException, RequestException) as error:
            raise TelephonyError(f"the network did not take the {what}: {type(error).__name__}") from error
