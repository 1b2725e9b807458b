"""CPU use over a span, from Linux /proc: the gunicorn worker's, and other processes' (which
take CPU from the server and make its figures low)."""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bench.database import APPLICATION_NAME
from hotline.core.parsing import whole_number


class CpuWatch:
    """CPU used over a span (Linux /proc): by the gunicorn worker, and by processes
    that are not the bench's (the bench, its gunicorn, redis-server and wrk, and
    PostgreSQL): those take CPU from the server and make its figures low. A
    process that ends within the span is missed, so `others` errs low."""

    def __init__(self, worker: int | None, postgres: Engine | None = None) -> None:
        self.worker = worker
        self.postgres = postgres
        self.worker_share: float | None = None
        self.others: float | None = None
        self.busiest = ""

    @staticmethod
    def _snapshot() -> tuple[float, dict[int, tuple[int, str, float]]] | None:
        ticks = os.sysconf("SC_CLK_TCK")
        processes = {}
        try:
            for entry in Path("/proc").iterdir():
                if whole_number(entry.name, max_digits=10) is None:
                    continue
                with contextlib.suppress(OSError, ValueError, IndexError):
                    raw = (entry / "stat").read_text()
                    name = raw[raw.index("(") + 1 : raw.rindex(")")]
                    fields = raw.rsplit(")", 1)[1].split()
                    processes[int(entry.name)] = (
                        int(fields[1]),
                        name,
                        (int(fields[11]) + int(fields[12])) / ticks,
                    )
        except OSError:
            return None
        return time.perf_counter(), processes

    def _ours(self, processes: dict[int, tuple[int, str, float]]) -> set[int]:
        ours = {os.getpid()}
        grew = True
        while grew:
            before = len(ours)
            ours |= {pid for pid, (parent, _name, _cpu) in processes.items() if parent in ours}
            grew = len(ours) > before
        postgres = {pid for pid, (_parent, name, _cpu) in processes.items() if name == "postgres"}
        if self.postgres is None:
            return ours  # this run does not use PostgreSQL: its processes serve someone else
        # The server's own processes count as ours; other clients' backends do not.
        others = set()
        with contextlib.suppress(Exception), self.postgres.connect() as connection:
            others = set(
                connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' "
                        "AND application_name IS DISTINCT FROM :name"
                    ),
                    {"name": APPLICATION_NAME},
                ).scalars()
            )
        return ours | (postgres - others)

    def __enter__(self) -> CpuWatch:
        self.start = self._snapshot()
        return self

    def __exit__(self, *_exc) -> None:
        end = self._snapshot()
        if self.start is None or end is None or end[0] <= self.start[0]:
            return
        wall = end[0] - self.start[0]
        before, after = self.start[1], end[1]
        ours = self._ours(after)

        def used(pid: int) -> float:
            return after[pid][2] - (before[pid][2] if pid in before else 0.0)

        if self.worker in after:
            self.worker_share = used(self.worker) / wall
        others = Counter()
        for pid, (_parent, name, _cpu) in after.items():
            if pid not in ours:
                others[name] += used(pid) / wall
        self.others = sum(others.values())
        self.busiest = ", ".join(
            f"{name} {share:.0%}" for name, share in others.most_common(2) if share >= 0.05
        )
