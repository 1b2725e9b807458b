"""The simulated callers: webhooks signed as Twilio signs them, with Twilio's usual parameters."""

from __future__ import annotations

import random
from email.utils import formatdate
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.measured import SignedRequest
from bench.routes import Route
from config import DEV_AUTH_TOKEN as AUTH_TOKEN

ACCOUNT_SID = "AC00000000000000000000000000000000"
HOTLINE_NUMBER = "+77172000000"
MENU_DIGITS = ("1", "2", "3", "4", "9")
MENU_WEIGHTS = (25, 20, 30, 20, 5)
WITHHELD_SHARE = 0.03
CALLER_POOL = 3000  # distinct numbers; a run of several thousand calls repeats many of them


class Callers:
    """Builds signed webhooks the way Twilio sends them, and remembers each call's number."""

    def __init__(self, port: int, seed: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.validator = RequestValidator(AUTH_TOKEN)
        self.rng = random.Random(seed)
        self.numbers = [f"+7701{n:07d}" for n in self.rng.sample(range(10**7), CALLER_POOL)]
        self.number_of: dict[str, str] = {}

    def sign(self, path: str, params: dict[str, str]) -> SignedRequest:
        signature = self.validator.compute_signature(self.base + path, params)
        return SignedRequest(path, urlencode(params), signature)

    def new_call_sid(self) -> str:
        return f"CA{self.rng.getrandbits(128):032x}"

    def _number(self) -> str:
        if self.rng.random() < WITHHELD_SHARE:
            return "anonymous"
        return self.rng.choice(self.numbers)

    def _common(self, call_sid: str, call_status: str) -> dict[str, str]:
        number = self.number_of.get(call_sid, "+77010000000")
        return {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "CallStatus": call_status,
            "Called": HOTLINE_NUMBER,
            "CalledCountry": "KZ",
            "Caller": number,
            "CallerCountry": "KZ",
            "Direction": "inbound",
            "From": number,
            "FromCountry": "KZ",
            "To": HOTLINE_NUMBER,
            "ToCountry": "KZ",
        }

    def incoming(self, path: str, call_sid: str | None = None) -> SignedRequest:
        call_sid = call_sid or self.new_call_sid()
        self.number_of[call_sid] = self._number()
        return self.sign(path, self._common(call_sid, "ringing"))

    def language(self, path: str, call_sid: str) -> SignedRequest:
        """The language menu's answer: 1 or 2 (the first two configured languages)."""
        params = self._common(call_sid, "in-progress")
        params.update(Digits=self.rng.choice(("1", "2")), FinishedOnKey="", msg="Gather End")
        return self.sign(path, params)

    def menu(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "in-progress")
        digit = self.rng.choices(MENU_DIGITS, MENU_WEIGHTS)[0]
        params.update(Digits=digit, FinishedOnKey="", msg="Gather End")
        return self.sign(path, params)

    def wait(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "in-progress")
        params.update(
            QueuePosition=str(self.rng.randint(1, 8)),
            QueueSid=f"QU{self.rng.getrandbits(128):032x}",
            QueueTime=str(self.rng.randint(0, 300)),
            AvgQueueTime=str(self.rng.randint(10, 120)),
            CurrentQueueSize=str(self.rng.randint(1, 8)),
            MaxQueueSize="100",
        )
        return self.sign(path, params)

    def queue_result(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "completed")
        params.update(
            QueueResult="hangup",
            QueueSid=f"QU{self.rng.getrandbits(128):032x}",
            QueueTime=str(self.rng.randint(5, 600)),
        )
        return self.sign(path, params)

    def status(self, path: str, call_sid: str) -> SignedRequest:
        params = self._common(call_sid, "completed")
        duration = self.rng.randint(20, 1800)
        params.update(
            CallDuration=str(duration),
            Duration=str((duration + 59) // 60),
            SequenceNumber="3",
            CallbackSource="call-progress-events",
            Timestamp=formatdate(usegmt=True),
        )
        return self.sign(path, params)

    def build(self, route: Route, count: int, call_sids: list[str] | None = None) -> list[SignedRequest]:
        if route.source == "fresh":
            return [self.incoming(route.path) for _ in range(count)]
        make = {
            "menu": self.menu,
            "menu-idle": self.menu,
            "wait": self.wait,
            "queue-result": self.queue_result,
            "status": self.status,
        }[route.key]
        return [make(route.path, call_sid) for call_sid in (call_sids or [])[:count]]
