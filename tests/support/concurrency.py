"""Running requests (or any actions) truly at once, for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def at_once(actions: list[Callable]) -> list:
    """Run every action in its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait(timeout=10)
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))
