"""The simulator's records in Redis: calls, the queues they wait in, messages, recordings.

Everything lives under "simulator:", so the web process and the RQ worker see the
same calls and queues. A record is a hash at simulator:<kind>:<sid> (kind: call,
message, recording); a queue is a sorted set at simulator:queue:<name>, of CallSids
by the time they joined, and simulator:queues names every queue a call has joined.
A <Dial>'s child leg is a call record too, and the calls ringing for a softphone
a sorted set at simulator:client:<hash of its identity> (see `bridge`). Calls and
messages are listed, newest first, in a sorted set at simulator:index:<kind>.

Numbers, message bodies and what the app asked of a call (URLs, TwiML) are stored
encrypted with the app's phone vault, and logs name only the SID. A record lives a
day; a call's for an hour once it has ended: long enough for the app to fetch how
it ended (the stuck-call sweep does), as it would from Twilio, and no longer keeps
what the app asked of it.
"""

from __future__ import annotations

import hashlib
import json
import logging

from cryptography.fernet import InvalidToken
from flask import current_app
from redis import Redis

from hotline.core.phones import PhoneVault
from hotline.models import QueueName
from telephony.vocabulary import FINAL_STATUSES

log = logging.getLogger(__name__)

PREFIX = "simulator:"
QUEUES_KEY = PREFIX + "queues"
TTL_SECONDS = 24 * 3600
ENDED_TTL_SECONDS = 3600
MAX_QUEUE_SIZE = 100  # Twilio's default for a new queue
NOT_ANSWERED = frozenset({"queued", "ringing"})
PRIVATE = frozenset({"from", "to", "body", "url", "twiml", "status_callback", "instruction"})
PLACED = ("url", "method", "twiml", "status_callback", "status_callback_method")  # what the app asked


def _redis() -> Redis:
    return current_app.extensions["redis"]


def _vault() -> PhoneVault:
    return current_app.extensions["phone_vault"]


def key(kind: str, sid: str) -> str:
    return f"{PREFIX}{kind}:{sid}"


def load(kind: str, sid: str) -> dict[str, str] | None:
    """The record, decrypted; None when there is none, or the app's key no longer reads it."""
    raw = _redis().hgetall(key(kind, sid))
    try:
        return {name.decode(): _reveal(name.decode(), value) for name, value in raw.items()} or None
    except InvalidToken:
        return None


def save(
    kind: str, sid: str, fields: dict[str, object], delete: tuple[str, ...] = (), ttl: int = TTL_SECONDS
) -> None:
    """Write the fields that are not None (and drop those in `delete`); the record lives `ttl` more."""
    record = key(kind, sid)
    pipe = _redis().pipeline()
    mapping = {name: _conceal(name, str(value)) for name, value in fields.items() if value is not None}
    pipe.hset(record, mapping=mapping)
    if delete:
        pipe.hdel(record, *delete)
    pipe.expire(record, ttl)
    pipe.execute()


def create(kind: str, sid: str, fields: dict[str, object]) -> None:
    """A new record, listed (newest first) under simulator:index:<kind> for the list resources."""
    save(kind, sid, fields)
    index = f"{PREFIX}index:{kind}"
    pipe = _redis().pipeline()
    pipe.zadd(index, {sid: float(str(fields["created"]))})
    pipe.expire(index, TTL_SECONDS)
    pipe.execute()


def newest(kind: str) -> list[dict[str, str]]:
    """Every record of `kind` still kept, newest first (the index forgets those gone)."""
    index = f"{PREFIX}index:{kind}"
    records, gone = [], []
    for raw in _redis().zrevrange(index, 0, -1):
        record = load(kind, raw.decode())
        if record is not None:
            records.append(record)
        elif not _redis().exists(key(kind, raw.decode())):  # not merely unreadable with this app's key
            gone.append(raw)
    if gone:
        _redis().zrem(index, *gone)
    return records


def _conceal(name: str, value: str) -> str:
    return _vault().encrypt(value).decode() if name in PRIVATE else value


def _reveal(name: str, value: bytes) -> str:
    return _vault().decrypt(value) if name in PRIVATE else value.decode()


# --- calls ------------------------------------------------------------------------


