"""An <Enqueue>, as the caller lives it: the waitUrl in a loop until the caller or
the hotline ends the wait, then the Enqueue's action told why the caller left."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from telephony.simulator.errors import SimulatorError
from telephony.simulator.leg import Document, Ended, Leg


class QueueWait:
    """One <Enqueue>: the caller waits as the script says, for so many turns of the hold music."""

    def __init__(self, leg: Leg, node: ET.Element, document: Document) -> None:
        self.leg = leg
        self.node = node
        self.document = document
        self.name = (node.text or "").strip()
        wait_url = node.get("waitUrl")
        self.wait_url = urljoin(document.url, wait_url) if wait_url else None
        self.wait_method = node.get("waitUrlMethod", "POST")
        self.figures: dict = {}
        self.chose_number = False
        turns = {"hangup": 1, "callback": leg.script.wait_loops, "wait": leg.script.wait_loops}
        self.turns = turns[leg.script.in_queue]

    def wait(self) -> Document | None:
        leg = self.leg
        leg.result.queue = self.name
        reply = leg.carrier.network(leg.call_sid, "enqueue", queue=self.name)
        if reply["full"]:
            return self._leave("queue-full")
        self.figures = reply["queue"]
        leg.note("waits", f"in queue {self.name}")
        turn = 0
        while True:
            reply = leg.carrier.network(leg.call_sid, "wait")
            if reply["instruction"] is not None:
                return self._taken(reply["instruction"], reply["call"])
            if reply["queue"] is None:
                raise SimulatorError(f"call {leg.call_sid} left queue {self.name} with no reason")
            self.figures = reply["queue"]
            if turn >= self.turns:
                leg.carrier.network(leg.call_sid, "dequeue")
                self._leave("hangup")
                raise Ended("the caller hung up while waiting")
            turn += 1
            outcome = self._turn()
            if outcome is not None:
                leg.carrier.network(leg.call_sid, "dequeue")
                return self._leave(outcome)
            if leg.script.hold_seconds:
                time.sleep(leg.script.hold_seconds)
            if leg.script.while_waiting is not None:
                leg.script.while_waiting(leg.call_sid, turn)

    def _wait_params(self) -> dict[str, str]:
        figures = self.figures
        return {
            "QueuePosition": str(figures["position"]),
            "QueueSid": figures["sid"],
            "QueueTime": str(figures["wait_time"]),
            "AvgQueueTime": str(figures["average_wait_time"]),
            "CurrentQueueSize": str(figures["size"]),
            "MaxQueueSize": str(figures["max_size"]),
        }

    def _turn(self) -> str | None:
        """One turn of the wait music: "leave" or "hangup" if its TwiML ends the wait."""
        leg = self.leg
        if self.wait_url is None:
            leg.note("plays", "Twilio's hold music")
            return None
        document = leg.fetch(self.wait_url, self.wait_method, **self._wait_params())
        while document is not None:
            following = None
            for node in document.root:
                if leg.sound(node, document):
                    continue
                if node.tag == "Leave":
                    return "leave"
                if node.tag == "Hangup":
                    return "hangup"
                if node.tag == "Redirect":
                    following = leg.redirect(document, node, **self._wait_params())
                elif node.tag == "Gather":
                    following = self._gather(node, document)
                else:
                    raise SimulatorError(f"<{node.tag}> is not allowed in a waitUrl's TwiML")
                if following is not None:
                    break
            document = following
        return None

    def _gather(self, node: ET.Element, document: Document) -> Document | None:
        """The waitUrl's menu: a caller who wants a callback presses 1, once; then,
        asked which number to call (the menu ended with #), 1 for their own, once."""
        leg = self.leg
        digits = ""
        if leg.script.in_queue == "callback" and not leg.pressed_callback:
            digits, leg.pressed_callback = "1", True
        elif leg.script.in_queue == "callback" and node.get("finishOnKey") == "#" and not self.chose_number:
            digits, self.chose_number = "1", True
        leg.prompt(node, document)
        if not digits:
            return None
        leg.note("presses", digits)
        return leg.post_back(document, node, Digits=digits, **self._wait_params())

    def _leave(self, result: str, queue_time: int | None = None) -> Document | None:
        """Tell the Enqueue action why the caller left; its TwiML goes on (unless they hung up)."""
        leg = self.leg
        leg.result.queue_result = result
        if queue_time is None:
            queue_time = self.figures.get("wait_time", 0)
        leg.note("waits", f"left queue {self.name}: {result}")
        extra = {"QueueResult": result, "QueueTime": str(queue_time)}
        if self.figures:
            extra["QueueSid"] = self.figures["sid"]
        action = self.node.get("action")
        if not action:
            return None
        document = leg.fetch(urljoin(self.document.url, action), self.node.get("method", "POST"), **extra)
        return None if result in {"hangup", "redirected"} else document

    def _taken(self, instruction: dict, call: dict) -> Document | None:
        """The REST API redirected the waiting call, or hung it up."""
        queue_time = max(int(call.get("queue_time") or 0), self.figures.get("wait_time", 0))
        self._leave("hangup" if instruction["kind"] == "hangup" else "redirected", queue_time)
        return self.leg.follow(instruction, self.document)
