"""The supervisors' rollups: counts and sums per local hour, queue and breakdown key.

Never an average: every average is re-derived from a sum and a count, so any
range is the sum of its hours. The keys hold '' or 0 for "none" (a NULL would
make the primary key's rows unequal), so every key is one row.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from hotline.extensions import db

# The wait histogram's buckets: bucket i counts the waits w with
# WAIT_EDGES[i-1] < w <= WAIT_EDGES[i]; the last counts every longer wait.
WAIT_EDGES = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800)
WAIT_BUCKETS = (*(f"wait_le_{edge}" for edge in WAIT_EDGES), "wait_over")

# The rollup's key (in primary-key order) and its counters.
KEY = ("hour", "queue", "operator_id", "category", "language")
CALL_COUNTERS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "callback_requested",
    "answered_in_target",
    "abandoned_after_target",
    "answered_wait_sum",
    "waited",
    "handled",
    "handle_seconds_sum",
    *WAIT_BUCKETS,
)
CASE_COUNTERS = ("opened", "resolved", "supported", "valid_requests")
COUNTERS = CALL_COUNTERS + CASE_COUNTERS


STATS_HOUR = Table(
    "stats_hour",
    db.metadata,
    Column("hour", String(13), primary_key=True),
    Column("queue", String(32), primary_key=True),
    Column("operator_id", Integer, primary_key=True, autoincrement=False),
    Column("category", String(32), primary_key=True),
    Column("language", String(8), primary_key=True),
    *(Column(name, Integer, nullable=False, server_default="0") for name in (*COUNTERS, "wait_max")),
)


class StatsHour(db.Model):
    """One local hour (`YYYY-MM-DDTHH` in HOTLINE_TIMEZONE) of one queue and key:
    what `hotline.stats.rollup` counted there; `wait_max` is the longest wait."""

    __table__ = STATS_HOUR
