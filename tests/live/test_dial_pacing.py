"""Outbound pacing across processes: slots one gap apart, in the order they were
asked for, on a real redis-server; with Redis gone, no slot and no call."""

from __future__ import annotations

import itertools
import multiprocessing
import time

import pytest
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline.core import pacing
from tests.support.concurrency import at_once
from tests.support.waiting import eventually


def _slots(redis: Redis, rate: float, count: int) -> list[float]:
    """Each reservation's slot, as seconds on this machine's monotonic clock."""
    slots = []
    for _ in range(count):
        asked = time.monotonic()
        slots.append(asked + pacing.reserve(redis, rate, key=KEY))
    return slots


KEY = "hotline:pacing:test"


@pytest.fixture
def redis(redis_url):
    connection = Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
    connection.delete(KEY)
    yield connection
    connection.delete(KEY)


def test_slots_come_one_gap_apart_in_the_order_asked(redis):
    slots = _slots(redis, 5, 10)
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert all(0.19 <= gap <= 0.21 for gap in gaps), gaps
    assert slots[0] - time.monotonic() < 0.05  # an idle line dials the first at once


def test_threads_asking_at_once_share_the_rate(redis):
    """Each thread's slot as a moment (its clock when it asked, plus the wait it
    was given): a busy machine delays the asking, not the slots' spacing. Within
    a fifth of the gap, as the pacing bench's target (1 ± 0.2 s at one a second)."""
    slots = sorted(at_once([lambda: time.time() + pacing.reserve(redis, 10, key=KEY) for _ in range(20)]))
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert all(0.08 <= gap <= 0.12 for gap in gaps), gaps


def _reserve_in_process(redis_url: str, ready, go, results) -> None:
    connection = Redis.from_url(redis_url)
    connection.ping()
    ready.put(True)
    go.wait(30)
    for _ in range(3):
        results.put(time.time() + pacing.reserve(connection, 10, key=KEY))


def test_processes_share_one_rate(redis, redis_url):
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    workers = [
        context.Process(target=_reserve_in_process, args=(redis_url, ready, go, results)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=30)
    go.set()
    slots = sorted(results.get(timeout=30) for _ in range(3 * len(workers)))
    for worker in workers:
        worker.join(10)
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert all(0.08 <= gap <= 0.12 for gap in gaps), gaps


def test_no_slot_when_redis_does_not_answer():
    # As the app's clients are made for it: short timeouts, no retries.
    gone = Redis(
        host="127.0.0.1", port=1, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )
    started = time.monotonic()
    with pytest.raises(pacing.PacingUnavailable):
        pacing.reserve(gone, 1)
    assert time.monotonic() - started < 1.5


def test_an_idle_line_starts_from_now_again(redis):
    pacing.reserve(redis, 1000, key=KEY)
    # The key lives a second past its last slot: once it has gone, the next call is now.
    eventually(lambda: not redis.exists(KEY), timeout=3)
    assert pacing.reserve(redis, 0.5, key=KEY) == 0
    assert 1.9 <= pacing.reserve(redis, 0.5, key=KEY) <= 2.0
