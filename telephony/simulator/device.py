"""A simulated softphone with the Twilio Voice SDK's interface: register, wait for
an incoming call, accept or reject it, mute, disconnect.

It speaks the simulator's device API (see `devices`) with the access token the
hotline minted for its operator, over the phone's transports (real HTTP, or a
Flask test client). Waiting polls every `poll_seconds` until `timeout`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from telephony.simulator.errors import Refused
from telephony.simulator.transport import HttpTransport, Transport

PATH = "/simulator/devices"


@dataclass(frozen=True)
class DeviceCall:
    """A call as the device sees it: the child leg's CallSid, the caller's, where it stands."""

    sid: str
    parent_call_sid: str
    status: str
    muted: bool = False
    ended_by: str | None = None
    duration: int = 0
    answered: bool = False

    @classmethod
    def of(cls, data: dict) -> DeviceCall:
        fields = ("sid", "parent_call_sid", "status", "muted", "ended_by", "duration", "answered")
        return cls(**{name: data[name] for name in fields})


class SimulatedDevice:
    """One softphone, registered under its token's identity; at most one call at a time."""

    def __init__(
        self, base_url: str, token: str, *, transport: Transport | None = None, poll_seconds: float = 0.05
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.transport = transport or HttpTransport()
        self.poll_seconds = poll_seconds
        self.identity: str | None = None
        self.call: DeviceCall | None = None

    def update_token(self, token: str) -> None:
        self.token = token

    def register(self) -> str:
        """Check the token with the simulator; the identity it answers for."""
        self.identity = self._send("GET", "/registration")["identity"]
        return self.identity

    def incoming(self, timeout: float = 5.0) -> DeviceCall | None:
        """The next call ringing for this device, waiting up to `timeout` seconds; None if none rang."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._send("GET", "/incoming")["call"]
            if found is not None:
                self.call = DeviceCall.of(found)
                return self.call
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.poll_seconds)

    def accept(self) -> DeviceCall:
        return self._act("accept")

    def reject(self) -> DeviceCall:
        return self._act("reject")

    def disconnect(self) -> DeviceCall:
        return self._act("disconnect")

    def mute(self, muted: bool = True) -> DeviceCall:
        return self._act("mute", {"muted": muted})

    def status(self) -> DeviceCall:
        """The current call as it stands now (the caller may have hung up)."""
        self.call = DeviceCall.of(self._send("GET", f"/calls/{self._current().sid}")["call"])
        return self.call

    def wait_until(self, statuses: set[str], timeout: float = 5.0) -> DeviceCall:
        """Poll the current call until its status is one of `statuses`, or `timeout` passes."""
        deadline = time.monotonic() + timeout
        while self.status().status not in statuses and time.monotonic() < deadline:
            time.sleep(self.poll_seconds)
        return self._current()

    def _current(self) -> DeviceCall:
        if self.call is None:
            raise RuntimeError("the device has no call")
        return self.call

    def _act(self, action: str, body: dict | None = None) -> DeviceCall:
        reply = self._send("POST", f"/calls/{self._current().sid}/{action}", body or {})
        self.call = DeviceCall.of(reply["call"])
        return self.call

    def _send(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        reply = self.transport.send(method, self.base_url + PATH + path, body=body, headers=headers)
        try:
            data = json.loads(reply.text)
        except ValueError:
            data = {}
        if reply.status != 200:
            message = data.get("message", "error")
            raise Refused(f"the simulator refused {method} {path}: {message}", reply.status)
        return data
