"""Close calls whose final status never arrived.

A status callback can be lost (the database was locked, the web process
restarted): the call would then stay `queued` and count as waiting forever.
The sweep asks the telephony REST API about every call still open this long
after it started and applies what it says through the call service, like a
late status callback. "Open" means not finished on the network: a call whose
operator is in wrap-up has finished, and is left alone. Twilio forgets calls too: one it no longer knows is
closed as `failed`.

Safe to run twice at once (two cron processes): it only reads the telephony
API and hands what it says to `departures.status_reported`, as the status
webhook does (the screens are told, the offers of a caller who has gone are
withdrawn), which ignores a status once the call has ended.

It logs one line when it closed calls (their CallSids and final status) and
each call it could not check; a run that closes nothing says nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from hotline.calls import service as calls
from hotline.extensions import db
from hotline.models import Call, utcnow
from hotline.models.states import Progress
from hotline.operators import departures
from hotline.telephony import Telephony, TelephonyError

log = logging.getLogger(__name__)

# What may fail for one call and be retried at the next sweep: the telephony API
# (an error answer, or no answer) and the database (locked, restarting).
RETRYABLE = (TelephonyError, SQLAlchemyError)
# The oldest this many per sweep: after a long outage, the backlog clears over a few minutes.
BATCH = 500


class CallsStillOpen(RuntimeError):
    """Some calls could not be checked; the next sweep tries them again."""


def close_stuck_calls() -> int:
    """Check each call that is still open HOTLINE_STUCK_CALL_SECONDS after it
    started; returns how many were closed. Raises CallsStillOpen, after trying
    every call, when some could not be checked."""
    threshold = timedelta(seconds=current_app.config["HOTLINE_STUCK_CALL_SECONDS"])
    stuck = list(
        db.session.scalars(
            select(Call.call_sid)
            .where(Call.progress < Progress.FINISHED, Call.started_at < utcnow() - threshold)
            .order_by(Call.started_at)
            .limit(BATCH)
        )
    )
    # No transaction stays open while the telephony API is asked.
    db.session.close()
    telephony: Telephony = current_app.extensions["telephony"]
    closed, failed = [], []
    for call_sid in stuck:
        try:
            if (status := _close(telephony, call_sid)) is not None:
                closed.append(f"{call_sid} {status}")
        except RETRYABLE as error:
            log.warning("call %s: could not check its status: %s", call_sid, type(error).__name__)
            failed.append((call_sid, error))
        finally:
            db.session.close()
    if closed:
        log.info("stuck calls closed %d (%s)", len(closed), ", ".join(closed))
    if failed:
        sids = ", ".join(call_sid for call_sid, _ in failed)
        raise CallsStillOpen(f"{len(failed)} call(s) could not be checked: {sids}") from failed[0][1]
    return len(closed)


def _close(telephony: Telephony, call_sid: str) -> str | None:
    """Apply the call's final status if it has one; that status, in words, if it closed the call."""
    report = telephony.call_report(call_sid)
    if report.progress != Progress.FINISHED:
        # Still going (a long conversation): nothing to close yet.
        return None
    try:
        _call, applied = departures.status_reported(
            call_sid, report.status, report.progress, None, report.duration, utcnow(), telephony
        )
    except calls.UnknownCall:
        return None
    if not applied:
        return None
    return report.status if report.known else f"{report.status}, unknown to the telephony API"
