"""The tests' waiting helpers: `eventually` returns what the condition gave or fails
saying what never happened; `at_once` releases its actions together and waits a bounded time."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from tests.support.concurrency import at_once
from tests.support.waiting import eventually


def test_eventually_returns_the_first_true_value():
    tries = itertools.count(1)
    assert eventually(lambda: (n := next(tries)) >= 3 and f"try {n}", every=0) == "try 3"


def test_eventually_fails_past_its_deadline_with_the_words_and_the_last_value():
    seen: list[int] = []
    with pytest.raises(AssertionError) as failure:
        eventually(lambda: [], timeout=0.05, what=lambda: f"nothing came; seen {seen}", every=0.01)
    assert str(failure.value).startswith("nothing came; seen [] (waited 0.05 s; the condition last gave [])")


def test_an_error_in_the_condition_is_not_waited_out():
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError):
        eventually(lambda: 1 / 0, timeout=5)
    assert time.monotonic() - started < 1


def test_at_once_releases_every_action_together_and_keeps_their_order():
    inside = threading.Barrier(3, timeout=2)  # each action waits for the others, already running
    assert at_once([lambda n=n: (inside.wait(), n)[1] for n in range(3)]) == [0, 1, 2]


def test_at_once_does_not_wait_for_an_action_past_its_time():
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        at_once([lambda: release.wait(5), lambda: None], timeout=0.2)
    release.set()
    assert time.monotonic() - started < 2
