"""A simulated phone: plays a caller's part against the hotline as Twilio would.

It posts the webhooks Twilio posts, with Twilio's parameters, signed with the
auth token (X-Twilio-Signature over the full URL and the form), and follows the
TwiML it gets back (see `player`). When the call ends it posts the status
callback.

Each step is also reported to the simulator's network (/simulator/network/…),
which keeps the queues and passes on what the REST API asked of the call: so
`Telephony.queue_sizes()` sees the caller waiting and `Telephony.redirect_call()`
takes them out of the queue.

The phone never logs or prints a number; its transcript holds what the caller
heard and pressed. This module is the simulator's public API for callers: the
phone, and the script, result, errors and transports it takes and gives.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from telephony.simulator import new_sid
from telephony.simulator.errors import Refused, SimulatorError, Unreachable
from telephony.simulator.leg import Leg
from telephony.simulator.player import Player
from telephony.simulator.script import IN_QUEUE, CallResult, Line, Script
from telephony.simulator.transport import FlaskClientTransport, HttpTransport, Reply, Transport

__all__ = [
    "IN_QUEUE",
    "CallResult",
    "FlaskClientTransport",
    "HttpTransport",
    "Line",
    "Refused",
    "Reply",
    "Script",
    "SimulatedPhone",
    "SimulatorError",
    "Transport",
    "Unreachable",
]

INCOMING_PATH = "/telephony/voice/incoming"
STATUS_PATH = "/telephony/voice/status"


class SimulatedPhone:
    """The phone network on the callers' side: calls the hotline, answers its calls."""

    def __init__(
        self,
        base_url: str,
        *,
        account_sid: str,
        auth_token: str,
        hotline_number: str,
        transport: Transport | None = None,
        listener: Callable[[Line], None] | None = None,
    ) -> None:
        """`listener`, if given, hears each line of a call's transcript as it happens."""
        self.base_url = base_url.rstrip("/")
        self.listener = listener
        self.account_sid = account_sid
        self.validator = RequestValidator(auth_token)
        self.hotline_number = hotline_number
        self.transport = transport or HttpTransport()
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._authorization = f"Basic {credentials}"
        self._audio_checked: dict[str, int] = {}

    @classmethod
    def for_app(cls, config, base_url: str, **options) -> SimulatedPhone:
        """A phone with the account, token and hotline number from the app's settings."""
        return cls(
            base_url,
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            hotline_number=config["HOTLINE_NUMBER"],
            **options,
        )

    def call(self, from_number: str | None, script: Script | None = None) -> CallResult:
        """Call the hotline from `from_number` (None: withheld) and play `script`."""
        call_sid = new_sid("CA")
        caller = from_number or "anonymous"
        self.network(call_sid, "ring", **{"from": caller, "to": self.hotline_number})
        params = {"From": caller, "To": self.hotline_number, "Direction": "inbound"}
        player = Player(self, call_sid, params, script or Script(), self.base_url + STATUS_PATH)
        return player.play(self.base_url + INCOMING_PATH, "POST", first_status="ringing")

    def answer(self, call_sid: str, script: Script | None = None) -> CallResult:
        """Answer a call the app placed through the REST API: fetch its Url and play `script`."""
        reply = self.network(call_sid, "answer")
        call, placed = reply["call"], reply["request"]
        params = {"From": call["from"], "To": call["to"], "Direction": "outbound-api"}
        status = (placed["status_callback"], placed["status_callback_method"])
        player = Player(self, call_sid, params, script or Script(), *status)
        if placed["url"]:
            return player.play(placed["url"], placed["method"] or "POST", first_status="in-progress")
        return player.play_twiml(placed["twiml"] or "<Response/>")

    def decline(self, call_sid: str, status: str = "no-answer") -> CallResult:
        """Let a call the app placed go unanswered ("no-answer"), be "busy", or fail."""
        reply = self.network(call_sid, "decline", status=status)
        call, placed = reply["call"], reply["request"]
        result = CallResult(call_sid, status=status, outcome=f"not answered ({status})")
        if placed["status_callback"]:
            params = {"From": call["from"], "To": call["to"], "Direction": "outbound-api"}
            leg = Leg(self, call_sid, params, Script(), placed["status_callback"])
            leg.send_status(status, 0)
        return result

    # -- plumbing shared with the player --

    def network(self, call_sid: str, event: str, **fields) -> dict:
        """Report a step of the call to the simulator; its answer (see simulator.network)."""
        url = f"{self.base_url}/simulator/network/calls/{call_sid}"
        headers = {"Authorization": self._authorization}
        reply = self.transport.send("POST", url, body={"event": event, **fields}, headers=headers)
        if reply.status == 401:
            raise Refused(
                "the simulator refused the account SID or auth token: are TWILIO_ACCOUNT_SID and "
                "TWILIO_AUTH_TOKEN the app's?",
                reply.status,
            )
        if reply.status == 404 and "application/json" not in reply.content_type:
            raise Refused(
                f"no telephony simulator at {self.base_url}: is TELEPHONY_SIMULATOR on there?", reply.status
            )
        if reply.status != 200:
            message = _json_message(reply.text)
            raise Refused(f"the simulator refused {event!r} for call {call_sid}: {message}", reply.status)
        return json.loads(reply.text)

    def webhook(self, url: str, method: str, params: dict[str, str]) -> Reply:
        """Request `url` as Twilio does: a form-encoded POST, signed over the URL and the form.
        A GET carries the parameters, the caller's number among them, in the URL, as on
        Twilio: that is why the hotline's TwiML asks for POST."""
        method = method.upper()
        if method == "GET":
            url = url + ("&" if "?" in url else "?") + urlencode(params)
            params = {}
        headers = {
            "X-Twilio-Signature": self.validator.compute_signature(url, params),
            "User-Agent": "TwilioProxy/1.1 (Hotline simulator)",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        return self.transport.send(method, url, form=params or None, headers=headers)

    def audio_status(self, url: str) -> int | None:
        """Fetch audio a <Play> names, once per URL, as Twilio would; None if it is not the app's."""
        if not url.startswith(self.base_url + "/"):
            return None
        if url not in self._audio_checked:
            self._audio_checked[url] = self.transport.send("GET", url, headers={}).status
        return self._audio_checked[url]


def _json_message(text: str) -> str:
    try:
        return str(json.loads(text).get("message", "error"))
    except (ValueError, AttributeError):
        return "error"
