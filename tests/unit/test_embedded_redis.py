"""The one wait for Redis (tests, benchmarks and the worker use it) gives up in time."""

from __future__ import annotations

import socket
import time

import pytest
import redis

from hotline.core.embedded_redis import wait_until_ready
from tests.support.servers import free_port


def test_waiting_for_a_redis_that_is_not_there_gives_up():
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        wait_until_ready(f"redis://127.0.0.1:{free_port()}/0", timeout=0.3)
    assert time.monotonic() - started < 2


def test_waiting_for_a_redis_that_never_answers_gives_up():
    """A frozen Redis (SIGSTOP) takes the connection and says nothing."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            wait_until_ready(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.3)
    assert time.monotonic() - started < 3


def test_waiting_for_a_redis_that_answers_returns(redis_url):
    wait_until_ready(redis_url, timeout=0)
