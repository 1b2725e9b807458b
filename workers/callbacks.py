"""Callbacks whose time has come join their queue's list: every second, one statement.

The database is the truth: each run queues every scheduled callback that is
due, whenever it fell due, so a run lost (Redis flushed, a worker killed in the
middle, the cron process restarted) leaves its work to the next one, a second
later, and a run twice at once moves nothing twice (`callbacks.schedule.queue_due`
is a conditional move).
"""

from __future__ import annotations

import logging
import time

from flask import current_app

from hotline.callbacks import schedule
from hotline.core import pacing
from hotline.models import utcnow
from hotline.operators import callbacks, offers

log = logging.getLogger(__name__)

EVERY_SECONDS = 1


def queue_due_callbacks() -> int:
    """Queue the due callbacks; how many."""
    woken = schedule.queue_due(utcnow())
    if woken:
        log.info("callbacks queued: %d (%s)", len(woken), ", ".join(map(str, woken[:50])))
        offers.distribute(utcnow())
    return len(woken)


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
