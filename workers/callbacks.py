"""Callbacks whose time has come join their queue's list: every second, one statement.

The database is the truth: each run queues every scheduled callback that is
due, whenever it fell due, so a run lost (Redis flushed, a worker killed in the
middle, the cron process restarted) leaves its work to the next one, a second
later, and a run twice at once moves nothing twice (`callbacks.schedule.queue_due`
is a conditional move).

Beside it, the job that places an accepted callback's call (`place_attempt`, at
its slot of the outbound pacing), and the look each second for accepted
attempts whose job was lost (`hand_over_unplaced`).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from hotline.callbacks import schedule
from hotline.core import pacing
from hotline.models import utcnow
from hotline.operators import callbacks, desk, offers

log = logging.getLogger(__name__)

EVERY_SECONDS = 1


def queue_due_callbacks() -> int:
    """Queue the due callbacks (how many), and hand over again the accepted
    attempts whose placing job was lost."""
    hand_over_unplaced()
    lost = callbacks.settle_lost_placings(utcnow() - LOST_AFTER, utcnow())
    if lost:
        log.warning("callback attempts whose call was never recorded, back in the list: %s", lost)
    woken = schedule.queue_due(utcnow())
    if woken:
        log.info("callbacks queued: %d (%s)", len(woken), ", ".join(map(str, woken[:50])))
        offers.distribute(utcnow())
    return len(woken)


# An accepted attempt is looked after once its job has had this long to start.
UNPLACED_AFTER = timedelta(seconds=10)
# A claimed placing whose call is still unrecorded after this long was lost
# (every request to the network times out well before).
LOST_AFTER = timedelta(seconds=60)


def hand_over_unplaced() -> list[int]:
    """Accepted attempts not yet placed whose job is gone (Redis flushed, never
    queued) or failed, or that waited past the longest wait for a slot, are
    handed to a worker again. Placing is claimed in the database, so a job
    that was only slow places nothing twice."""
    now = utcnow()
    redis = current_app.extensions["redis"]
    handed = []
    for attempt_id in callbacks.unplaced_attempts(now - UNPLACED_AFTER):
        try:
            job = Job.fetch(f"callback-attempt-{attempt_id}", connection=redis)
        except NoSuchJobError:
            job = None
        waited = (
            job is not None
            and job.enqueued_at is not None
            and (time.time() - job.enqueued_at.timestamp() > LONGEST_WAIT_SECONDS + 30)
        )
        if job is None or job.get_status() == JobStatus.FAILED or waited:
            if job is not None:
                job.delete()
            desk.dial_soon(attempt_id)
            handed.append(attempt_id)
    if handed:
        log.info("callback attempts handed over again: %s", ", ".join(map(str, handed)))
    return handed


# The longest a job waits for its slot: past it, something is wrong with the
# pacing; it places the call rather than hold the worker.
LONGEST_WAIT_SECONDS = 300


def place_attempt(attempt_id: int, not_before: float | None = None) -> str | None:
    """Place callback attempt `attempt_id`'s call at its slot of the outbound
    pacing (`not_before`, a Unix time; reserved now when not given). Placing is
    claimed in the database first, so a second job for one attempt places
    nothing. The CallSid placed, or None."""
    if not_before is None:
        not_before = time.time() + pacing.reserve(
            current_app.extensions["redis"], current_app.config["HOTLINE_DIAL_RATE"]
        )
    time.sleep(min(max(0.0, not_before - time.time()), LONGEST_WAIT_SECONDS))
    return callbacks.place(attempt_id, utcnow(), current_app.extensions["telephony"])
