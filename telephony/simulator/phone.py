"""A simulated phone: plays a caller's part against the hotline as Twilio would.

It posts the webhooks Twilio posts, with Twilio's parameters, signed as Twilio
signs them, and reports each step to the simulator's network (see `carrier`), so
`Telephony.queue_sizes()` sees the caller waiting and `Telephony.redirect_call()`
takes them out of the queue. It follows the TwiML it gets back (see `player`) and
posts the status callback when the call ends.

The phone never logs or prints a number; its transcript holds what the caller
heard and pressed. This module is the simulator's public API for callers: the
phone, and the script, result, errors and transports it takes and gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from telephony.simulator.carrier import Carrier
from telephony.simulator.errors import Refused, SimulatorError, Unreachable
from telephony.simulator.ids import new_sid
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


class SimulatedPhone(Carrier):
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
        super().__init__(
            base_url, account_sid=account_sid, auth_token=auth_token, transport=transport, listener=listener
        )
        self.hotline_number = hotline_number

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

    @contextmanager
    def answers_for(self, number: str, seconds: int = 3600) -> Iterator[None]:
        """While inside, this phone answers the calls the app places to `number` through
        the REST API: they wait, queued, for its `answer` or `decline`, and the simulator
        plays none of them."""
        self.network_numbers(number, seconds)
        try:
            yield
        finally:
            self.network_numbers(number, 0)

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
