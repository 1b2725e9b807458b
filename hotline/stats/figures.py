"""The supervisors' figures for a range of local days, from the rollups: the one
code path of the API, its CSV (and the reports page to come).

Every figure is derived here from the rollups' counts and sums, as
docs/metrics.md defines it; a rate is from 0 to 1, or None when nothing counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import QueueName, User
from hotline.models.stats import COUNTERS, STATS_HOUR, WAIT_BUCKETS, WAIT_EDGES

GROUPS = ("queue", "day", "hour", "operator", "category", "language")
# The figures of a row, in the order of the API's rows and the CSV's columns.
FIGURES = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "callback_requested",
    "service_level",
    "average_speed_of_answer_seconds",
    "wait_p50_seconds",
    "wait_p90_seconds",
    "wait_max_seconds",
    "abandon_rate",
    "average_handle_seconds",
    "opened",
    "resolved",
    "support_rate",
)
_COLUMN = {
    "queue": STATS_HOUR.c.queue,
    "day": func.substr(STATS_HOUR.c.hour, 1, 10),
    "hour": STATS_HOUR.c.hour,
    "operator": STATS_HOUR.c.operator_id,
    "category": STATS_HOUR.c.category,
    "language": STATS_HOUR.c.language,
}
# What a key of none (0, '') is called in the answer.
_NONE = {"operator": 0, "category": "", "language": ""}


def _ratio(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def percentile(counts: Mapping[str, int], share: float) -> int | None:
    """The wait at most which `share` of the calls waited, to the histogram's
    bucket edge (the longest wait when it is in the last bucket, or shorter)."""
    waited = counts["waited"]
    if not waited:
        return None
    rank, seen = math.ceil(share * waited), 0
    for edge, name in zip(WAIT_EDGES, WAIT_BUCKETS, strict=False):
        seen += counts[name]
        if seen >= rank:
            return min(edge, counts["wait_max"])
    return counts["wait_max"]


def figures(counts: Mapping[str, int]) -> dict:
    """One row's figures from its summed counters."""
    answered = counts["answered"]
    return {
        "offered": counts["offered"],
        "answered": answered,
        "abandoned": counts["abandoned"],
        "short_abandoned": counts["short_abandoned"],
        "callback_requested": counts["callback_requested"],
        "service_level": _ratio(counts["answered_in_target"], answered + counts["abandoned_after_target"]),
        "average_speed_of_answer_seconds": _ratio(counts["answered_wait_sum"], answered, 1),
        "wait_p50_seconds": percentile(counts, 0.5),
        "wait_p90_seconds": percentile(counts, 0.9),
        "wait_max_seconds": counts["wait_max"] if counts["waited"] else None,
        "abandon_rate": _ratio(counts["abandoned"], counts["offered"] - counts["short_abandoned"]),
        "average_handle_seconds": _ratio(counts["handle_seconds_sum"], counts["handled"], 1),
        "opened": counts["opened"],
        "resolved": counts["resolved"],
        "support_rate": _ratio(counts["supported"], counts["valid_requests"]),
    }


def report(first: date, last: date, group_by: str, queue: str | None = None) -> list[dict]:
    """One row per group over the local days `first` to `last`, both included:
    its key under the group's name, then the figures. By queue, every queue
    (or the one asked for); by day, every day of the range; otherwise the
    groups that have something counted."""
    column = _COLUMN[group_by].label("key")
    sums = [func.coalesce(func.sum(STATS_HOUR.c[name]), 0).label(name) for name in COUNTERS]
    query = (
        select(column, *sums, func.coalesce(func.max(STATS_HOUR.c.wait_max), 0).label("wait_max"))
        .where(
            STATS_HOUR.c.hour >= first.isoformat(), STATS_HOUR.c.hour < (last + timedelta(days=1)).isoformat()
        )
        .group_by(column)
    )
    if queue is not None:
        query = query.where(STATS_HOUR.c.queue == queue)
    found = {row.key: row._mapping for row in db.session.execute(query)}
    keys = sorted(found, key=lambda key: (key is None, key))
    if group_by == "queue":
        keys = [name.value for name in QueueName if queue in (None, name.value)]
    elif group_by == "day":
        keys = [(first + timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]
    names = _usernames(keys) if group_by == "operator" else {}
    empty = dict.fromkeys((*COUNTERS, "wait_max"), 0)
    return [{group_by: _shown(group_by, key, names), **figures(found.get(key, empty))} for key in keys]


def _shown(group_by: str, key, names: Mapping[int, str]):
    if group_by in _NONE and key == _NONE[group_by]:
        return None
    return names.get(key, str(key)) if group_by == "operator" else key


def _usernames(ids) -> dict[int, str]:
    wanted = [key for key in ids if key]
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(wanted))).all())
