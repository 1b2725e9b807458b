"""Periodic work, registered in this one place.

`flask --app hotline cron` (Procfile: `cron`) runs RQ's cron scheduler with
these jobs; it only enqueues them, and `flask --app hotline worker` runs them.
Run one cron process: a second enqueues everything twice, which every job
here tolerates but need not pay for.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from rq.cron import CronScheduler

from workers import callbacks, risk, wallboard
from workers.callbacks import queue_due_callbacks
from workers.reconciler import close_stuck_calls
from workers.retention import anonymise_old_cases
from workers.risk import raise_unacknowledged_alerts
from workers.sweep import EVERY_SECONDS, sweep
from workers.wallboard import publish_changed

EVERY_MINUTE = 60
# Retention's daily run: a quiet hour in the hotline's time zone (HOTLINE_TIMEZONE).
RETENTION_AT = time(3, 30)
# Every job registered below.
JOBS = (
    close_stuck_calls,
    sweep,
    queue_due_callbacks,
    raise_unacknowledged_alerts,
    publish_changed,
    anonymise_old_cases,
)


def retention_cron(zone: str) -> str:
    """RETENTION_AT in `zone` as a daily cron line in this process's local time,
    which is what RQ's cron reads (a zone with summer time moves it by an hour)."""
    at = datetime.now(ZoneInfo(zone)).replace(
        hour=RETENTION_AT.hour, minute=RETENTION_AT.minute, second=0, microsecond=0
    )
    local = at.astimezone()
    return f"{local.minute} {local.hour} * * *"


def register(scheduler: CronScheduler, queue_name: str, zone: str = "UTC") -> None:
    """`zone`: the hotline's time zone, for the jobs run at a local hour."""

    # A job not started within its interval is dropped (ttl): the next one does its work.
    def every(job, seconds: int, timeout: int) -> None:
        scheduler.register(job, queue_name, interval=seconds, ttl=seconds, job_timeout=timeout)

    every(close_stuck_calls, EVERY_MINUTE, 5 * EVERY_MINUTE)
    every(sweep, EVERY_SECONDS, EVERY_SECONDS * 6)
    every(queue_due_callbacks, callbacks.EVERY_SECONDS, callbacks.EVERY_SECONDS * 30)
    every(raise_unacknowledged_alerts, risk.EVERY_SECONDS, risk.EVERY_SECONDS * 6)
    every(publish_changed, wallboard.EVERY_SECONDS, wallboard.EVERY_SECONDS * 30)
    scheduler.register(
        anonymise_old_cases, queue_name, cron=retention_cron(zone), ttl=3600, job_timeout=30 * EVERY_MINUTE
    )
