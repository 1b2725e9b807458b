"""The rollups from the raw rows: `flask stats rebuild` writes them afresh,
`flask stats verify` compares them with what is kept.

Both sum the same parts (`hotline.stats.parts`) the change points add, over
every call and case, so a difference means a change that was not counted (or
counted twice), never two definitions disagreeing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from hotline.extensions import db
from hotline.models import Assignment, Call, Case
from hotline.models.states import CallStage
from hotline.models.stats import COUNTERS, KEY, STATS_HOUR
from hotline.stats import parts
from hotline.stats.parts import MAX, Part
from hotline.stats.rollup import ASSIGNMENT_COLUMNS, current_rules

BATCH = 5000
_CALL_COLUMNS = (
    Call.id,
    Call.stage,
    Call.direction,
    Call.queue,
    Call.language,
    Call.operator_id,
    Call.enqueued_at,
    Call.wait_seconds,
    Call.abandoned,
    Call.left_queue_reason,
)
_ASSIGNMENT_COLUMNS = (Assignment.call_id, *ASSIGNMENT_COLUMNS)
_CASE_COLUMNS = (Case.queue, Case.opened_at, Case.status, Case.resolved_at, Case.outcome, Case.category)


@dataclass(frozen=True)
class Difference:
    key: parts.Key
    counter: str
    kept: int
    raw: int

    def __str__(self) -> str:
        return f"{' '.join(str(part) for part in self.key)} {self.counter}: kept {self.kept}, raw {self.raw}"


def from_raw_rows() -> Part:
    """Every call's and case's part, summed."""
    rules = current_rules()
    total: Part = {}
    worked = defaultdict(list)
    answered_calls = select(Assignment.call_id).join(Call, Call.id == Assignment.call_id)
    for row in db.session.execute(
        select(*_ASSIGNMENT_COLUMNS)
        .where(Assignment.call_id.in_(answered_calls.where(Call.stage == CallStage.ENDED)))
        .order_by(Assignment.call_id, Assignment.id)
        .execution_options(yield_per=BATCH)
    ):
        worked[row.call_id].append(row)
    calls = select(*_CALL_COLUMNS).where(Call.stage == CallStage.ENDED, Call.enqueued_at.is_not(None))
    for call in db.session.execute(calls.execution_options(yield_per=BATCH)):
        handled = parts.handling(worked[call.id]) if call.id in worked else None
        parts.add_into(total, parts.call_part(call, handled, rules))
    for case in db.session.execute(select(*_CASE_COLUMNS).execution_options(yield_per=BATCH)):
        parts.add_into(total, parts.case_part(case, rules))
    return total


def kept_rows() -> Part:
    kept: Part = {}
    for row in db.session.execute(select(STATS_HOUR)).mappings():
        kept[tuple(row[name] for name in KEY)] = {name: row[name] for name in (*COUNTERS, MAX)}
    return kept


def rebuild() -> int:
    """Replace the rollups with the raw rows' sums, committed. Returns the rows written."""
    total = from_raw_rows()
    db.session.execute(delete(STATS_HOUR))
    rows = [
        {**dict(zip(KEY, key, strict=True)), **{name: counters.get(name, 0) for name in (*COUNTERS, MAX)}}
        for key, counters in sorted(total.items())
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(STATS_HOUR), rows[start : start + BATCH])
    db.session.commit()
    return len(rows)


def verify() -> list[Difference]:
    """Every counter where the kept rollups and the raw rows disagree (a row of
    zeros counts as no row)."""
    raw, kept = from_raw_rows(), kept_rows()
    found = []
    for key in sorted(raw.keys() | kept.keys()):
        for name in (*COUNTERS, MAX):
            have, want = kept.get(key, {}).get(name, 0), raw.get(key, {}).get(name, 0)
            if have != want:
                found.append(Difference(key, name, have, want))
    return found
