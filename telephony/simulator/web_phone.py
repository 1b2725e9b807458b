"""The simulated phone, played from a browser page (/simulator/phone).

A browser cannot sign Twilio's webhooks, so the server plays the caller: each
call from the page is a `SimulatedPhone` call in a background thread, like
`flask simulate-call`, whose keypad is the page. The page's keys wait in a
Redis list; at each <Gather> the phone takes the next key, waiting up to
KEYPAD_SECONDS for one (none: no input, as on a real line). What the caller
hears goes to a Redis list the page reads from where it left off. Hanging up
wakes the keypad, and leaves the phone the instruction to hang up wherever it
is (in the queue, say), as the network does when a caller puts the phone down.

Everything about a page call is under simulator:phone:<CallSid> (`handset`): the
page and the thread may be in different processes. The caller's number is in none
of it: it goes only into the webhooks, as Twilio sends it.

The page also answers for the number it calls from (`listen`, every second or so):
a call the simulator places to that number rings there instead of being answered as
SIMULATOR_OUTBOUND says. `answer` hands it to the page's person (a human, for
machine detection): the simulator then follows its TwiML with the page as the
phone (`callee`), or, for a <Dial><Number> leg, the Dial that rang it goes on
with the page on the line. `decline` makes it busy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from redis import Redis

from telephony.simulator import bridge, handset, state, subscribers
from telephony.simulator.errors import SimulatorError
from telephony.simulator.handset import HANG_UP, CallOver, Keypad, Transcript, UnknownPageCall
from telephony.simulator.ids import new_sid
from telephony.simulator.phone import INCOMING_PATH, STATUS_PATH, Line, Script, SimulatedPhone
from telephony.simulator.player import Player

__all__ = ["CallOver", "Transcript", "UnknownPageCall"]

log = logging.getLogger(__name__)

# How long a menu waits for a key pressed on the page: longer than Twilio's
# 5 s, since the caller reads the prompts first.
KEYPAD_SECONDS = 15.0
# In the queue the caller waits until they hang up or an operator takes them:
# the hold music's turns, each this long, up to an hour.
HOLD_SECONDS = 3.0
HOLD_TURNS = 1200
MAX_LIVE_CALLS = 20
# The page says it answers for its number every second or so; past this, it does not.
LISTEN_SECONDS = 5.0

_live = threading.BoundedSemaphore(MAX_LIVE_CALLS)


class TooManyCalls(RuntimeError):
    """MAX_LIVE_CALLS page calls are going on in this process already."""


class NotRinging(LookupError):
    """No call with that CallSid rings for the page's number (now)."""


class PagePhone(SimulatedPhone):
    """A simulated phone whose CallSid is chosen first, so the page can address the call at once."""

    def call_as(self, call_sid: str, from_number: str | None, script: Script):
        """As `SimulatedPhone.call`, with `call_sid`."""
        caller = from_number or "anonymous"
        self.network(call_sid, "ring", **{"from": caller, "to": self.hotline_number})
        params = {"From": caller, "To": self.hotline_number, "Direction": "inbound"}
        player = Player(self, call_sid, params, script, self.base_url + STATUS_PATH)
        return player.play(self.base_url + INCOMING_PATH, "POST", first_status="ringing")


# What the phone needs of the app's settings.
SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "HOTLINE_NUMBER", "REDIS_URL")


def place_call(redis: Redis, config: Mapping, base_url: str, from_number: str | None) -> str:
    """Call the hotline at `base_url` from `from_number` (None: withheld), played in
    a background thread; the CallSid. `config`: the app's settings."""
    if not _live.acquire(blocking=False):
        raise TooManyCalls(f"{MAX_LIVE_CALLS} calls from the page are going on already")
    call_sid = new_sid("CA")
    handset.open_call(redis, call_sid)
    settings = {name: config[name] for name in SETTINGS}
    thread = threading.Thread(
        target=_play,
        args=(settings, base_url, call_sid, from_number),
        name=f"simulator-phone-{call_sid}",
        daemon=True,
    )
    try:
        thread.start()
    except RuntimeError:
        _live.release()
        raise
    return call_sid


