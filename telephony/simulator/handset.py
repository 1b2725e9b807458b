"""What a call the simulator plays in the background keeps for whoever follows it:
its transcript (what that end hears), its keypad, whether it is over.

A call placed from /simulator/phone, a call the app placed that the simulator
answers itself (`callee`), and a dialled leg whose TwiML the simulator plays
(a <Number>'s url) all keep these under simulator:phone:<CallSid>: the page
reads them from any process, and a test reads the transcript with `read`. No
number is in any of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from redis import Redis

from telephony.simulator import state
from telephony.simulator.leg import Ended
from telephony.simulator.script import Line

TTL_SECONDS = 3600
HANG_UP = "hang-up"  # in the keys list: wakes a keypad that is waiting


class UnknownPageCall(LookupError):
    """No call the simulator keeps a transcript of has that CallSid (or it is forgotten)."""


class CallOver(RuntimeError):
    """The call has ended: it takes no more keys."""


def key(call_sid: str, part: str) -> str:
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
        self.key = key(call_sid, "keys")
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


def open_call(redis: Redis, call_sid: str) -> None:
    """Start keeping the call (a second time changes nothing)."""
    pipe = redis.pipeline()
    pipe.hsetnx(key(call_sid, "status"), "ended", 0)
    pipe.hsetnx(key(call_sid, "status"), "hung_up", 0)
    pipe.expire(key(call_sid, "status"), TTL_SECONDS)
    pipe.execute()


def close_call(redis: Redis, call_sid: str) -> None:
    """The call is over: its transcript says so, and it takes no more keys."""
    pipe = redis.pipeline()
    pipe.hset(key(call_sid, "status"), "ended", 1)
    pipe.expire(key(call_sid, "status"), TTL_SECONDS)
    pipe.delete(key(call_sid, "keys"))
    pipe.execute()


def append(redis: Redis, call_sid: str, line: Line) -> None:
    pipe = redis.pipeline()
    pipe.rpush(key(call_sid, "lines"), json.dumps({"kind": line.kind, "text": line.text}))
    pipe.expire(key(call_sid, "lines"), TTL_SECONDS)
    pipe.execute()


def status(redis: Redis, call_sid: str) -> dict[str, str]:
    raw = redis.hgetall(key(call_sid, "status"))
    if not raw:
        raise UnknownPageCall(call_sid)
    return {name.decode(): value.decode() for name, value in raw.items()}


def read(redis: Redis, call_sid: str, after: int = 0, most: int = 500) -> Transcript:
    """At most `most` lines, from line `after` (0: the first) on."""
    kept = status(redis, call_sid)
    raw = redis.lrange(key(call_sid, "lines"), after, after + most - 1)
    return Transcript(
        lines=[json.loads(line) for line in raw],
        next=after + len(raw),
        ended=kept["ended"] == "1",
        hung_up=kept["hung_up"] == "1",
    )


def heard(redis: Redis, call_sid: str) -> str:
    """Everything that end heard spoken, in order (as `CallResult.said`)."""
    return " ".join(line["text"] for line in read(redis, call_sid).lines if line["kind"] == "hears")
