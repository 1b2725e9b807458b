"""The number of callers waiting, held where the bench says it is while every route runs.

Each menu puts a caller in a queue and each queue result takes one out, so without
help the queue grows or shrinks with the load a route sends, and the next route
starts from wherever the last one left it (the console bench once measured "1,500
waiting" with 3,860). The keeper holds it: every 20 ms, from the bench's own
connection, one short transaction counts the callers waiting (stage `queued`) and

- parks the excess, newest first: `stage = 'left_queue'`, as if they had hung up in
  the queue, without a webhook (so the gunicorn worker does no extra work for it);
- brings parked callers back (`stage = 'queued'`, nothing else was changed) when
  fewer are waiting than it holds, in the order they were parked.

The parked callers are the reserve of a route that takes callers out (queue result):
its requests are for the callers waiting now, then for the parked ones in the order
the keeper brings them back (`upcoming`), so each request finds its caller waiting
while the number waiting stays put. `low` and `high` are the fewest and most that
its sweeps found waiting since `start_span`: the queue never held more (or, but for the
moment between two sweeps, fewer).
"""

from __future__ import annotations

import threading
from collections import deque

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bench.database import FINAL_STATUSES

INTERVAL = 0.02  # seconds between sweeps
_FINAL = ", ".join(f"'{status}'" for status in FINAL_STATUSES)
_COUNT = text("SELECT count(*) FROM \"call\" WHERE stage = 'queued'")
_NEWEST = text("SELECT call_sid FROM \"call\" WHERE stage = 'queued' ORDER BY id DESC LIMIT :n")
_PARK = text(
    "UPDATE \"call\" SET stage = 'left_queue' WHERE stage = 'queued' AND call_sid IN :sids"
).bindparams(bindparam("sids", expanding=True))
_BACK = text(
    f"UPDATE \"call\" SET stage = 'queued' WHERE stage = 'left_queue' AND status NOT IN ({_FINAL}) "
    "AND call_sid IN :sids"
).bindparams(bindparam("sids", expanding=True))
_WAITING = text("SELECT call_sid FROM \"call\" WHERE stage = 'queued' ORDER BY id")


class Keeper:
    """Holds the callers waiting at `target` (see the module's docstring)."""

    def __init__(self, engine: Engine, target: int = 0, interval: float = INTERVAL) -> None:
        self.engine = engine
        self.target = target
        self.interval = interval
        self.parked: deque[str] = deque()
        self.low: int | None = None
        self.high: int | None = None
        self.moved = 0  # parked or brought back since `hold`
        self.failed = 0  # sweeps that found the database busy (the next one catches up)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, target: int) -> int:
        """Hold `target` from now on; the number waiting after one sweep."""
        with self._lock:
            self.target = target
            waiting = self._sweep()
            self.low = self.high = waiting
            self.moved = 0
        return waiting

    def sweep(self) -> int:
        with self._lock:
            return self._sweep()

    def start_span(self) -> None:
        """From now on `low` and `high` are over the span about to be measured."""
        with self._lock:
            self.low = self.high = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _sweep(self) -> int:
        try:
            with self.engine.begin() as connection:
                waiting = connection.execute(_COUNT).scalar()
                self.low = waiting if self.low is None else min(self.low, waiting)
                self.high = waiting if self.high is None else max(self.high, waiting)
                if waiting > self.target:
                    waiting -= self._park(connection, waiting - self.target)
                elif waiting < self.target and self.parked:
                    waiting += self._bring_back(connection, self.target - waiting)
                return waiting
        except OperationalError:  # SQLite busy past its timeout
            self.failed += 1
            return self.target

    def _park(self, connection: Connection, count: int) -> int:
        sids = list(connection.execute(_NEWEST, {"n": count}).scalars())
        if not sids:
            return 0
        parked = connection.execute(_PARK, {"sids": sids}).rowcount
        self.parked.extend(sids)
        self.moved += parked
        return parked

    def _bring_back(self, connection: Connection, count: int) -> int:
        back = 0
        while back < count and self.parked:
            sids = [self.parked.popleft() for _ in range(min(count - back, len(self.parked)))]
            back += connection.execute(_BACK, {"sids": sids}).rowcount  # an ended call stays out
        self.moved += back
        return back

    def upcoming(self) -> list[str]:
        """The callers a route that takes them out can send for, in the order they will be
        waiting: those waiting now, then the parked ones as they will be brought back."""
        with self._lock, self.engine.connect() as connection:
            return list(connection.execute(_WAITING).scalars()) + list(self.parked)

    def is_parked(self) -> set[str]:
        with self._lock:
            return set(self.parked)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sweep()

    def __enter__(self) -> Keeper:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="bench-keeper", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
