"""Running requests (or any actions) truly at once, for the race tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def at_once(actions: list[Callable], timeout: float = 30) -> list:
    """Run every action in its own thread, all released together by a barrier; their
    results in order. An action still running after `timeout` seconds fails the test
    (TimeoutError), and nothing waits for its thread."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait(timeout=10)
        return action()

    deadline = time.monotonic() + timeout
    pool = ThreadPoolExecutor(len(actions), thread_name_prefix="at-once")
    try:
        futures = [pool.submit(run, action) for action in actions]
        return [future.result(timeout=max(0.0, deadline - time.monotonic())) for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
