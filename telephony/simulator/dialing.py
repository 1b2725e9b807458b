"""A <Dial>, as the caller lives it: a child leg rings, is answered, both talk, one
side hangs up; then the Dial's action is told how it went, as Twilio tells it.

The child leg lives in the simulator's records (see `bridge`): a <Client> rings
the simulated device registered under its identity until it accepts or rejects
(`devices`), or the Dial's timeout; a <Number> rings the /simulator/phone page
that answers for it, or is answered as SIMULATOR_OUTBOUND says (by default after
SIMULATOR_ANSWER_SECONDS). The phone watches the leg through the network, every
POLL_SECONDS, and posts the noun's statusCallback for each event it asked for
(initiated, ringing, answered, completed), with AnsweredBy when the <Number> asked
for machineDetection. A <Number url> is TwiML the called party hears once they
answer, before the two are connected (its request carries AnsweredBy too); a
<Hangup> in it ends their leg unconnected. The talk ends when the dialled side
hangs up (the device, the page, the called party after SIMULATOR_TALK_SECONDS, or
the REST API on the child leg), when the caller does (after `Script.talk_seconds`;
None stays until the other side hangs up), or when the REST API takes the caller's
call elsewhere or hangs it up: then both legs end and no Dial action is requested.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin, urlsplit

from telephony.simulator.errors import SimulatorError
from telephony.simulator.leg import Document, Ended, Leg, Redirected
from telephony.simulator.script import Line, Script
from telephony.vocabulary import FINAL_STATUSES

POLL_SECONDS = 0.05
DEFAULT_TIMEOUT = 30  # Twilio's, for <Dial timeout>
ENDED_BY = {
    "operator": "the operator hung up",
    "callee": "the called party hung up",
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
        self.detection = self.noun.get("machineDetection") if self.number else None
        self.sequence = 0
        self.child: dict = {}
        self.bridged = False

    @property
    def who(self) -> str:
        """Who the Dial reaches, never naming a number."""
        return f"client {self.client}" if self.client else "the number dialled"

    def run(self) -> Document | None:
        leg = self.leg
        target = {"client": self.client} if self.client else {"to": self.number}
        if self.caller_id:
            target["caller_id"] = self.caller_id
        if self.detection:
            target["machine_detection"] = self.detection
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
                self._callback("answered")
                if self._screened():
                    self.bridged = True
                    leg.note("connected", self.who)
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
            DialBridged="true" if self.bridged else "false",
        )

    def _screened(self) -> bool:
        """The <Number url>'s TwiML, heard by the called party before the two are connected
        (it goes to their leg's transcript); whether they are still on the line after it."""
        if not self.number:
            return True
        heard: list[Line] = []
        url = self.noun.get("url")
        if url:
            child = Leg(
                self.leg.carrier,
                self.child["sid"],
                self._child_params(),
                Script(),
                None,
                listener=heard.append,
            )
            try:
                self._play_screen(
                    child, child.fetch(urljoin(self.document.url, url), self.noun.get("method", "POST"))
                )
            except Ended:
                self.child = self.leg.carrier.network(self.leg.call_sid, "dial-end", ended_by="hotline")[
                    "dial"
                ]
            except SimulatorError as error:
                self.leg.result.problems.append(f"the <Number url>: {error}")
                self.child = self.leg.carrier.network(self.leg.call_sid, "dial-end", ended_by="hotline")[
                    "dial"
                ]
        on_line = self.child["status"] not in FINAL_STATUSES
        if on_line:
            heard.append(Line("connected", "the other side"))
        lines = [{"kind": line.kind, "text": line.text} for line in heard]
        self.leg.carrier.network(self.child["sid"], "hear", lines=lines)
        return on_line

    @staticmethod
    def _play_screen(child: Leg, document: Document | None) -> None:
        """Say, Play, Pause, Redirect, Gather (no key is pressed) and Hangup, as Twilio allows there."""
        while document is not None:
            following = None
            for node in document.root:
                if child.sound(node, document):
                    continue
                if node.tag == "Hangup":
                    raise Ended("the hotline hung up on the called party")
                if node.tag == "Redirect":
                    following = child.redirect(document, node)
                elif node.tag == "Gather":
                    child.prompt(node, document)
                else:
                    raise SimulatorError(f"<{node.tag}> is not allowed in a <Number url>'s TwiML")
                if following is not None:
                    break
            document = following

    def _note_end(self) -> None:
        ended_by = ENDED_BY.get(self.child.get("ended_by") or "", "the operator's side ended it")
        if not self.child["answered"]:
            self.leg.note("ended", f"{self.who} did not answer ({self.child['status']})")
        else:
            self.leg.note("ended", f"{ended_by} after {self.child['duration']} s")

    def _child_params(self) -> dict[str, str]:
        """What Twilio tells of the dialled leg, in its url's request and its status callbacks."""
        leg = self.leg
        caller = self.caller_id or leg.params["From"]
        to = f"client:{self.client}" if self.client else self.number
        params = {
            "AccountSid": leg.params["AccountSid"],
            "ApiVersion": leg.params["ApiVersion"],
            "CallSid": self.child["sid"],
            "ParentCallSid": leg.call_sid,
            "Direction": "outbound-dial",
            "From": caller,
            "Caller": caller,
            "To": to,
            "Called": to,
        }
        if self.detection and self.child.get("answered_by"):
            params["AnsweredBy"] = self.child["answered_by"]
        return params

    def _callback(self, event: str) -> None:
        """The noun's statusCallback for `event`, if it asked for it, as Twilio posts it."""
        if self.status_url is None or event not in self.events:
            return
        progress = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}
        params = {
            **self._child_params(),
            "CallStatus": progress.get(event, self.child["status"]),
            "Timestamp": format_datetime(datetime.now(UTC)),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(self.sequence),
        }
        if event == "completed":
            duration = int(self.child["duration"])
            params.update(CallDuration=str(duration), Duration=str(-(-duration // 60)))
        self.sequence += 1
        reply = self.leg.carrier.webhook(
            self.status_url, self.noun.get("statusCallbackMethod", "POST"), params
        )
        if not 200 <= reply.status < 300:
            path = urlsplit(self.status_url).path
            self.leg.result.problems.append(f"{path} answered HTTP {reply.status}")


def _whole(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
