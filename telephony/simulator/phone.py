"""A simulated phone: plays a caller's part against the hotline as Twilio would.

It posts the webhooks Twilio posts, with Twilio's parameters, signed with the
auth token (X-Twilio-Signature over the full URL and the form), and follows the
TwiML it gets back: <Say>/<Play> are heard, <Gather> takes the script's next
keypad input (or, with none, falls through to the next verb), <Redirect> is
fetched, <Enqueue> loops the waitUrl and reports why the caller left to the
action URL, <Record> posts a recording, <Dial> connects, <Hangup> ends. When the
call ends it posts the status callback.

Each step is also reported to the simulator's network (/simulator/network/…),
which keeps the queues and passes on what the REST API asked of the call: so
`Telephony.queue_sizes()` sees the caller waiting and `Telephony.redirect_call()`
takes them out of the queue.

The phone never logs or prints a number; its transcript holds what the caller
heard and pressed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Protocol
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
INCOMING_PATH = "/telephony/voice/incoming"
STATUS_PATH = "/telephony/voice/status"
MAX_REQUESTS = 200  # a call that needs more is looping
IN_QUEUE = ("hangup", "callback", "wait")


class SimulatorError(RuntimeError):
    """The simulated call could not go on. `transcript` is what happened until then."""

    def __init__(self, message: str, transcript: list[Line] | None = None) -> None:
        super().__init__(message)
        self.transcript = transcript or []


class Unreachable(SimulatorError):
    """Nothing answers at the app's URL."""


