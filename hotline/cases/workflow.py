"""A case's status workflow: its one `transition()`, and `move`, the step a
person takes (POST /api/v1/cases/<reference>/status).

The statuses and the table of allowed moves are in `hotline.models.states`
(`CaseStatus`, `CASE_TRANSITIONS`). Every change of a case's status is one
conditional UPDATE (`hotline.core.moves`), as for calls and callbacks: of two
people moving one case at once, exactly one changes the row; the other writes
nothing and hears 409. Reopening a case while the person has another active
case in its queue breaks the partial unique index uq_case_active_caller_queue:
the database decides, inside a savepoint, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.cases import risk, timeline
from hotline.cases.lookup import case_id_of
from hotline.core import moves
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Case, User, states
from hotline.models.states import CASE_TRANSITIONS, CaseStatus
from hotline.stats import rollup

CASES = Case.__table__
# The codes a resolved case must have (the wrap-up's kinds, operators.taxonomy.Kind).
RESOLVING_CODES = ("outcome", "category")


class CaseMoveRefused(Exception):
    """A move the table does not allow (409); the message names both statuses' codes."""

    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"a case that is {current} cannot become {to}")
        self.current = current
        self.to = to


class CaseChanged(RuntimeError):
    """Someone else moved the case first (409): nothing written."""


class CodeNeeded(ValueError):
    """Resolving needs `field` (an active outcome or category code) and the case has none (400)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


class AnotherActiveCase(RuntimeError):
    """Reopening would give the person two active cases in one queue (409)."""

    def __init__(self) -> None:
        super().__init__(
            "this person has another active case in this queue: work on that one, "
            "or resolve it before reopening this one"
        )


@dataclass(frozen=True)
class Moved:
    reference: str
    status: str
    previous: str
    outcome: str | None
    category: str | None


def transition(
    case_id: int,
    to: CaseStatus,
    *,
    allowed_from: Iterable[CaseStatus] | None = None,
    where: Mapping[str, object] | None = None,
    **values,
) -> bool:
    """Move case `case_id` to `to`, setting `values` with it, if it is still in
    one of `allowed_from` (default: every status `to` may follow) and each
    column named in `where` still holds its value (None: is null). False, with
    nothing written, when it is not. Part of the caller's transaction; an
    IntegrityError when the move would give the person two active cases in one
    queue (run it in a savepoint to go on)."""
    froms = states.sources(CASE_TRANSITIONS, to, allowed_from)
    return moves.carry_out(
        db.session.connection(),
        CASES,
        "status",
        case_id,
        to.value,
        frozenset(s.value for s in froms),
        where or {},
        values,
    )


def move(
    reference: str,
    to: CaseStatus,
    user: User,
    now: datetime,
    active_codes: Callable[[str], frozenset[str]],
    *,
    outcome: str | None = None,
    category: str | None = None,
    resolved_then: Callable[[int, datetime], None] | None = None,
) -> Moved:
    """`user` moves the case to `to`, committed, on its timeline and in the audit
    log. Resolving takes `outcome` and `category` (checked against
    `active_codes(kind)`) unless the case has them already; reopening clears
    when it was resolved and closed, and keeps its codes.

    A case with an open risk alert is neither resolved nor closed (the risk
    protocol: `cases.risk.require_settled`). `resolved_then(case_id, now)` runs in
    the transaction of a move to resolved (the follow-up after resolution:
    `hotline.callbacks.follow_ups.case_resolved`, handed in by the view).

    Raises UnknownCase, CaseMoveRefused, CodeNeeded, RiskUnsettled, CaseChanged
    or AnotherActiveCase, with nothing written."""
    case_id = case_id_of(reference)
    case = db.session.execute(
        select(Case.status, Case.outcome, Case.category, Case.queue, Case.resolved_at).where(
            Case.id == case_id
        )
    ).one()
    current = CaseStatus(case.status)
    if to not in CASE_TRANSITIONS[current]:
        raise CaseMoveRefused(current, to)
    values: dict[str, object] = {}
    given = {"outcome": outcome, "category": category}
    if to is CaseStatus.RESOLVED:
        kept = {"outcome": case.outcome, "category": case.category}
        for field in RESOLVING_CODES:
            if given[field] is not None and given[field] not in active_codes(field):
                raise CodeNeeded(field)
            values[field] = given[field] or kept[field]
            if values[field] is None:
                raise CodeNeeded(field)
        values["resolved_at"] = now
    elif to is CaseStatus.CLOSED:
        values["closed_at"] = now
    elif current in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        values.update(resolved_at=None, closed_at=None)
    try:
        with savepoint():
            moved = transition(case_id, to, allowed_from={current}, **values)
    except IntegrityError:
        db.session.rollback()
        raise AnotherActiveCase() from None
    if not moved:
        db.session.rollback()
        raise CaseChanged(reference)
    if to in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        # After the UPDATE, which holds the case's row: an alert raised by a
        # transaction that changed the case first is seen here.
        try:
            risk.require_settled(case_id, to.value)
        except risk.RiskUnsettled:
            db.session.rollback()
            raise
    after = {"outcome": case.outcome, "category": case.category, "resolved_at": case.resolved_at, **values}
    rollup.case_moved(
        case.queue,
        (case.status, case.resolved_at, case.outcome, case.category),
        (to.value, after["resolved_at"], after["outcome"], after["category"]),
    )
    codes = {field: values[field] for field in RESOLVING_CODES if field in values}
    timeline.record(
        case_id,
        "status_changed",
        actor=user.username,
        actor_id=user.id,
        at=now,
        **{"from": current.value, "to": to.value},
        **codes,
    )
    if to is CaseStatus.RESOLVED and resolved_then is not None:
        resolved_then(case_id, now)
    db.session.commit()
    final = {"outcome": case.outcome, "category": case.category, **codes}
    return Moved(reference, to.value, current.value, final["outcome"], final["category"])
