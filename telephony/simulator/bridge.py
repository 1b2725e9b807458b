"""A <Dial>'s child leg in the simulator's records: created by the caller's phone,
rung, answered (by a simulated device, a page, or the simulator), ended; and the
sets of calls ringing for a client identity or a number, which a REST-created
call joins too.

A child leg is a call record like any other (see `state`), with direction
"outbound-dial", `parent` (the caller's CallSid), `client` (the identity a
<Client> rings; opaque, so kept plain), `rings` (the set it rings in, if any) and
`ended_by`. Its From and To are encrypted like every number. The parent's record
names its child in `dial`.

A <Number> leg is answered as the simulator decides when it is placed (`answering`):
rung on the /simulator/phone page that answers for the number, else as
SIMULATOR_OUTBOUND says (answered after SIMULATOR_ANSWER_SECONDS, busy or no-answer
after SIMULATOR_RING_SECONDS, failed at once); once answered it hangs up after
SIMULATOR_TALK_SECONDS, if set. Time acts on a leg whenever someone looks at it
(`settle`), so no process needs to wait for it.

Every change of a leg's status is one conditional update in Redis (a small Lua
script: set these fields only if the status is one of those), so a device's
accept and the ring timeout, or two hang-ups, cannot both win. The calls a
client identity may answer are a sorted set at simulator:client:<hash of the
identity>, by when they rang; a number's at simulator:rings:<keyed hash> (`subscribers`).
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app

from telephony.simulator import handset, outbound, state, subscribers

log = logging.getLogger(__name__)

RINGING = "ringing"
TALKING = "in-progress"
LIVE = frozenset({RINGING, TALKING})
ENDED_BY = frozenset({"operator", "caller", "callee", "hotline", "timeout"})

_TRANSITION = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status or not string.find(ARGV[1], ',' .. status .. ',', 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""


def client_key(identity: str) -> str:
    return f"{state.PREFIX}client:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def transition(sid: str, allowed: set[str] | frozenset[str], fields: dict[str, object]) -> bool:
    """Set `fields` on leg `sid` only if its status is one of `allowed`; whether it was."""
    redis = state._redis()
    script = redis.register_script(_TRANSITION)
    pairs = [str(part) for name, value in fields.items() for part in (name, value)]
    return bool(script(keys=[state.key("call", sid)], args=[f",{','.join(allowed)},", *pairs]))


def answering(to: str, machine_detection: str | None) -> dict[str, str]:
    """Who answers a call the simulator places to the number `to`, decided as it is placed:
    "answerer" is "page" or "phone" (a simulated phone answers for the number: see
    `subscribers`) or "simulator" (as SIMULATOR_OUTBOUND says: "outcome"); "detects"
    is the AnsweredBy an answer gives when machine detection was asked."""
    answerer = subscribers.answered_by(to)
    if answerer is not None:
        return {
            "answerer": answerer,
            "outcome": "",
            "detects": outbound.answered_by("answer", machine_detection),
        }
    outcome = outbound.next_outcome(to)
    return {
        "answerer": "simulator",
        "outcome": outcome,
        "detects": outbound.answered_by(outcome, machine_detection),
    }


def dial(
    parent: dict[str, str],
    child_sid: str,
    to: str,
    client: str | None,
    timeout: int,
    now: float,
    caller_id: str | None = None,
    machine_detection: str | None = None,
) -> None:
    """Ring a new child leg of `parent`: a client identity, or a number (see `answering`)."""
    fields: dict[str, object] = {
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
        "muted": 0,
    }
    rings = client_key(client) if client else None
    if not client:
        far_end = answering(to, machine_detection)
        if far_end["answerer"] == subscribers.PAGE:
            rings = subscribers.ringing_key(to)
            fields["detects"] = far_end["detects"]
        else:  # a phone in a test plays REST-created calls only: the simulator answers this one
            outcome = far_end["outcome"] or outbound.next_outcome(to)
            fields.update(_timed(outcome, now), detects=outbound.answered_by(outcome, machine_detection))
    state.create("call", child_sid, fields)
    if rings:
        offer(child_sid, rings, now)
    state.save("call", parent["sid"], {"dial": child_sid, "updated": now})
    log.info("simulator: call %s dials %s", parent["sid"], child_sid)


def _timed(outcome: str, now: float) -> dict[str, object]:
    """When time settles a leg the simulator answers itself (see `settle`)."""
    config = current_app.config
    if outcome in outbound.ANSWERED:
        talk = config["SIMULATOR_TALK_SECONDS"]
        return {
            "answer_at": now + config["SIMULATOR_ANSWER_SECONDS"],
            "hangup_after": "" if talk is None else talk,
        }
    delay = 0 if outcome == outbound.FAILED else config["SIMULATOR_RING_SECONDS"]
    return {"end_at": now + delay, "end_status": outcome}


def settle(leg: dict[str, str], now: float) -> dict[str, str]:
    """Let time act on a leg: a ringing leg is answered at `answer_at`, ends busy,
    no-answer or failed at `end_at`, or no-answer at the Dial's deadline, whichever
    comes first; an answered leg with `hangup_after` hangs up that long after it was
    answered. The leg as it is now."""
    talked = now - float(leg["start"]) if leg.get("start") else 0.0
    if leg["status"] == TALKING and leg.get("hangup_after") and talked >= float(leg["hangup_after"]):
        end(leg["sid"], now, "callee")
        return state.load("call", leg["sid"]) or leg
    if leg["status"] != RINGING or not leg.get("deadline"):
        return leg
    answer_at = float(leg.get("answer_at") or "inf")
    end_at = float(leg.get("end_at") or "inf")
    deadline = float(leg["deadline"])
    first = min(answer_at, end_at, deadline)
    if now < first:
        return leg
    if first == answer_at and answer_at < deadline:
        fields = {"status": TALKING, "start": answer_at, "updated": now}
        if leg.get("detects"):
            fields["answered_by"] = leg["detects"]
        transition(leg["sid"], {RINGING}, fields)
    elif first == end_at and end_at < deadline:
        end(
            leg["sid"],
            now,
            "callee",
            unanswered=leg.get("end_status") or "failed",
            allowed=frozenset({RINGING}),
        )
    else:
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
            log.info("simulator: call %s %s (%s)", sid, fields["status"], ended_by)
            return True
    return False


def _forget(leg: dict[str, str]) -> None:
    """An ended call rings for nobody, keeps no more of what the app asked of it, and
    lives as an ended call does; a page following it hears it is over."""
    unoffer(leg)
    redis = state._redis()
    redis.hdel(state.key("call", leg["sid"]), *state.PLACED)
    redis.expire(state.key("call", leg["sid"]), state.ENDED_TTL_SECONDS)
    if leg.get("page"):
        handset.close_call(redis, leg["sid"])


# --- the calls ringing for a client identity or a number ------------------------------


def offer(sid: str, rings: str, now: float) -> None:
    """Call `sid` rings in the set `rings` (a client's, or a number's) from `now` on."""
    state.save("call", sid, {"rings": rings, "updated": now})
    pipe = state._redis().pipeline()
    pipe.zadd(rings, {sid: now})
    pipe.expire(rings, state.TTL_SECONDS)
    pipe.execute()


def unoffer(leg: dict[str, str]) -> None:
    if leg.get("rings"):
        state._redis().zrem(leg["rings"], leg["sid"])


def ringing_at(rings: str | None, now: float) -> dict[str, str] | None:
    """The oldest call ringing in the set `rings` now, if any."""
    if rings is None:
        return None
    for sid in state._redis().zrange(rings, 0, -1):
        leg = state.load("call", sid.decode())
        if leg is not None:
            leg = settle(leg, now)
        if leg is not None and leg["status"] == RINGING:
            return leg
        state._redis().zrem(rings, sid)
    return None


def ringing_for(client: str, now: float) -> dict[str, str] | None:
    """The oldest call ringing for `client` now, if any."""
    return ringing_at(client_key(client), now)


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
        "answered_by": leg.get("answered_by") or None,
        "client": bool(leg.get("client")),
    }