class Refused(SimulatorError):
    """The app answered a webhook or a network step with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# --- what the caller does, what they got -----------------------------------------


@dataclass(frozen=True)
class Script:
    """What the caller does.

    `digits`: keypad input for each <Gather> outside the queue, in order; "" is no
    input. `in_queue`: "hangup" after the first turn of the hold music, "callback"
    (press 1 when offered, else wait), or "wait" for `wait_loops` turns, then hang
    up. `hold_seconds`: how long a turn of the hold music lasts. `while_waiting` is
    called with (CallSid, turn) after each turn, e.g. to act on the call through
    the REST API as an operator would.
    """

    digits: tuple[str, ...] = ()
    in_queue: str = "hangup"
    wait_loops: int = 3
    hold_seconds: float = 0.0
    talk_seconds: int = 60
    message_seconds: int = 10
    while_waiting: Callable[[str, int], None] | None = None

    def __post_init__(self) -> None:
        if self.in_queue not in IN_QUEUE:
            raise ValueError(f"in_queue must be one of {', '.join(IN_QUEUE)}")
        if self.wait_loops < 1:
            raise ValueError("wait_loops must be at least 1")


@dataclass(frozen=True)
class Line:
    """One line of the transcript: kind is hears, plays, presses, waits, records, connected or note."""

    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


@dataclass
class CallResult:
    call_sid: str
    transcript: list[Line] = field(default_factory=list)
    queue: str | None = None
    queue_result: str | None = None
    outcome: str = ""
    status: str = "completed"
    duration: int = 0
    problems: list[str] = field(default_factory=list)

    def said(self) -> str:
        """Everything the caller heard spoken, in order."""
        return " ".join(line.text for line in self.transcript if line.kind == "hears")

    @property
    def pressed(self) -> list[str]:
        return [line.text for line in self.transcript if line.kind == "presses"]


# --- how requests reach the app -------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    content_type: str


class Transport(Protocol):
    def send(
        self, method: str, url: str, *, form: dict | None = None, body: dict | None = None, headers: dict
    ) -> Reply: ...


class HttpTransport:
    """Real HTTP, to a running app."""

    def __init__(self, timeout: float = 15) -> None:
        self.session = requests.Session()
        self.timeout = timeout  # Twilio gives a webhook 15 s

    def send(self, method, url, *, form=None, body=None, headers) -> Reply:
        try:
            response = self.session.request(
                method, url, data=form, json=body, headers=headers, timeout=self.timeout
            )
        except requests.ConnectionError:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            raise Unreachable(f"nothing answers at {origin}: is the app running?") from None
        except requests.Timeout:
            raise Unreachable(f"{urlsplit(url).path} did not answer within {self.timeout:g} s") from None
        return Reply(response.status_code, response.text, response.headers.get("Content-Type", ""))


class FlaskClientTransport:
    """A Flask test client, for tests with no server (URLs on http://localhost)."""

    def __init__(self, client) -> None:
        self.client = client

    def send(self, method, url, *, form=None, body=None, headers) -> Reply:
        response = self.client.open(url, method=method, data=form, json=body, headers=headers)
        text = response.get_data().decode(errors="replace")
        return Reply(response.status_code, text, response.content_type or "")


# --- the phone -----------------------------------------------------------------------------


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
        call_sid = "CA" + secrets.token_hex(16)
        caller = from_number or "anonymous"
        self.network(call_sid, "ring", **{"from": caller, "to": self.hotline_number})
        params = {"From": caller, "To": self.hotline_number, "Direction": "inbound"}
        player = _Player(self, call_sid, params, script or Script(), self.base_url + STATUS_PATH)
        return player.play(self.base_url + INCOMING_PATH, "POST", first_status="ringing")

    def answer(self, call_sid: str, script: Script | None = None) -> CallResult:
        """Answer a call the app placed through the REST API: fetch its Url and play `script`."""
        reply = self.network(call_sid, "answer")
        call, placed = reply["call"], reply["request"]
        params = {"From": call["from"], "To": call["to"], "Direction": "outbound-api"}
        status = (placed["status_callback"], placed["status_callback_method"])
        player = _Player(self, call_sid, params, script or Script(), *status)
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
            player = _Player(self, call_sid, params, Script(), placed["status_callback"])
            player.send_status(status, 0)
        return result

    # -- plumbing shared with the player --

    def network(self, call_sid: str, event: str, **fields) -> dict:
        """Report a step of the call to the simulator; its answer (see simulator.rest.network)."""
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


# --- playing TwiML -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    root: ET.Element
    url: str


class _Ended(Exception):
    """The call is over: `outcome` says who ended it."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


class _Player:
    """One call: follows TwiML from document to document until someone hangs up."""

    def __init__(
        self,
        phone: SimulatedPhone,
        call_sid: str,
        params: dict[str, str],
        script: Script,
        status_url: str | None,
        status_method: str | None = "POST",
    ) -> None:
        self.phone = phone
        self.call_sid = call_sid
        self.params = {
            "AccountSid": phone.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call_sid,
            "Caller": params["From"],
            "Called": params["To"],
            **params,
        }
        self.script = script
        self.digits: Iterator[str] = iter(script.digits)
        self.status_url = status_url
        self.status_method = status_method or "POST"
        self.result = CallResult(call_sid)
        self.requests = 0
        self.extra_seconds = 0
        self.started = time.monotonic()
        self.pressed_callback = False

    # -- the call from start to end --

    def play(self, url: str, method: str, first_status: str) -> CallResult:
        return self._run(lambda: self._fetch(url, method, status=first_status))

    def play_twiml(self, twiml: str) -> CallResult:
        return self._run(lambda: self._parse(twiml, self.phone.base_url + "/"))

    def _run(self, first: Callable[[], _Document]) -> CallResult:
        try:
            document: _Document | None = first()
            if self.params["Direction"] == "inbound":
                # Twilio answers an inbound call with the TwiML of its first webhook.
                self.phone.network(self.call_sid, "answer")
            while document is not None:
                try:
                    document = self._execute(document)
                except _Redirected as taken:
                    document = self._follow(taken.instruction, document)
            self.result.outcome = "the hotline's instructions ended"
        except _Ended as end:
            self.result.outcome = end.outcome
        except SimulatorError as error:
            error.transcript = self.result.transcript
            self._end_quietly()
            raise
        self._end()
        return self.result

    def _follow(self, instruction: dict, document: _Document) -> _Document:
        """What the REST API asked of the call: new TwiML, or the end."""
        if instruction["kind"] == "hangup":
            raise _Ended("the hotline hung up through the REST API")
        if instruction["kind"] == "twiml":
            return self._parse(instruction["twiml"], document.url)
        return self._fetch(instruction["url"], instruction.get("method") or "POST")

    def _end(self) -> None:
        self.result.duration = int(time.monotonic() - self.started) + self.extra_seconds
        self.phone.network(self.call_sid, "end", status=self.result.status, duration=self.result.duration)
        self.send_status(self.result.status, self.result.duration)

    def _end_quietly(self) -> None:
        """After an error Twilio still ends the call and says so; any failure here is secondary."""
        with contextlib.suppress(SimulatorError):
            self._end()

    def send_status(self, status: str, duration: int) -> None:
        if not self.status_url:
            return
        params = {
            **self.params,
            "CallStatus": status,
            "CallDuration": str(duration),
            "Duration": str(-(-duration // 60)),
            "Timestamp": format_datetime(datetime.now(UTC)),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": "0",
        }
        reply = self.phone.webhook(self.status_url, self.status_method, params)
        if not 200 <= reply.status < 300:
            raise Refused(f"{urlsplit(self.status_url).path} answered HTTP {reply.status}", reply.status)

    # -- fetching TwiML --

    def _fetch(self, url: str, method: str = "POST", status: str = "in-progress", **extra: str) -> _Document:
        self.requests += 1
        if self.requests > MAX_REQUESTS:
            raise SimulatorError(f"the call made more than {MAX_REQUESTS} requests: is the TwiML looping?")
        params = {**self.params, "CallStatus": status, **{k: str(v) for k, v in extra.items()}}
        reply = self.phone.webhook(url, method, params)
        path = urlsplit(url).path
        if reply.status != 200:
            self._hear("We are sorry, an application error has occurred. Goodbye.")
            raise Refused(f"{path} answered HTTP {reply.status}", reply.status)
        if not reply.content_type.startswith(("application/xml", "text/xml")):
            raise SimulatorError(f"{path} answered {reply.content_type or 'no content type'}, not TwiML")
        return self._parse(reply.text, url)

    def _parse(self, text: str, url: str) -> _Document:
        try:
            root = ET.fromstring(text)
        except ET.ParseError as error:
            raise SimulatorError(f"{urlsplit(url).path} answered malformed TwiML ({error})") from None
        if root.tag != "Response":
            raise SimulatorError(f"{urlsplit(url).path} answered <{root.tag}>, not <Response>")
        return _Document(root, url)

    def _post_back(self, document: _Document, node: ET.Element, **extra: str) -> _Document:
        """Request a verb's action (by default the document's own URL), as Twilio does."""
        url = urljoin(document.url, node.get("action") or document.url)
        return self._fetch(url, node.get("method", "POST"), **extra)

    # -- the transcript --

    def _hear(self, text: str) -> None:
        self._note("hears", " ".join(text.split()))

    def _note(self, kind: str, text: str) -> None:
        line = Line(kind, text)
        self.result.transcript.append(line)
        if self.phone.listener is not None:
            self.phone.listener(line)

    def _sound(self, node: ET.Element, document: _Document) -> bool:
        """Say, Play or Pause: heard. False for any other verb."""
        if node.tag == "Say":
            self._hear(node.text or "")
        elif node.tag == "Play":
            url = urljoin(document.url, (node.text or "").strip())
            self._note("plays", urlsplit(url).path)
            status = self.phone.audio_status(url)
            if status is not None and status != 200:
                self.result.problems.append(f"{urlsplit(url).path} answered HTTP {status}")
                self._note("note", f"could not play {urlsplit(url).path} (HTTP {status})")
        elif node.tag != "Pause":
            return False
        return True

    # -- the verbs --

    def _execute(self, document: _Document) -> _Document | None:
        """Run a document's verbs; the next document, or None when the TwiML ends."""
        self._check_instructions()
        for node in document.root:
            if self._sound(node, document):
                continue
            handler = getattr(self, f"_verb_{node.tag.lower()}", None)
            if handler is None:
                raise SimulatorError(f"<{node.tag}> is not simulated (in {urlsplit(document.url).path})")
            following = handler(node, document)
            if following is not None:
                return following
        return None

    def _check_instructions(self) -> None:
        instruction = self.phone.network(self.call_sid, "poll")["instruction"]
        if instruction is not None:
            raise _Redirected(instruction)

    def _gather(self, node: ET.Element, document: _Document, digits: str) -> _Document | None:
        for child in node:
            if not self._sound(child, document):
                raise SimulatorError(f"<{child.tag}> inside <Gather> is not simulated")
        finish = node.get("finishOnKey", "#")
        digits = digits.split(finish)[0] if finish else digits
        if node.get("numDigits"):
            digits = digits[: int(node.get("numDigits"))]
        if digits:
            self._note("presses", digits)
            return self._post_back(document, node, Digits=digits, FinishedOnKey="")
        if node.get("actionOnEmptyResult") == "true":
            return self._post_back(document, node, Digits="", FinishedOnKey="")
        return None

    def _verb_gather(self, node: ET.Element, document: _Document) -> _Document | None:
        return self._gather(node, document, next(self.digits, ""))

    def _verb_redirect(self, node: ET.Element, document: _Document) -> _Document:
        return self._fetch(urljoin(document.url, (node.text or "").strip()), node.get("method", "POST"))

    def _verb_hangup(self, node: ET.Element, document: _Document) -> None:
        raise _Ended("the hotline hung up")

    def _verb_leave(self, node: ET.Element, document: _Document) -> None:
        return None  # outside a queue, <Leave> does nothing

    def _verb_record(self, node: ET.Element, document: _Document) -> _Document:
        seconds = min(self.script.message_seconds, int(node.get("maxLength", "3600")))
        recording_sid = "RE" + secrets.token_hex(16)
        self.phone.network(self.call_sid, "record", recording_sid=recording_sid, seconds=seconds)
        self._note("records", f"a {seconds}-second message")
        self.extra_seconds += seconds
        media = f"{self.phone.base_url}/simulator/{API_VERSION}/Accounts/{self.phone.account_sid}"
        return self._post_back(
            document,
            node,
            RecordingSid=recording_sid,
            RecordingUrl=f"{media}/Recordings/{recording_sid}",
            RecordingDuration=str(seconds),
            Digits=(node.get("finishOnKey", "1234567890*#") or "hangup")[0],
        )

    def _verb_dial(self, node: ET.Element, document: _Document) -> _Document | None:
        self._note("connected", _dialled(node))
        self.extra_seconds += self.script.talk_seconds
        if not node.get("action"):
            return None
        return self._post_back(
            document,
            node,
            DialCallStatus="completed",
            DialCallSid="CA" + secrets.token_hex(16),
            DialCallDuration=str(self.script.talk_seconds),
        )

    def _verb_enqueue(self, node: ET.Element, document: _Document) -> _Document | None:
        return _Queue(self, node, document).wait()


