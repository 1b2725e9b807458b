"""Blocking calls off the gevent event loop (hotline/core/offload.py), in a process
patched as gunicorn's gevent worker patches itself: the calls run in a pool of native
threads no larger than asked, and the loop's other greenlets go on meanwhile."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.servers import ROOT

PATCHED = """
from gevent import monkey
monkey.patch_all()
import json, time
import gevent
from hotline.core.offload import off_the_loop

get_ident = monkey.get_original("_thread", "get_ident")
blocking_sleep = monkey.get_original("time", "sleep")
ticks = []

def ticker():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.01)

def blocking():
    blocking_sleep(0.3)  # holds its thread as a hash does, without the GIL
    return get_ident()

gevent.spawn(ticker)
gevent.sleep(0)
started = time.monotonic()
calls = [gevent.spawn(off_the_loop, 1, blocking) for _ in range(3)]
gevent.joinall(calls, raise_error=True)
took = time.monotonic() - started
during = [t for t in ticks if started <= t <= started + took]
print(json.dumps({
    "main": get_ident(),
    "threads": sorted({call.value for call in calls}),
    "took": took,
    "longest_gap": max(b - a for a, b in zip(during, during[1:])),
    "in_the_caller": off_the_loop(1, get_ident) == get_ident(),
}))
"""


def test_blocking_calls_run_beside_the_loop_one_pool_thread_at_a_time():
    done = subprocess.run(
        [sys.executable, "-c", PATCHED], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(done.stdout.splitlines()[-1])
    assert len(seen["threads"]) == 1 and seen["main"] not in seen["threads"]
    assert seen["took"] >= 0.85  # three 0.3 s calls, one at a time: the pool's size holds
    assert seen["longest_gap"] < 0.2  # the loop went on while each ran
    assert seen["in_the_caller"] is False


def test_without_gevent_the_call_is_made_where_it_is():
    from threading import get_ident

    from hotline.core.offload import off_the_loop

    assert off_the_loop(1, get_ident) == get_ident()
