"""Callback service: a request to be called back is a row first.

Dialling it (the job, the retry policy, allowed hours) belongs to the callback
worker; here a request is recorded, once per call.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline import audit
from hotline.cases import timeline
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Call, Callback, QueueName

log = logging.getLogger(__name__)

SOURCES = frozenset({"ivr", "after_hours", "web", "operator", "follow_up"})


class NoNumberToCall(ValueError):
    """The caller withheld their number, so nobody can call them back."""


def request_from_call(call: Call, source: str, now: datetime) -> Callback:
    """Record that the caller on `call` asked to be called back. Idempotent per call.

    One callback per call is held by the unique index uq_callback_call, not by
    looking first: the insert runs in a SAVEPOINT, and when another request for
    the same call (two presses of 1 at once, a retried webhook) got there first,
    it is undone and that request's callback is returned.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown callback source {source!r}")
    if call.caller is None or call.caller.withheld:
        raise NoNumberToCall("the number is withheld")
    callback = Callback(
        caller_id=call.caller_id,
        case_id=call.case_id,
        call_id=call.id,
        queue=call.queue or QueueName.GENERAL,
        source=source,
        requested_at=now,
    )
    try:
        with savepoint():
            db.session.add(callback)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalars(select(Callback).where(Callback.call_id == call.id)).first()
        if existing is None:
            raise
        db.session.commit()
        return existing
    timeline.record(
        call.case_id,
        "callback_requested",
        actor=audit.TELEPHONY,
        call=call,
        at=now,
        action="callback.requested",
        subject=("callback", callback.id),
        source=source,
        callback_id=callback.id,
    )
    db.session.commit()
    log.info("call %s: callback %d requested (%s)", call.call_sid, callback.id, source)
    return callback
