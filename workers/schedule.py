"""Periodic work, registered in this one place.

`flask --app hotline cron` (Procfile: `cron`) runs RQ's cron scheduler with
these jobs; it only enqueues them, and `flask --app hotline worker` runs them.
Run one cron process: a second enqueues everything twice, which every job
here tolerates but need not pay for.
"""

from __future__ import annotations

from rq.cron import CronScheduler

from workers import callbacks, risk, wallboard
from workers.callbacks import queue_due_callbacks
from workers.reconciler import close_stuck_calls
from workers.risk import raise_unacknowledged_alerts
from workers.sweep import EVERY_SECONDS, sweep
from workers.wallboard import publish_changed

EVERY_MINUTE = 60
# Every job registered below.
JOBS = (close_stuck_calls, sweep, queue_due_callbacks, raise_unacknowledged_alerts, publish_changed)


def register(scheduler: CronScheduler, queue_name: str) -> None:
    # A job not started within its interval is dropped (ttl): the next one does its work.
    def every(job, seconds: int, timeout: int) -> None:
        scheduler.register(job, queue_name, interval=seconds, ttl=seconds, job_timeout=timeout)

    every(close_stuck_calls, EVERY_MINUTE, 5 * EVERY_MINUTE)
    every(sweep, EVERY_SECONDS, EVERY_SECONDS * 6)
    every(queue_due_callbacks, callbacks.EVERY_SECONDS, callbacks.EVERY_SECONDS * 30)
    every(raise_unacknowledged_alerts, risk.EVERY_SECONDS, risk.EVERY_SECONDS * 6)
    every(publish_changed, wallboard.EVERY_SECONDS, wallboard.EVERY_SECONDS * 30)
