"""The operators' sweep: every few seconds, the rules that hang on the clock.

An offer not answered in time lapses, a caller who waited long enough for an
operator who speaks their language is offered to anyone of the queue, a
wrap-up that ran out ends, an operator whose consoles all went quiet becomes
away. Each deadline is in the database, so a restart of any process loses
none; the sweep only enforces them. Each rule is its own transaction and
tolerates a second sweep running at once: its changes are conditional updates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from hotline.extensions import db
from hotline.models import utcnow
from hotline.operators import offer_endings, offers, presence, wrapup

log = logging.getLogger(__name__)

EVERY_SECONDS = 5

# (name, rule): each rule takes the time now and commits its own changes.
# Distribution last: it offers callers to whoever the rules before made free.
RULES: list[tuple[str, Callable[[datetime], object]]] = [
    ("wrap_up", wrapup.end_overdue),
    ("away_when_gone", presence.away_when_gone),
    ("lapse_offers", offer_endings.lapse_offers),
    ("withdraw_offers_of_gone_callers", offer_endings.withdraw_offers_of_gone_callers),
    ("distribute", offers.distribute),
]


def sweep() -> None:
    """Run every rule; one that fails does not stop the others, and the job then fails."""
    now = utcnow()
    failed = []
    for name, rule in RULES:
        try:
            rule(now)
        except Exception as error:  # the next rule, and the next sweep, still run
            db.session.rollback()
            log.error("sweep rule %s failed: %s", name, type(error).__name__)
            failed.append(name)
    if failed:
        raise RuntimeError(f"sweep rules failed: {', '.join(failed)}")
