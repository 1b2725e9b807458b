"""What one call or one case adds to the rollups: a pure function of its rows.

`hotline.stats.rollup` keeps the rollups equal to the sum of these parts over
every call and case, and `hotline.stats.rebuild` sums them afresh from the raw
rows: one definition for both (docs/metrics.md says it in words).

A part maps a rollup key (local hour, queue, operator id or 0, category or '',
language or '') to counters; `wait_max` in it is the call's wait (kept as the
largest, never summed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.models.states import AssignmentStatus, CallStage, CaseStatus, LeftQueue
from hotline.models.stats import WAIT_BUCKETS, WAIT_EDGES
from hotline.stats.rules import NOT_VALID, SUPPORTIVE, Rules

Key = tuple[str, str, int, str, str]
Part = dict[Key, Counter]
MAX = "wait_max"
RESOLVED = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


@dataclass(frozen=True)
class Handling:
    """An answered call's operators' work: talk and wrap-up, and the wrap-up's category."""

    answered: bool
    seconds: int
    category: str | None


def bucket(wait: int) -> str:
    for edge, name in zip(WAIT_EDGES, WAIT_BUCKETS, strict=False):
        if wait <= edge:
            return name
    return WAIT_BUCKETS[-1]


def handling(assignments: Iterable[Any]) -> Handling:
    """From a call's assignments (in id order): answered if an operator answered;
    the handle time is each answered part's talk plus its wrap-up (to the save,
    or to the deadline when it ran out)."""
    answered, seconds, category = False, 0, None
    for part in assignments:
        if part.answered_at is None:
            continue
        answered = True
        seconds += part.talk_seconds or 0
        wrapped = part.wrapped_up_at or (part.wrap_up_until if part.status == AssignmentStatus.DONE else None)
        if wrapped is not None and part.ended_at is not None:
            seconds += max(0, int((wrapped - part.ended_at).total_seconds()))
        category = part.category or category
    return Handling(answered, seconds, category)


def counts(call: Any) -> bool:
    """Whether the call is in the figures yet: an inbound call that entered a queue and has ended."""
    return (
        call.stage == CallStage.ENDED
        and call.enqueued_at is not None
        and call.queue is not None
        and call.direction == "inbound"
    )


def call_part(call: Any, handled: Handling | None, rules: Rules) -> Part:
    """The call's part: nothing until it counts (`counts`); then offered, its one
    outcome (answered, callback requested, abandoned or short abandoned), its wait."""
    if not counts(call):
        return {}
    handled = handled or Handling(False, 0, None)
    key = (
        rules.hour(call.enqueued_at),
        call.queue,
        call.operator_id or 0,
        handled.category or "",
        call.language or "",
    )
    wait = call.wait_seconds
    add = Counter(offered=1)
    target = rules.service_level_seconds
    if handled.answered or call.left_queue_reason == LeftQueue.ANSWERED:
        add.update(
            answered=1,
            answered_wait_sum=wait or 0,
            answered_in_target=int(wait is not None and wait <= target),
        )
        if handled.answered:
            add.update(handled=1, handle_seconds_sum=handled.seconds)
    elif call.left_queue_reason == LeftQueue.CALLBACK:
        add.update(callback_requested=1)
    elif call.abandoned and wait is not None and wait < rules.short_abandon_seconds:
        add.update(short_abandoned=1)
    elif call.abandoned:
        add.update(abandoned=1, abandoned_after_target=int(wait is not None and wait > target))
    if wait is not None:
        add.update({"waited": 1, bucket(wait): 1, MAX: wait})
    return {key: add}


def case_opened_part(queue: str, opened_at: datetime, rules: Rules) -> Part:
    return {(rules.hour(opened_at), queue, 0, "", ""): Counter(opened=1)}


def case_resolved_part(
    queue: str,
    status: str,
    resolved_at: datetime | None,
    outcome: str | None,
    category: str | None,
    rules: Rules,
) -> Part:
    """A resolved (or closed) case counts in the hour it was resolved; a reopened one no longer."""
    if status not in RESOLVED or resolved_at is None:
        return {}
    valid = outcome is not None and outcome not in NOT_VALID
    add = Counter(resolved=1, valid_requests=int(valid), supported=int(outcome in SUPPORTIVE))
    return {(rules.hour(resolved_at), queue, 0, category or "", ""): add}


def case_part(case: Any, rules: Rules) -> Part:
    total: Part = case_opened_part(case.queue, case.opened_at, rules)
    for key, add in case_resolved_part(
        case.queue, case.status, case.resolved_at, case.outcome, case.category, rules
    ).items():
        total.setdefault(key, Counter()).update(add)
    return total


def add_into(total: Part, part: Part) -> None:
    """Sum `part` into `total` (wait_max kept as the largest)."""
    for key, add in part.items():
        row = total.setdefault(key, Counter())
        longest = max(row.get(MAX, 0), add.get(MAX, 0))
        row.update({name: value for name, value in add.items() if name != MAX})
        if longest:
            row[MAX] = longest