def _dialled(node: ET.Element) -> str:
    """Who a <Dial> reaches, without ever naming a number."""
    for noun in node:
        if noun.tag == "Client":
            identity = noun.findtext("Identity") or noun.text or ""
            return f"client {identity.strip()}"
        if noun.tag == "Queue":
            return f"queue {(noun.text or '').strip()}"
        if noun.tag in {"Sip", "Conference"}:
            return noun.tag.lower()
    return "a phone number"


class _Redirected(Exception):
    """The REST API took the call to new TwiML, or hung it up."""

    def __init__(self, instruction: dict) -> None:
        super().__init__(instruction.get("kind"))
        self.instruction = instruction


class _Queue:
    """An <Enqueue>: the waitUrl in a loop, until the caller or the hotline ends the wait."""

    def __init__(self, player: _Player, node: ET.Element, document: _Document) -> None:
        self.player = player
        self.node = node
        self.document = document
        self.name = (node.text or "").strip()
        wait_url = node.get("waitUrl")
        self.wait_url = urljoin(document.url, wait_url) if wait_url else None
        self.wait_method = node.get("waitUrlMethod", "POST")
        self.figures: dict = {}
        turns = {"hangup": 1, "callback": player.script.wait_loops, "wait": player.script.wait_loops}
        self.turns = turns[player.script.in_queue]

    def wait(self) -> _Document | None:
        player = self.player
        player.result.queue = self.name
        reply = player.phone.network(player.call_sid, "enqueue", queue=self.name)
        if reply["full"]:
            return self._leave("queue-full")
        self.figures = reply["queue"]
        player._note("waits", f"in queue {self.name}")
        turn = 0
        while True:
            reply = player.phone.network(player.call_sid, "wait")
            if reply["instruction"] is not None:
                return self._taken(reply["instruction"], reply["call"])
            if reply["queue"] is None:
                raise SimulatorError(f"call {player.call_sid} left queue {self.name} with no reason")
            self.figures = reply["queue"]
            if turn >= self.turns:
                player.phone.network(player.call_sid, "dequeue")
                self._leave("hangup")
                raise _Ended("the caller hung up while waiting")
            turn += 1
            outcome = self._turn()
            if outcome is not None:
                player.phone.network(player.call_sid, "dequeue")
                return self._leave(outcome)
            if player.script.hold_seconds:
                time.sleep(player.script.hold_seconds)
            if player.script.while_waiting is not None:
                player.script.while_waiting(player.call_sid, turn)

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
        player = self.player
        if self.wait_url is None:
            player._note("plays", "Twilio's hold music")
            return None
        document = player._fetch(self.wait_url, self.wait_method, **self._wait_params())
        while document is not None:
            following = None
            for node in document.root:
                if player._sound(node, document):
                    continue
                if node.tag == "Leave":
                    return "leave"
                if node.tag == "Hangup":
                    return "hangup"
                if node.tag == "Redirect":
                    url = urljoin(document.url, (node.text or "").strip())
                    following = player._fetch(url, node.get("method", "POST"), **self._wait_params())
                elif node.tag == "Gather":
                    following = self._gather(node, document)
                else:
                    raise SimulatorError(f"<{node.tag}> is not allowed in a waitUrl's TwiML")
                if following is not None:
                    break
            document = following
        return None

    def _gather(self, node: ET.Element, document: _Document) -> _Document | None:
        player = self.player
        digits = ""
        if player.script.in_queue == "callback" and not player.pressed_callback:
            digits, player.pressed_callback = "1", True
        for child in node:
            if not player._sound(child, document):
                raise SimulatorError(f"<{child.tag}> inside <Gather> is not simulated")
        if not digits:
            return None
        player._note("presses", digits)
        url = urljoin(document.url, node.get("action") or document.url)
        return player._fetch(url, node.get("method", "POST"), Digits=digits, **self._wait_params())

    def _leave(self, result: str, queue_time: int | None = None) -> _Document | None:
        """Tell the Enqueue action why the caller left; its TwiML goes on (unless they hung up)."""
        player = self.player
        player.result.queue_result = result
        if queue_time is None:
            queue_time = self.figures.get("wait_time", 0)
        player._note("waits", f"left queue {self.name}: {result}")
        extra = {"QueueResult": result, "QueueTime": str(queue_time)}
        if self.figures:
            extra["QueueSid"] = self.figures["sid"]
        action = self.node.get("action")
        if not action:
            return None
        document = player._fetch(urljoin(self.document.url, action), self.node.get("method", "POST"), **extra)
        return None if result in {"hangup", "redirected"} else document

    def _taken(self, instruction: dict, call: dict) -> _Document | None:
        """The REST API redirected the waiting call, or hung it up."""
        queue_time = max(int(call.get("queue_time") or 0), self.figures.get("wait_time", 0))
        if instruction["kind"] == "hangup":
            self._leave("hangup", queue_time)
            raise _Ended("the hotline hung up through the REST API")
        self._leave("redirected", queue_time)
        return self.player._follow(instruction, self.document)
