"""What Redis keeps, as bytes, for tests that look for a phone number or a note in it."""

from __future__ import annotations

import contextlib
import zlib

from redis import Redis


def everything_in(redis: Redis) -> bytes:
    """Every key and every value in Redis, as bytes; compressed values (RQ's jobs) also unpacked."""
    chunks = []
    for key in redis.scan_iter():
        values = values_at(redis, key)
        chunks += [key, *values]
        for value in values:
            with contextlib.suppress(zlib.error):
                chunks.append(zlib.decompress(value))
    return b"\n".join(chunks)


def values_at(redis: Redis, key: bytes) -> list[bytes]:
    kind = redis.type(key).decode()
    if kind == "string":
        return [redis.get(key)]
    if kind == "hash":
        return [part for pair in redis.hgetall(key).items() for part in pair]
    if kind == "set":
        return list(redis.smembers(key))
    if kind == "zset":
        return redis.zrange(key, 0, -1)
    assert kind == "list", f"a {kind} at {key!r}: look inside it too"
    return redis.lrange(key, 0, -1)
