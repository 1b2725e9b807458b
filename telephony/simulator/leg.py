"""One simulated call as the phone carries it: its parameters, the requests it makes
for TwiML, the transcript of what the caller hears, and its end.

It sends through the phone network's `Carrier`; `QueueWait` (the waitUrl) stands
on it, and `Player` builds on both to follow the TwiML, verb by verb.
"""

from __future__ import annotations

import contextlib
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urljoin, urlsplit

from telephony.simulator.carrier import Carrier
from telephony.simulator.errors import Refused, SimulatorError
from telephony.simulator.ids import API_VERSION
from telephony.simulator.script import CallResult, Line, Script

MAX_REQUESTS = 200  # a call that needs more is looping


@dataclass(frozen=True)
class Document:
    """A TwiML document and the URL it came from (relative URLs in it are on that)."""

    root: ET.Element
    url: str


class Ended(Exception):
    """The call is over: `outcome` says who ended it."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class Redirected(Exception):
    """The REST API took the call to new TwiML, or hung it up."""

    def __init__(self, instruction: dict) -> None:
        super().__init__(instruction.get("kind"))
        self.instruction = instruction


class Leg:
    """One call on the phone's side: what it sends, what the caller heard, how it ended."""

    def __init__(
        self,
        carrier: Carrier,
        call_sid: str,
        params: dict[str, str],
        script: Script,
        status_url: str | None,
        status_method: str | None = "POST",
        events: frozenset[str] = frozenset({"completed"}),
        listener: Callable[[Line], None] | None = None,
    ) -> None:
        """`events`: the StatusCallbackEvents the status callback hears; `listener`, if
        given, hears the transcript instead of the carrier's listener."""
        self.carrier = carrier
        self.call_sid = call_sid
        self.params = {
            "AccountSid": carrier.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call_sid,
            "Caller": params["From"],
            "Called": params["To"],
            **params,
        }
        self.script = script
        self.status_url = status_url
        self.status_method = status_method or "POST"
        self.events = events
        self.listener = listener or carrier.listener
        self.sequence = 0
        self.result = CallResult(call_sid)
        self.requests = 0
        self.extra_seconds = 0
        self.pressed_callback = False
        self.started = time.monotonic()

    # -- fetching TwiML --

    def fetch(self, url: str, method: str = "POST", status: str = "in-progress", **extra: str) -> Document:
        self.requests += 1
        if self.requests > MAX_REQUESTS:
            raise SimulatorError(f"the call made more than {MAX_REQUESTS} requests: is the TwiML looping?")
        params = {**self.params, "CallStatus": status, **{k: str(v) for k, v in extra.items()}}
        reply = self.carrier.webhook(url, method, params)
        path = urlsplit(url).path
        if reply.status != 200:
            self.hear("We are sorry, an application error has occurred. Goodbye.")
            raise Refused(f"{path} answered HTTP {reply.status}", reply.status)
        if not reply.content_type.startswith(("application/xml", "text/xml")):
            raise SimulatorError(f"{path} answered {reply.content_type or 'no content type'}, not TwiML")
        return self.parse(reply.text, url)

    def parse(self, text: str, url: str) -> Document:
        try:
            root = ET.fromstring(text)
        except ET.ParseError as error:
            raise SimulatorError(f"{urlsplit(url).path} answered malformed TwiML ({error})") from None
        if root.tag != "Response":
            raise SimulatorError(f"{urlsplit(url).path} answered <{root.tag}>, not <Response>")
        return Document(root, url)

    def post_back(self, document: Document, node: ET.Element, **extra: str) -> Document:
        """Request a verb's action (by default the document's own URL), as Twilio does."""
        url = urljoin(document.url, node.get("action") or document.url)
        return self.fetch(url, node.get("method", "POST"), **extra)

    def redirect(self, document: Document, node: ET.Element, **extra: str) -> Document:
        """Follow a <Redirect>."""
        url = urljoin(document.url, (node.text or "").strip())
        return self.fetch(url, node.get("method", "POST"), **extra)

    def follow(self, instruction: dict, document: Document) -> Document:
        """What the REST API asked of the call: new TwiML, or the end."""
        if instruction["kind"] == "hangup":
            raise Ended("the hotline hung up through the REST API")
        if instruction["kind"] == "twiml":
            return self.parse(instruction["twiml"], document.url)
        return self.fetch(instruction["url"], instruction.get("method") or "POST")

    # -- the transcript --

    def hear(self, text: str) -> None:
        self.note("hears", " ".join(text.split()))

    def note(self, kind: str, text: str) -> None:
        line = Line(kind, text)
        self.result.transcript.append(line)
        if self.listener is not None:
            self.listener(line)

    def sound(self, node: ET.Element, document: Document) -> bool:
        """Say, Play or Pause: heard. False for any other verb."""
        if node.tag == "Say":
            self.hear(node.text or "")
        elif node.tag == "Play":
            url = urljoin(document.url, (node.text or "").strip())
            self.note("plays", urlsplit(url).path)
            status = self.carrier.audio_status(url)
            if status is not None and status != 200:
                self.result.problems.append(f"{urlsplit(url).path} answered HTTP {status}")
                self.note("note", f"could not play {urlsplit(url).path} (HTTP {status})")
        elif node.tag != "Pause":
            return False
        return True

    def prompt(self, gather: ET.Element, document: Document) -> None:
        """What a <Gather> says while it listens."""
        for child in gather:
            if not self.sound(child, document):
                raise SimulatorError(f"<{child.tag}> inside <Gather> is not simulated")

    # -- the end --

    def end(self) -> None:
        self.result.duration = int(time.monotonic() - self.started) + self.extra_seconds
        self.carrier.network(self.call_sid, "end", status=self.result.status, duration=self.result.duration)
        self.send_status(self.result.status, self.result.duration)

    def end_quietly(self) -> None:
        """After an error Twilio still ends the call and says so; any failure here is secondary."""
        with contextlib.suppress(SimulatorError):
            self.end()

    def send_status(self, status: str, duration: int) -> None:
        """The status callback for the call's end, with its duration."""
        extra = {"CallDuration": str(duration), "Duration": str(-(-duration // 60))}
        self.send_event("completed", status, **extra)

    def send_event(self, event: str, status: str, **extra: str) -> None:
        """The status callback for `event` (initiated, ringing, answered, completed), if it
        asked for it, as Twilio posts it: numbered in order from 0."""
        if not self.status_url or event not in self.events:
            return
        params = {
            **self.params,
            "CallStatus": status,
            **extra,
            "Timestamp": format_datetime(datetime.now(UTC)),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(self.sequence),
        }
        self.sequence += 1
        reply = self.carrier.webhook(self.status_url, self.status_method, params)
        if not 200 <= reply.status < 300:
            raise Refused(f"{urlsplit(self.status_url).path} answered HTTP {reply.status}", reply.status)
