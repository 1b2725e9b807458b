"""The operators' sweep: every few seconds, the rules that hang on the clock.

An offer not answered in time lapses, a caller who waited long enough for an
operator who speaks their language is offered to anyone of the queue, a
wrap-up that ran out ends, an operator whose consoles all went quiet becomes
away. Each deadline is in the database, so a restart of any process loses
none; the sweep only enforces them. Each rule is its own transaction and
tolerates a second sweep running at once: its changes are conditional updates.

The sweep runs every few seconds and mostly finds nothing to do: it logs one
line when a rule changed something (how many, and their CallSids or ids), and
each failure; otherwise nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from hotline.extensions import db
from hotline.models import utcnow
from hotline.operators import offer_endings, offers, presence, wrapup

log = logging.getLogger(__name__)

EVERY_SECONDS = 5

# (what it changes, rule): each rule takes the time now, commits its own changes
# and returns the CallSids or ids of what it changed.
# Distribution last: it offers callers to whoever the rules before made free.
RULES: list[tuple[str, Callable[[datetime], Sequence[object]]]] = [
    ("wrap-ups ended", wrapup.end_overdue),
    ("operators away", presence.away_when_gone),
    ("offers lapsed", offer_endings.lapse_offers),
    ("offers withdrawn", offer_endings.withdraw_offers_of_gone_callers),
    ("offers made", offers.distribute),
]


class SweepFailed(RuntimeError):
    """Some rules failed; the first one's error is the cause, kept in RQ's
    failed-job registry. The next sweep runs them again."""


def sweep() -> None:
    """Run every rule; one that fails does not stop the others, and the job then fails."""
    now = utcnow()
    changed, failed, errors = [], [], []
    for name, rule in RULES:
        try:
            ids = rule(now)
        except Exception as error:  # the next rule, and the next sweep, still run
            db.session.rollback()
            log.error("sweep rule %r failed: %s", name, type(error).__name__)
            failed.append(name)
            errors.append(error)
            continue
        if ids:
            changed.append(f"{name} {len(ids)} ({', '.join(map(str, ids))})")
    if changed:
        log.info("sweep: %s", "; ".join(changed))
    if failed:
        raise SweepFailed(f"sweep rules failed: {', '.join(failed)}") from errors[0]
