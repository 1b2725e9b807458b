"""Retention, once a day at a quiet hour (schedule.RETENTION_CRON, the hotline's
night): closed cases past HOTLINE_RETENTION_DAYS are anonymised
(`hotline.cases.retention`), at most `retention.BATCH` a run, each in its own
short transaction, so a first run over years of data is a few nights' work and
never a long lock. HOTLINE_RETENTION_DAYS=0 turns it off (nothing is removed).
A case the network would not let go of (a recording not deleted) stays for the
next run. The log names case references and counts, never a number or a note.
"""

from __future__ import annotations

import logging

from flask import current_app

from hotline.cases import retention
from hotline.models import utcnow

log = logging.getLogger(__name__)


def anonymise_old_cases() -> int:
    """Anonymise the cases due (how many)."""
    days = current_app.config["HOTLINE_RETENTION_DAYS"]
    done = retention.run(utcnow(), days, current_app.extensions["telephony"])
    if done.anonymised:
        log.info("retention: %d case(s) anonymised: %s", len(done.anonymised), ", ".join(done.anonymised))
    if done.left:
        log.warning("retention: case(s) left for the next run: %s", ", ".join(done.left))
    return len(done.anonymised)
