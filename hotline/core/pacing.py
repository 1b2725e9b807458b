"""Outbound pacing: every process shares one rate of placing calls.

Twilio queues the calls an account places past its rate (one a second by
default), so a burst of accepted callbacks would reach people late and out of
order. Each call to be placed first reserves a slot: one Lua script on Redis,
with Redis's own clock (the processes' clocks may differ), hands out slots
1/rate seconds apart in the order they are asked for, and says how long to wait
for this one. Whoever asks first dials first.

It fails safe: when Redis does not answer (within its short timeouts), no slot
is given, `PacingUnavailable` is raised, and no call is placed; the work is
tried again later. The key names no call and no number.
"""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError

KEY = "hotline:pacing:outbound"
# The longest a call waits for its slot: past it, something is wrong with the
# pacing, and the call is placed rather than held.
LONGEST_WAIT_SECONDS = 60

# Slots in microseconds of Redis's clock; the key outlives the last slot by a
# second, so an idle line starts from now again.
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local gap = tonumber(ARGV[1])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
local expiry_ms = math.floor((slot + gap - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', slot + gap), 'PX', expiry_ms)
return slot - now
"""


class PacingUnavailable(RuntimeError):
    """Redis did not answer: no slot, so no call may be placed now."""


def reserve(redis: Redis, rate: float, key: str = KEY) -> float:
    """Reserve the next slot for placing a call at `rate` calls a second across
    every process; the seconds to wait before placing it (0 when it is now).
    `redis` should fail fast (short timeouts, no retries): a dial waits on it."""
    if rate <= 0:
        raise ValueError("the dial rate must be above 0")
    gap = round(1_000_000 / rate)
    try:
        wait = redis.register_script(_RESERVE)(keys=[key], args=[gap])
    except RedisError as error:
        raise PacingUnavailable("the pacing store did not answer: no call placed") from error
    return int(wait) / 1_000_000
