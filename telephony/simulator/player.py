"""Following TwiML as Twilio does, from document to document until someone hangs up.

<Say>/<Play>/<Pause> are heard, <Gather> takes the script's next keypad input
(or, with none, falls through to the next verb), <Redirect> is fetched,
<Enqueue> waits in the queue (see `waiting`), <Record> posts a recording, <Dial>
rings another leg and talks (see `dialing`), <Hangup> ends. Before each document
the player asks the simulator's network whether the REST API took the call elsewhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from telephony.simulator.dialing import Dialling
from telephony.simulator.errors import SimulatorError
from telephony.simulator.ids import API_VERSION, new_sid
from telephony.simulator.leg import Document, Ended, Leg, Redirected
from telephony.simulator.script import CallResult
from telephony.simulator.waiting import QueueWait


class Player(Leg):
    """One call: follows TwiML from document to document until someone hangs up."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.digits: Iterator[str] = iter(self.script.digits)

    # -- the call from start to end --

    def play(self, url: str, method: str, first_status: str) -> CallResult:
        return self._run(lambda: self.fetch(url, method, status=first_status))

    def play_twiml(self, twiml: str) -> CallResult:
        return self._run(lambda: self.parse(twiml, self.carrier.base_url + "/"))

    def _run(self, first: Callable[[], Document]) -> CallResult:
        try:
            document: Document | None = first()
            if self.params["Direction"] == "inbound":
                # Twilio answers an inbound call with the TwiML of its first webhook.
                self.carrier.network(self.call_sid, "answer")
            while document is not None:
                try:
                    document = self._execute(document)
                except Redirected as taken:
                    document = self.follow(taken.instruction, document)
            self.result.outcome = "the hotline's instructions ended"
        except Ended as end:
            self.result.outcome = end.outcome
        except SimulatorError as error:
            error.transcript = self.result.transcript
            self.end_quietly()
            raise
        self.end()
        return self.result

    def _execute(self, document: Document) -> Document | None:
        """Run a document's verbs; the next document, or None when the TwiML ends."""
        instruction = self.carrier.network(self.call_sid, "poll")["instruction"]
        if instruction is not None:
            raise Redirected(instruction)
        for node in document.root:
            if self.sound(node, document):
                continue
            handler = getattr(self, f"_verb_{node.tag.lower()}", None)
            if handler is None:
                raise SimulatorError(f"<{node.tag}> is not simulated (in {urlsplit(document.url).path})")
            following = handler(node, document)
            if following is not None:
                return following
        return None

    # -- the verbs --

    def _verb_gather(self, node: ET.Element, document: Document) -> Document | None:
        self.prompt(node, document)
        digits = next(self.digits, "")
        finish = node.get("finishOnKey", "#")
        digits = digits.split(finish)[0] if finish else digits
        if node.get("numDigits"):
            digits = digits[: int(node.get("numDigits"))]
        if digits:
            self.note("presses", digits)
            return self.post_back(document, node, Digits=digits, FinishedOnKey="")
        if node.get("actionOnEmptyResult") == "true":
            return self.post_back(document, node, Digits="", FinishedOnKey="")
        return None

    def _verb_redirect(self, node: ET.Element, document: Document) -> Document:
        return self.redirect(document, node)

    def _verb_hangup(self, node: ET.Element, document: Document) -> None:
        raise Ended("the hotline hung up")

    def _verb_leave(self, node: ET.Element, document: Document) -> None:
        return None  # outside a queue, <Leave> does nothing

    def _verb_record(self, node: ET.Element, document: Document) -> Document:
        seconds = min(self.script.message_seconds, int(node.get("maxLength", "3600")))
        recording_sid = new_sid("RE")
        self.carrier.network(self.call_sid, "record", recording_sid=recording_sid, seconds=seconds)
        self.note("records", f"a {seconds}-second message")
        self.extra_seconds += seconds
        media = f"{self.carrier.base_url}/simulator/{API_VERSION}/Accounts/{self.carrier.account_sid}"
        return self.post_back(
            document,
            node,
            RecordingSid=recording_sid,
            RecordingUrl=f"{media}/Recordings/{recording_sid}",
            RecordingDuration=str(seconds),
            Digits=(node.get("finishOnKey", "1234567890*#") or "hangup")[0],
        )

    def _verb_dial(self, node: ET.Element, document: Document) -> Document | None:
        return Dialling(self, node, document).run()

    def _verb_enqueue(self, node: ET.Element, document: Document) -> Document | None:
        return QueueWait(self, node, document).wait()
