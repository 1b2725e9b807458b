"""RQ's own lines about the periodic jobs, left out of the log.

The sweep runs every five seconds. For each run RQ's worker would log four
lines (dequeued, completed, OK, result kept) and the cron process one
(enqueued), all alike, most saying nothing happened: 65 lines a minute idle.
The jobs log what they changed themselves, so these lines are dropped. RQ's
warnings and errors (a failed job, with its traceback), its lines about any
other job, and its start and stop lines are kept.
"""

from __future__ import annotations

import logging
from collections import deque

from rq import Queue
from rq.cron import CronScheduler
from rq.job import Job

from workers import schedule

PERIODIC = frozenset(f"{job.__module__}.{job.__qualname__}" for job in schedule.JOBS)


class QuietPeriodicJobs(logging.Filter):
    """Drops the INFO lines of RQ's worker that name a periodic job it dequeued.

    The worker names a job by its id or its description; the work horse, forked
    after the dequeue, inherits what was marked."""

    def __init__(self) -> None:
        super().__init__()
        self._names: deque[str] = deque(maxlen=8)

    def mark(self, job: Job) -> None:
        if job.func_name in PERIODIC:
            self._names.extend((job.id, job.description or ""))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not any(isinstance(arg, str) and arg in self._names for arg in args)


QUIET = QuietPeriodicJobs()


class QuietQueue(Queue):
    """RQ's queue, which shows the worker's filter each job it hands out, before
    the worker logs that it took it."""

    @classmethod
    def dequeue_any(cls, *args, **kwargs):
        dequeued = super().dequeue_any(*args, **kwargs)
        if dequeued is not None:
            QUIET.mark(dequeued[0])
        return dequeued


def quiet_worker_log() -> None:
    logger = logging.getLogger("rq.worker")
    if QUIET not in logger.filters:
        logger.addFilter(QUIET)


def _info_below(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING


class QuietCron(CronScheduler):
    """RQ's cron scheduler, which does not log each job it enqueues."""

    def enqueue_jobs(self):
        self.log.addFilter(_info_below)
        try:
            return super().enqueue_jobs()
        finally:
            self.log.removeFilter(_info_below)
