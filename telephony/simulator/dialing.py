"""A <Dial>, as the caller lives it: a child leg rings, is answered, both talk, one
side hangs up; then the Dial's action is told how it went, as Twilio tells it.

The child leg lives in the simulator's records (see `bridge`): a <Client> rings
the simulated device registered under its identity until it accepts or rejects
(`devices`), or the Dial's timeout; a <Number> is answered by the simulator
after SIMULATOR_ANSWER_SECONDS. The phone watches the leg through the network,
every POLL_SECONDS, and posts the noun's statusCallback for each event it asked
for (initiated, ringing, answered, completed). The talk ends when the operator's
side hangs up (the device, or the REST API on the child leg), when the caller does (after
`Script.talk_seconds`; None stays until the other side hangs up), or when the
REST API takes the caller's call elsewhere or hangs it up: then both legs end
and no Dial action is requested.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin, urlsplit

from telephony.simulator.errors import SimulatorError
from telephony.simulator.leg import Document, Ended, Leg, Redirected
from telephony.vocabulary import FINAL_STATUSES

POLL_SECONDS = 0.05
DEFAULT_TIMEOUT = 30  # Twilio's, for <Dial timeout>
ENDED_BY = {
    "operator": "the operator hung up",
    "hotline": "the hotline ended the connection",
    "caller": "the caller hung up",
    "timeout": "nobody answered",
}


class Dialling:
    """One <Dial> with one <Client> or <Number>."""

    def __init__(self, leg: Leg, node: ET.Element, document: Document) -> None:
        self.leg = leg
        self.node = node
        self.document = document
        if len(node) == 0 and (node.text or "").strip():
            self.noun = ET.Element("Number")  # <Dial>number</Dial> is short for a <Number>
            self.noun.text = node.text
        elif len(node) == 1 and node[0].tag in {"Client", "Number"}:
            self.noun = node[0]
        else:
            raise SimulatorError("only a <Dial> with one <Client> or one <Number> is simulated")
        self.client: str | None = None
        self.number = ""
        if self.noun.tag == "Client":
            self.client = (self.noun.findtext("Identity") or self.noun.text or "").strip()
        else:
            self.number = (self.noun.text or "").strip()
        if not (self.client or self.number):
            raise SimulatorError(f"<Dial><{self.noun.tag}> names nobody")
        self.timeout = _whole(node.get("timeout"), DEFAULT_TIMEOUT)
        self.caller_id = node.get("callerId")
        callback = self.noun.get("statusCallback")
        self.status_url = urljoin(document.url, callback) if callback else None
        self.events = set((self.noun.get("statusCallbackEvent") or "completed").split())
        self.sequence = 0
        self.child: dict = {}

    @property
    def who(self) -> str:
        """Who the Dial reaches, never naming a number."""
        return f"client {self.client}" if self.client else "the operator's phone"

    def run(self) -> Document | None:
        leg = self.leg
        target = {"client": self.client} if self.client else {"to": self.number}
        if self.caller_id:
            target["caller_id"] = self.caller_id
        self.child = leg.carrier.network(leg.call_sid, "dial", timeout=self.timeout, **target)["dial"]
        leg.note("dials", self.who)
        self._callback("initiated")
        self._callback("ringing")
        answered_at: float | None = None
        muted = False
        while True:
            reply = leg.carrier.network(leg.call_sid, "dial-poll")
            self.child = reply["dial"]
            if reply["instruction"] is not None:
                self._cut_short()
                raise Redirected(reply["instruction"])
            if answered_at is None and self.child["answered"]:
                answered_at = time.time()
                leg.note("connected", self.who)
                self._callback("answered")
            if self.child["muted"] != muted:
                muted = self.child["muted"]
                leg.note("note", "the operator muted the call" if muted else "the operator unmuted the call")
            if self.child["status"] in FINAL_STATUSES:
                return self._ended()
            talk = leg.script.talk_seconds
            if answered_at is not None and talk is not None and time.time() - answered_at >= talk:
                self._cut_short("caller")
                raise Ended("the caller hung up")
            time.sleep(POLL_SECONDS)

    def _cut_short(self, ended_by: str = "hotline") -> None:
        """The caller's side ends the Dial: the child leg ends too, and says so."""
        self.child = self.leg.carrier.network(self.leg.call_sid, "dial-end", ended_by=ended_by)["dial"]
        self._note_end()
        self._callback("completed")

    def _ended(self) -> Document | None:
        """The other side ended the Dial: the caller goes on to its action, or the next verb."""
        self._note_end()
        self._callback("completed")
        action = self.node.get("action")
        if not action:
            return None
        return self.leg.fetch(
            urljoin(self.document.url, action),
            self.node.get("method", "POST"),
            DialCallStatus=self.child["status"],
            DialCallSid=self.child["sid"],
            DialCallDuration=str(self.child["duration"]),
        )

    def _note_end(self) -> None:
        ended_by = ENDED_BY.get(self.child.get("ended_by") or "", "the operator's side ended it")
        if not self.child["answered"]:
            self.leg.note("ended", f"{self.who} did not answer ({self.child['status']})")
        else:
            self.leg.note("ended", f"{ended_by} after {self.child['duration']} s")

    def _callback(self, event: str) -> None:
        """The noun's statusCallback for `event`, if it asked for it, as Twilio posts it."""
        if self.status_url is None or event not in self.events:
            return
        leg = self.leg
        progress = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}
        status = progress.get(event, self.child["status"])
        caller = self.caller_id or leg.params["From"]
        to = f"client:{self.client}" if self.client else self.number
        params = {
            "AccountSid": leg.params["AccountSid"],
            "ApiVersion": leg.params["ApiVersion"],
            "CallSid": self.child["sid"],
            "ParentCallSid": leg.call_sid,
            "CallStatus": status,
            "Direction": "outbound-dial",
            "From": caller,
            "Caller": caller,
            "To": to,
            "Called": to,
            "Timestamp": format_datetime(datetime.now(UTC)),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(self.sequence),
        }
        if event == "completed":
            duration = int(self.child["duration"])
            params.update(CallDuration=str(duration), Duration=str(-(-duration // 60)))
        self.sequence += 1
        reply = leg.carrier.webhook(self.status_url, self.noun.get("statusCallbackMethod", "POST"), params)
        if not 200 <= reply.status < 300:
            path = urlsplit(self.status_url).path
            leg.result.problems.append(f"{path} answered HTTP {reply.status}")


def _whole(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