def _play(settings: dict, base_url: str, call_sid: str, from_number: str | None) -> None:
    redis = Redis.from_url(settings["REDIS_URL"], socket_timeout=KEYPAD_SECONDS + 5, socket_connect_timeout=5)
    script = page_script(redis, call_sid)

    def note(line: Line) -> None:
        handset.append(redis, call_sid, line)

    try:
        PagePhone.for_app(settings, base_url, listener=note).call_as(call_sid, from_number, script)
    except SimulatorError as error:
        note(Line("note", str(error)))
        log.warning("simulator phone: call %s ended in error: %s", call_sid, type(error).__name__)
    except Exception as error:  # the page must still learn that the call is over
        log.error("simulator phone: call %s failed: %s", call_sid, type(error).__name__)
    finally:
        handset.close_call(redis, call_sid)
        redis.close()
        _live.release()


def page_script(redis: Redis, call_sid: str) -> Script:
    """What a person at the page does: keys from the page, waits in a queue until they hang up."""
    return Script(
        digits=Keypad(redis, call_sid, KEYPAD_SECONDS),  # type: ignore[arg-type]  # the player calls next() on it
        in_queue="wait",
        wait_loops=HOLD_TURNS,
        hold_seconds=HOLD_SECONDS,
        talk_seconds=None,
    )


def press(redis: Redis, call_sid: str, keys: str) -> None:
    """Keys pressed on the page, for the next <Gather>."""
    if handset.status(redis, call_sid)["ended"] == "1":
        raise CallOver(call_sid)
    pipe = redis.pipeline()
    pipe.rpush(handset.key(call_sid, "keys"), keys)
    pipe.expire(handset.key(call_sid, "keys"), handset.TTL_SECONDS)
    pipe.execute()


def hang_up(redis: Redis, call_sid: str) -> None:
    """Put the phone down: a waiting menu hears it at once, anything else at its
    next step (the network's instruction, as when the hotline hangs up). A dialled
    leg answered on the page ends at once, and the Dial that rang it goes on."""
    status = handset.status(redis, call_sid)
    if status["ended"] == "1" or status["hung_up"] == "1":
        return
    pipe = redis.pipeline()
    pipe.hset(handset.key(call_sid, "status"), "hung_up", 1)
    pipe.rpush(handset.key(call_sid, "keys"), HANG_UP)
    pipe.expire(handset.key(call_sid, "keys"), handset.TTL_SECONDS)
    pipe.execute()
    call = state.load("call", call_sid)
    if call is None:
        return
    if call.get("direction") == "outbound-dial":
        bridge.end(call_sid, time.time(), "callee")
    elif call.get("status") not in state.NOT_ANSWERED:
        state.instruct(call, {"kind": "hangup"}, time.time())


def transcript(redis: Redis, call_sid: str, after: int, most: int) -> Transcript:
    """At most `most` lines, from line `after` (0: the first) on."""
    return handset.read(redis, call_sid, after, most)


# --- calls to the page's number ---------------------------------------------------


def listen(number: str, now: float) -> str | None:
    """The page answers for `number` (for LISTEN_SECONDS more); the CallSid of the
    oldest call ringing for it, if any."""
    subscribers.claim(number, subscribers.PAGE, LISTEN_SECONDS)
    ringing = bridge.ringing_at(subscribers.ringing_key(number), now)
    return ringing["sid"] if ringing else None


def answer(redis: Redis, number: str, call_sid: str, now: float) -> None:
    """The person at the page answers the call ringing for their number: a human,
    for machine detection. The simulator then plays its TwiML with the page as the phone."""
    leg = _ringing_for_page(number, call_sid, now)
    handset.open_call(redis, call_sid)
    fields = {"status": bridge.TALKING, "start": now, "updated": now, "page": 1}
    if leg.get("detects"):
        fields["answered_by"] = "human"
    if not bridge.transition(call_sid, {bridge.RINGING}, fields):
        raise NotRinging(call_sid)
    bridge.unoffer(leg)


def decline(number: str, call_sid: str, now: float) -> None:
    """The person at the page declines the call ringing for their number: busy, as on a phone."""
    _ringing_for_page(number, call_sid, now)
    if not bridge.end(call_sid, now, "callee", unanswered="busy", allowed=frozenset({bridge.RINGING})):
        raise NotRinging(call_sid)


def _ringing_for_page(number: str, call_sid: str, now: float) -> dict[str, str]:
    key = subscribers.ringing_key(number)
    leg = state.load("call", call_sid)
    if key is None or leg is None or leg.get("rings") != key:
        raise NotRinging(call_sid)
    leg = bridge.settle(leg, now)
    if leg["status"] != bridge.RINGING:
        raise NotRinging(call_sid)
    return leg
