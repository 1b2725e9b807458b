"""Keeping the rollups current, in the same transaction as the change they count.

Each place a counted change happens (a call's end, its late queue result, its
wrap-up; a case opened, resolved or reopened) hands over the part its record
added before the change and the part it adds after (`hotline.stats.parts`);
the difference goes to `stats_hour` in ONE upsert (`INSERT … VALUES (…), (…)
ON CONFLICT DO UPDATE SET n = n + excluded.n`), built once per number of rows.
Since the change points run inside the conditional step that changed the
record, a repeated or late report that changes nothing counts nothing, and a
step that loses a race is rolled back with its upsert. The upsert comes after
the change's other writes (flushed first): the rollup row, shared by every call
of its hour, queue and key, is held only from there to the commit.

`wait_max` can only grow in an upsert; when a change takes a wait away from a
row (a late queue result shortens it), that row's longest wait is recounted
from the raw calls of its hour: rare, and one hour's calls.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, bindparam, func, select, update

from hotline import events
from hotline.core.transactions import dialect_insert
from hotline.extensions import db
from hotline.models import Assignment, Call
from hotline.models.stats import COUNTERS, KEY, STATS_HOUR
from hotline.stats import parts
from hotline.stats.parts import MAX, Part
from hotline.stats.rules import Rules, rules

# What `parts.handling` reads of a call's assignments.
ASSIGNMENT_COLUMNS = (
    Assignment.answered_at,
    Assignment.talk_seconds,
    Assignment.ended_at,
    Assignment.wrapped_up_at,
    Assignment.wrap_up_until,
    Assignment.status,
    Assignment.category,
)
_ASSIGNMENTS = (
    select(*ASSIGNMENT_COLUMNS).where(Assignment.call_id == bindparam("call_id")).order_by(Assignment.id)
)


def current_rules() -> Rules:
    return rules(current_app.config)


def counted_call(call: Call) -> Part:
    """What `call` adds to the rollups now (read before a change, to recount after it)."""
    if not parts.counts(call):
        return {}
    handled = None
    if call.operator_id is not None:  # only an operator's call has assignments to read
        rows = db.session.connection().execute(_ASSIGNMENTS, {"call_id": call.id}).all()
        handled = parts.handling(rows) if rows else None
    return parts.call_part(call, handled, current_rules())


def recount_call(call: Call, before: Part) -> None:
    """After a change of `call` in this transaction: move the rollups from `before` to now."""
    apply(before, counted_call(call))


def case_opened(queue: str, opened_at: datetime) -> None:
    apply({}, parts.case_opened_part(queue, opened_at, current_rules()))


def case_moved(queue: str, before: tuple, after: tuple) -> None:
    """A case's status changed: `before` and `after` are (status, resolved_at, outcome, category)."""
    rules_now = current_rules()
    apply(
        parts.case_resolved_part(queue, *before, rules_now),
        parts.case_resolved_part(queue, *after, rules_now),
    )


def difference(before: Part, after: Part) -> tuple[dict, set]:
    """The rows to add (key → counters, wait_max the longest wait now there) and
    the keys whose longest wait may have shrunk."""
    rows, shrunk = {}, set()
    for key in before.keys() | after.keys():
        old, new = before.get(key, Counter()), after.get(key, Counter())
        change = {name: new.get(name, 0) - old.get(name, 0) for name in COUNTERS}
        if old.get(MAX, 0) > new.get(MAX, 0):
            shrunk.add(key)
        if any(change.values()) or new.get(MAX, 0) > old.get(MAX, 0):
            rows[key] = {**change, MAX: new.get(MAX, 0)}
    return rows, shrunk


def apply(before: Part, after: Part) -> None:
    rows, shrunk = difference(before, after)
    if not rows and not shrunk:
        return
    # The change's own writes first, so a rollup row (which every call of its hour
    # shares) is locked last, just before the commit, and always after the call's row.
    db.session.flush()
    connection = db.session.connection()
    if rows:
        parameters = {}
        for index, (key, change) in enumerate(sorted(rows.items())):
            parameters.update({f"{name}_{index}": value for name, value in zip(KEY, key, strict=True)})
            parameters.update({f"{name}_{index}": value for name, value in change.items()})
        connection.execute(upsert(connection.dialect.name, len(rows)), parameters)
    for key in shrunk:
        recount_longest(key)
    events.queues_counted({key[1] for key in (*rows, *shrunk)})


@lru_cache(maxsize=16)
def upsert(dialect: str, count: int):
    """INSERT `count` rows into stats_hour, each adding to the row of its key."""
    insert = dialect_insert(dialect)(STATS_HOUR)
    names = (*KEY, *COUNTERS, MAX)
    statement = insert.values(
        [
            {name: bindparam(f"{name}_{index}", type_=STATS_HOUR.c[name].type) for name in names}
            for index in range(count)
        ]
    )
    longest = func.greatest if dialect == "postgresql" else func.max
    return statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={
            **{name: STATS_HOUR.c[name] + statement.excluded[name] for name in COUNTERS},
            MAX: longest(STATS_HOUR.c[MAX], statement.excluded[MAX]),
        },
    )


def recount_longest(key: parts.Key) -> None:
    """Set the row's wait_max to the longest wait of the calls counted in it now."""
    rules_now = current_rules()
    start = datetime.fromisoformat(key[0] + ":00").replace(tzinfo=rules_now.timezone)
    # A local hour's calls entered the queue within it: a wider window covers a clock change.
    calls = db.session.scalars(
        select(Call).where(
            and_(
                Call.queue == key[1],
                Call.enqueued_at >= start - timedelta(hours=1),
                Call.enqueued_at < start + timedelta(hours=2),
            )
        )
    ).all()
    longest = 0
    for call in calls:
        part = counted_call(call).get(key)
        if part is not None:
            longest = max(longest, part.get(MAX, 0))
    db.session.connection().execute(
        update(STATS_HOUR)
        .where(*(STATS_HOUR.c[name] == value for name, value in zip(KEY, key, strict=True)))
        .values(wait_max=longest)
    )