def finish(call: dict[str, str], status: str, now: float, duration: int | None = None) -> None:
    if call["status"] in FINAL_STATUSES:
        return
    leave_queue(call, now)
    if duration is None:
        duration = int(now - float(call["start"])) if call.get("start") else 0
    fields = {"status": status, "end": now, "duration": duration, "updated": now}
    save("call", call["sid"], fields, delete=PLACED, ttl=ENDED_TTL_SECONDS)
    log.info("simulator: call %s %s", call["sid"], status)


def instruct(call: dict[str, str], instruction: dict, now: float, ttl: int = TTL_SECONDS) -> None:
    """Leave an instruction for the phone playing the call (it picks it up at its next
    step). Written before the call leaves its queue: see `network.wait`."""
    save("call", call["sid"], {"instruction": json.dumps(instruction), "updated": now}, ttl=ttl)
    leave_queue(call, now)


def pop_instruction(call_sid: str) -> dict | None:
    pipe = _redis().pipeline(transaction=True)
    pipe.hget(key("call", call_sid), "instruction")
    pipe.hdel(key("call", call_sid), "instruction")
    raw, _ = pipe.execute()
    return json.loads(_reveal("instruction", raw)) if raw else None


# --- queues -----------------------------------------------------------------------


def queue_names() -> list[str]:
    """The hotline's queues, then any other a call has joined."""
    seen = {name.decode() for name in _redis().smembers(QUEUES_KEY)}
    return [q.value for q in QueueName] + sorted(seen - {q.value for q in QueueName})


def queue_sid(name: str) -> str:
    account = current_app.config["TWILIO_ACCOUNT_SID"]
    return "QU" + hashlib.sha256(f"{account}:{name}".encode()).hexdigest()[:32]


def queue_by_sid(sid: str) -> str | None:
    return next((name for name in queue_names() if queue_sid(name) == sid), None)


def members(name: str) -> list[tuple[str, float]]:
    """(CallSid, when it joined) for each call in the queue, first first."""
    entries = _redis().zrange(key("queue", name), 0, -1, withscores=True)
    return [(sid.decode(), joined) for sid, joined in entries]


def waits(queue_members: list[tuple[str, float]], now: float) -> list[int]:
    return [int(now - joined) for _, joined in queue_members]


def average_wait(queue_members: list[tuple[str, float]], now: float) -> int:
    seconds = waits(queue_members, now)
    return sum(seconds) // len(seconds) if seconds else 0


def figures(name: str, call_sid: str, queue_members: list[tuple[str, float]], now: float) -> dict | None:
    """What Twilio tells the waitUrl: place, size, times. None when not a member."""
    sids = [sid for sid, _ in queue_members]
    if call_sid not in sids:
        return None
    position = sids.index(call_sid)
    return {
        "name": name,
        "sid": queue_sid(name),
        "position": position + 1,
        "size": len(sids),
        "wait_time": waits(queue_members, now)[position],
        "average_wait_time": average_wait(queue_members, now),
        "max_size": MAX_QUEUE_SIZE,
    }


def join_queue(call: dict[str, str], name: str, now: float) -> dict | None:
    """Put the call at the end of queue `name` (out of any other); its figures, or None when full."""
    leave_queue(call, now)
    queue = key("queue", name)
    if _redis().zcard(queue) >= MAX_QUEUE_SIZE:
        return None
    pipe = _redis().pipeline()
    pipe.zadd(queue, {call["sid"]: now})
    pipe.expire(queue, TTL_SECONDS)
    pipe.sadd(QUEUES_KEY, name)
    pipe.execute()
    save("call", call["sid"], {"queue": name, "updated": now})
    log.info("simulator: call %s enqueued in %s", call["sid"], name)
    return figures(name, call["sid"], members(name), now)


def leave_queue(call: dict[str, str], now: float) -> None:
    """Take the call out of its queue, keeping how long it waited."""
    name = call.get("queue")
    if not name:
        return
    pipe = _redis().pipeline()
    pipe.zscore(key("queue", name), call["sid"])
    pipe.zrem(key("queue", name), call["sid"])
    entered, _removed = pipe.execute()
    waited = int(now - entered) if entered is not None else 0
    save("call", call["sid"], {"queue_time": waited, "updated": now}, delete=("queue",))


def forget(kind: str, sid: str) -> None:
    """The record gone (a recording deleted through the REST API)."""
    _redis().delete(key(kind, sid))
