"""The simulated phone, played from a browser page (/simulator/phone).

A browser cannot sign Twilio's webhooks, so the server plays the caller: each
call from the page is a `SimulatedPhone` call in a background thread, like
`flask simulate-call`, whose keypad is the page. The page's keys wait in a
Redis list; at each <Gather> the phone takes the next key, waiting up to
KEYPAD_SECONDS for one (none: no input, as on a real line). What the caller
hears goes to a Redis list the page reads from where it left off. Hanging up
wakes the keypad, and leaves the phone the instruction to hang up wherever it
is (in the queue, say), as the network does when a caller puts the phone down.

Everything about a page call is under simulator:phone:<CallSid>: the page and
the thread may be in different processes. The caller's number is in none of it:
it goes only into the webhooks, as Twilio sends it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from redis import Redis

from telephony.simulator import state
from telephony.simulator.errors import SimulatorError
from telephony.simulator.ids import new_sid
from telephony.simulator.leg import Ended
from telephony.simulator.phone import INCOMING_PATH, STATUS_PATH, Line, Script, SimulatedPhone
from telephony.simulator.player import Player

log = logging.getLogger(__name__)

# How long a menu waits for a key pressed on the page: longer than Twilio's
# 5 s, since the caller reads the prompts first.
KEYPAD_SECONDS = 15.0
# In the queue the caller waits until they hang up or an operator takes them:
# the hold music's turns, each this long, up to an hour.
HOLD_SECONDS = 3.0
HOLD_TURNS = 1200
TTL_SECONDS = 3600
MAX_LIVE_CALLS = 20
HANG_UP = "hang-up"  # in the keys list: wakes a keypad that is waiting

_live = threading.BoundedSemaphore(MAX_LIVE_CALLS)


class TooManyCalls(RuntimeError):
    """MAX_LIVE_CALLS page calls are going on in this process already."""


class UnknownPageCall(LookupError):
    """No call was placed from the page with that CallSid (or it is forgotten)."""


class CallOver(RuntimeError):
    """The call has ended: it takes no more keys."""


def _key(call_sid: str, part: str) -> str:
    return f"{state.PREFIX}phone:{call_sid}:{part}"


@dataclass(frozen=True)
class Transcript:
    """What the page shows: the lines from `after` on, and whether the call is over."""

    lines: list[dict]
    next: int
    ended: bool
    hung_up: bool


class Keypad:
    """The phone's keypad: an iterator of the keys the page sends, as `Script.digits`."""

    def __init__(self, redis: Redis, call_sid: str, seconds: float) -> None:
        self.redis = redis
        self.key = _key(call_sid, "keys")
        self.seconds = seconds

    def __iter__(self) -> Keypad:
        return self

    def __next__(self) -> str:
        popped = self.redis.blpop([self.key], timeout=self.seconds)
        if popped is None:
            return ""
        keys = popped[1].decode()
        if keys == HANG_UP:
            raise Ended("the caller hung up")
        return keys


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
    status = _key(call_sid, "status")
    redis.hset(status, mapping={"ended": 0, "hung_up": 0})
    redis.expire(status, TTL_SECONDS)
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
    lines = _key(call_sid, "lines")

    def note(line: Line) -> None:
        redis.rpush(lines, json.dumps({"kind": line.kind, "text": line.text}))
        redis.expire(lines, TTL_SECONDS)

    script = Script(
        digits=Keypad(redis, call_sid, KEYPAD_SECONDS),  # type: ignore[arg-type]  # the player calls next() on it
        in_queue="wait",
        wait_loops=HOLD_TURNS,
        hold_seconds=HOLD_SECONDS,
    )
    try:
        PagePhone.for_app(settings, base_url, listener=note).call_as(call_sid, from_number, script)
    except SimulatorError as error:
        note(Line("note", str(error)))
        log.warning("simulator phone: call %s ended in error: %s", call_sid, type(error).__name__)
    except Exception as error:  # the page must still learn that the call is over
        log.error("simulator phone: call %s failed: %s", call_sid, type(error).__name__)
    finally:
        redis.hset(_key(call_sid, "status"), "ended", 1)
        redis.expire(_key(call_sid, "status"), TTL_SECONDS)
        redis.delete(_key(call_sid, "keys"))
        redis.close()
        _live.release()


def _status(redis: Redis, call_sid: str) -> dict[str, str]:
    raw = redis.hgetall(_key(call_sid, "status"))
    if not raw:
        raise UnknownPageCall(call_sid)
    return {name.decode(): value.decode() for name, value in raw.items()}


def press(redis: Redis, call_sid: str, keys: str) -> None:
    """Keys pressed on the page, for the next <Gather>."""
    if _status(redis, call_sid)["ended"] == "1":
        raise CallOver(call_sid)
    pipe = redis.pipeline()
    pipe.rpush(_key(call_sid, "keys"), keys)
    pipe.expire(_key(call_sid, "keys"), TTL_SECONDS)
    pipe.execute()


def hang_up(redis: Redis, call_sid: str) -> None:
    """Put the phone down: a waiting menu hears it at once, anything else at its
    next step (the network's instruction, as when the hotline hangs up)."""
    status = _status(redis, call_sid)
    if status["ended"] == "1" or status["hung_up"] == "1":
        return
    pipe = redis.pipeline()
    pipe.hset(_key(call_sid, "status"), "hung_up", 1)
    pipe.rpush(_key(call_sid, "keys"), HANG_UP)
    pipe.expire(_key(call_sid, "keys"), TTL_SECONDS)
    pipe.execute()
    call = state.load("call", call_sid)
    if call is not None and call.get("status") not in state.NOT_ANSWERED:
        state.instruct(call, {"kind": "hangup"}, time.time())


def transcript(redis: Redis, call_sid: str, after: int, most: int) -> Transcript:
    """At most `most` lines, from line `after` (0: the first) on."""
    status = _status(redis, call_sid)
    raw = redis.lrange(_key(call_sid, "lines"), after, after + most - 1)
    return Transcript(
        lines=[json.loads(line) for line in raw],
        next=after + len(raw),
        ended=status["ended"] == "1",
        hung_up=status["hung_up"] == "1",
    )
