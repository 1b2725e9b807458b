"""The wallboard's live figures: per queue, who waits now and for how long, the
operators in each presence state, the callbacks queued and overdue, and today's
service level, abandon rate and average speed of answer; and the open
imminent-risk alerts. docs/metrics.md defines each.

Each part comes from the code that owns it, none is counted again here: the
waiting callers from `calls.queues.figures`, presence from
`operators.presence.counts`, callbacks from `callbacks.listing.waiting_counts`
(its `overdue` is the callbacks panel's), today's figures from
`stats.figures.report` over the rollups for the local day in HOTLINE_TIMEZONE
(the stats API's own code path), the alerts from `cases.risk.open_alerts`.
Five grouped statements whatever the number of queues, calls or operators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from hotline.callbacks import listing
from hotline.calls import queues
from hotline.cases import risk
from hotline.models import QueueName
from hotline.operators import presence
from hotline.stats import figures
from hotline.stats.rules import rules


def queue_figures(now: datetime, config: Mapping, names: Iterable[str] | None = None) -> list[dict]:
    """The live figures of the queues named (default all four, in their order)."""
    wanted = [queue.value for queue in QueueName if names is None or queue.value in set(names)]
    today = rules(config).day(now)
    waiting = {row.name: row for row in queues.figures(now)}
    states = presence.counts()
    callbacks = listing.waiting_counts(now)
    by_day = {row["queue"]: row for row in figures.report(today, today, "queue")}
    found = []
    for name in wanted:
        queued, overdue = callbacks.get(name, (0, 0))
        day = by_day[name]
        found.append(
            {
                "queue": name,
                "waiting": waiting[name].waiting,
                "longest_wait_seconds": waiting[name].longest_wait_seconds,
                "available": states[name]["available"],
                "busy": states[name]["busy"],
                "wrap_up": states[name]["wrap_up"],
                "away": states[name]["away"],
                "callbacks_queued": queued,
                "callbacks_overdue": overdue,
                "service_level_today": day["service_level"],
                "abandon_rate_today": day["abandon_rate"],
                "average_speed_of_answer_today": day["average_speed_of_answer_seconds"],
            }
        )
    return found


def live(now: datetime, config: Mapping) -> dict:
    """GET /api/v1/stats/live: every queue's figures and the open imminent-risk alerts."""
    return {"queues": queue_figures(now, config), "alerts": risk.open_alerts()}
