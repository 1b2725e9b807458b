"""A <Dial>'s child leg in the simulator's records: created by the caller's phone,
rung, answered (by a simulated device, or by the simulator for a number), ended.

A child leg is a call record like any other (see `state`), with direction
"outbound-dial", `parent` (the caller's CallSid), `client` (the identity a
<Client> rings; opaque, so kept plain) and `ended_by`. Its From and To are
encrypted like every number. The parent's record names its child in `dial`.

Every change of a leg's status is one conditional update in Redis (a small Lua
script: set these fields only if the status is one of those), so a device's
accept and the ring timeout, or two hang-ups, cannot both win. The calls a
client identity may answer are a sorted set at simulator:client:<hash of the
identity>, by when they rang.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app

from telephony.simulator import state

log = logging.getLogger(__name__)

RINGING = "ringing"
TALKING = "in-progress"
LIVE = frozenset({RINGING, TALKING})
ENDED_BY = frozenset({"operator", "caller", "hotline", "timeout"})

_TRANSITION = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status or not string.find(ARGV[1], ',' .. status .. ',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""


def _ringing_key(identity: str) -> str:
    return f"{state.PREFIX}client:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def transition(sid: str, allowed: set[str] | frozenset[str], fields: dict[str, object]) -> bool:
    """Set `fields` on leg `sid` only if its status is one of `allowed`; whether it was."""
    redis = state._redis()
    script = redis.register_script(_TRANSITION)
    pairs = [str(part) for name, value in fields.items() for part in (name, value)]
    return bool(script(keys=[state.key("call", sid)], args=[f",{','.join(allowed)},", *pairs]))


def dial(
    parent: dict[str, str],
    child_sid: str,
    to: str,
    client: str | None,
    timeout: int,
    now: float,
    caller_id: str | None = None,
) -> None:
    """Ring a new child leg of `parent`: a client identity, or a number the simulator answers."""
    answer_at = "" if client else now + current_app.config["SIMULATOR_ANSWER_SECONDS"]
    fields = {
        "sid": child_sid,
        "direction": "outbound-dial",
        "parent": parent["sid"],
        "status": RINGING,
        "from": caller_id or parent.get("from", ""),
        "to": f"client:{client}" if client else to,
        "client": client or "",
        "created": now,
        "updated": now,
        "deadline": now + timeout,
        "answer_at": answer_at,
        "muted": 0,
    }
    state.save("call", child_sid, fields)
    if client:
        redis = state._redis()
        redis.zadd(_ringing_key(client), {child_sid: now})
        redis.expire(_ringing_key(client), state.TTL_SECONDS)
    state.save("call", parent["sid"], {"dial": child_sid, "updated": now})
    log.info("simulator: call %s dials %s", parent["sid"], child_sid)


def settle(leg: dict[str, str], now: float) -> dict[str, str]:
    """Let time act on a ringing leg: a number answers after SIMULATOR_ANSWER_SECONDS,
    and a leg nobody answers within the Dial's timeout is no-answer. The leg as it is now."""
    if leg["status"] != RINGING:
        return leg
    answer_at, deadline = float(leg.get("answer_at") or "inf"), float(leg["deadline"])
    if now >= answer_at and answer_at < deadline:
        transition(leg["sid"], {RINGING}, {"status": TALKING, "start": answer_at, "updated": now})
    elif now >= deadline:
        end(leg["sid"], now, "timeout", unanswered="no-answer", allowed=frozenset({RINGING}))
    return state.load("call", leg["sid"]) or leg


def end(
    sid: str, now: float, ended_by: str, unanswered: str = "canceled", allowed: frozenset[str] = LIVE
) -> bool:
    """Hang up leg `sid` if its status is one of `allowed`: `unanswered` if it was still
    ringing, else completed with its talk time. Whether this call ended it (ending an
    ended leg changes nothing)."""
    for _ in range(3):  # the status may move under us once (ringing, then answered)
        leg = state.load("call", sid)
        if leg is None or leg["status"] not in allowed:
            return False
        if leg["status"] == TALKING:
            duration = max(0, int(now - float(leg["start"])))
            fields = {"status": "completed", "duration": duration}
        else:
            fields = {"status": unanswered, "duration": 0}
        fields.update(end=now, updated=now, ended_by=ended_by)
        if transition(sid, {leg["status"]}, fields):
            _forget(leg)
            log.info("simulator: dialled leg %s %s (%s)", sid, fields["status"], ended_by)
            return True
    return False


def _forget(leg: dict[str, str]) -> None:
    """An ended leg is no longer offered to its client, and lives as an ended call does."""
    redis = state._redis()
    if leg.get("client"):
        redis.zrem(_ringing_key(leg["client"]), leg["sid"])
    redis.expire(state.key("call", leg["sid"]), state.ENDED_TTL_SECONDS)


def ringing_for(client: str, now: float) -> dict[str, str] | None:
    """The oldest leg ringing for `client` now, if any."""
    for sid in state._redis().zrange(_ringing_key(client), 0, -1):
        leg = state.load("call", sid.decode())
        if leg is not None:
            leg = settle(leg, now)
        if leg is not None and leg["status"] == RINGING:
            return leg
        state._redis().zrem(_ringing_key(client), sid)
    return None


def summary(leg: dict[str, str]) -> dict[str, object]:
    """A leg as the caller's phone and the device see it: nothing private."""
    return {
        "sid": leg["sid"],
        "parent_call_sid": leg.get("parent"),
        "status": leg["status"],
        "muted": leg.get("muted") == "1",
        "ended_by": leg.get("ended_by"),
        "duration": int(leg["duration"]) if leg.get("duration") else 0,
        "answered": bool(leg.get("start")),
        "client": bool(leg.get("client")),
    }
