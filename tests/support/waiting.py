"""Waiting for what happens in another thread or process (a live server, a browser,
a worker): poll a condition until a deadline, never a bare sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    condition: Callable[[], T],
    *,
    timeout: float = 10,
    what: str | Callable[[], str] = "the condition never held",
    every: float = 0.02,
    pause: Callable[[float], object] = time.sleep,
) -> T:
    """Call `condition` until it returns something true, and return that.

    Past `timeout` seconds, fail with `what`, the failure in words (a callable is
    asked then, to tell what was seen by that time), and what `condition` last returned.
    `pause` waits between tries: a Playwright page's own wait lets it deliver its events."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"{described} (waited {timeout:g} s; the condition last gave {value!r})")
        pause(every)
