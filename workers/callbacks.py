"""Callbacks whose time has come join their queue's list: every second, one statement.

The database is the truth: each run queues every scheduled callback that is
due, whenever it fell due, so a run lost (Redis flushed, a worker killed in the
middle, the cron process restarted) leaves its work to the next one, a second
later, and a run twice at once moves nothing twice (`callbacks.schedule.queue_due`
is a conditional move).
"""

from __future__ import annotations

import logging

from hotline.callbacks import schedule
from hotline.models import utcnow

log = logging.getLogger(__name__)

EVERY_SECONDS = 1


def queue_due_callbacks() -> int:
    """Queue the due callbacks; how many."""
    woken = schedule.queue_due(utcnow())
    if woken:
        log.info("callbacks queued: %d (%s)", len(woken), ", ".join(map(str, woken[:50])))
    return len(woken)
