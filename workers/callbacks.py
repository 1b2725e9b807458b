"""Callbacks whose time has come join their queue's list: every second, one statement.
The same look records the callbacks owed to callers who hung up waiting
(`callbacks.service.record_missed`): the webhook the caller hung up on only
marks the call.

The database is the truth: each run queues every scheduled callback that is
due, whenever it fell due, so a run lost (Redis flushed, a worker killed in the
middle, the cron process restarted) leaves its work to the next one, a second
later, and a run twice at once moves nothing twice (`callbacks.schedule.queue_due`
is a conditional move).

Beside it, the dialler's job that places accepted callbacks' calls
(`place_attempt`: the first accepted, at its slot of the outbound pacing), and
the look each second for accepted attempts whose job was lost (`hand_over_unplaced`).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app

from hotline.callbacks import schedule
from hotline.callbacks import service as requests
from hotline.core import pacing
from hotline.models import utcnow
from hotline.operators import callbacks, desk, offers

log = logging.getLogger(__name__)

EVERY_SECONDS = 1


def queue_due_callbacks() -> int:
    """Queue the due callbacks (how many), record those owed for missed calls,
    and hand over again the accepted attempts whose placing job was lost."""
    missed = requests.record_missed(utcnow())
    if missed:
        log.info("callbacks recorded for missed calls: %d", len(missed))
        offers.distribute(utcnow())
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
    """When accepted attempts have waited to be placed past UNPLACED_AFTER and
    the dialler has no job queued (Redis flushed, a job lost with a killed
    dialler, a job that failed), queue one job again: the id of the attempt
    it is for, in a list, or an empty list. Each job places the first
    attempt waiting and the next second's look queues another while any is
    left; placing is claimed in the database, so a job too many places nothing."""
    waiting = callbacks.unplaced_attempts(utcnow() - UNPLACED_AFTER)
    dialling = current_app.extensions["dialling"]
    if not waiting or dialling.count:
        return []
    desk.dial_soon(waiting[0], again=True)
    log.info("callback attempts waiting to be placed: %d; the dialler's job queued again", len(waiting))
    return waiting[:1]


def place_attempt(attempt_id: int | None = None) -> str | None:
    """Place the first accepted attempt not yet placed, at its slot of the
    outbound pacing: the dialler's job (`flask dialler`, one call at a time).

    `attempt_id` names the accept that asked for the job; the job places the
    attempt accepted first, which may be an earlier one whose job was slower,
    so calls go out in acceptance order whatever order the jobs run in. Each
    accept queues one job and each job places at most one call. The CallSid
    placed, or None."""
    attempt = callbacks.claim_next(utcnow())
    if attempt is None:
        return None
    try:
        wait = pacing.reserve(current_app.extensions["redis"], current_app.config["HOTLINE_DIAL_RATE"])
    except pacing.PacingUnavailable:
        callbacks.unclaim(attempt)
        raise
    time.sleep(min(wait, pacing.LONGEST_WAIT_SECONDS))
    return callbacks.ring(attempt, utcnow(), current_app.extensions["telephony"])
