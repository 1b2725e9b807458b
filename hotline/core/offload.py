"""CPU-bound calls off the gevent event loop.

Under the Procfile's gunicorn one gevent worker serves every request of the process
on one thread: a call that holds the CPU without yielding (a password's scrypt, about
0.1 s) stops every webhook and socket of the process for as long as it runs. In the
web process such a call runs in a native thread of a small pool of its own, and the
request's greenlet waits for it while the others go on; the call must release the
GIL for that to help (hashlib.scrypt does). The pool is not the hub's: gevent
resolves host names in the hub's pool, and a burst of logins must not hold that up.
Its size bounds how many such calls run at once; the rest wait their turn, each in
its own greenlet. Anywhere else (threads, the CLI, the test client) the call is
simply made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from hotline.core.wal import cooperative

T = TypeVar("T")


@cache
def _pool(size: int, pid: int):
    """One pool per size and process (a forked worker never inherits its parent's threads)."""
    from gevent.threadpool import ThreadPool

    return ThreadPool(size)


def off_the_loop(size: int, function: Callable[..., T], *args) -> T:
    """`function(*args)`, in a pool of `size` native threads in the gevent web process."""
    if not cooperative():
        return function(*args)
    return _pool(size, os.getpid()).apply(function, args)
