"""Risk alerts nobody acknowledged are raised to the supervisors again: every
EVERY_SECONDS, one look, each alert past HOTLINE_RISK_ESCALATE_SECONDS since it
was last raised.

The database is the truth (`hotline.cases.risk.raise_again`): each raise is a
conditional UPDATE on the alert's count, so two runs at once raise an alert
once, and a run lost (Redis flushed, a worker killed) leaves it to the next.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from hotline.cases import risk
from hotline.models import utcnow

log = logging.getLogger(__name__)

EVERY_SECONDS = 10


def raise_unacknowledged_alerts() -> int:
    """Raise again the alerts due (how many)."""
    after = timedelta(seconds=current_app.config["HOTLINE_RISK_ESCALATE_SECONDS"])
    raised = risk.raise_again(utcnow(), after)
    if raised:
        log.warning(
            "risk alerts nobody acknowledged, raised again (alert ids): %s", ", ".join(map(str, raised))
        )
    return len(raised)
