"""A person's individual support route: its steps, each with a goal, a category
(of the wrap-up's taxonomy), an owner, a due date, a status and a result.

The route belongs to the person (the caller), each step added through one of
their cases (POST /api/v1/cases/<reference>/plan) and moved on by PATCH
/api/v1/plan-steps/<id>. A person is in full accompaniment while their route is
active: at least one open step. A step still open after its due date (the
hotline's date) is overdue; `route` shows them.

A step's status moves by its one `transition()`, a conditional UPDATE
(`hotline.core.moves`) over the table in `hotline.models.states`: of two moves
of one step at once, one changes the row and the other is a 409 with nothing
written. The goal and the result are the person's matter: on the step's row,
never in an event or an audit record (those hold ids, codes and dates).

Owners are users (a username) for now; `partner:<id>` (a partner of the
directory) is still to come, refused as an unknown owner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy import insert, select, update

from hotline.cases import notes, route, timeline
from hotline.core import moves
from hotline.extensions import db
from hotline.models import Case, PlanStep, User, states
from hotline.models.states import PLAN_STEP_TRANSITIONS, PlanStepStatus

STEPS = PlanStep.__table__
GOAL_MAX_CHARS = 1_000
# A result is read as a note is (notes.usable).
RESULT_MAX_CHARS = notes.NOTE_MAX_CHARS
PARTNER_PREFIX = "partner:"


class PlanStepRefused(ValueError):
    """400: the step cannot be as asked; the message names the field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


class UnknownPlanStep(LookupError):
    """404: no plan step with that id."""


class PlanStepMoveRefused(Exception):
    """409: a move the table does not allow; the message names both statuses' codes."""

    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"a plan step that is {current} cannot become {to}")
        self.current = current
        self.to = to


class PlanStepChanged(RuntimeError):
    """409: someone else moved the step first: nothing written."""

    def __init__(self) -> None:
        super().__init__("the plan step changed meanwhile; read it again")


def transition(
    step_id: int, to: PlanStepStatus, *, allowed_from: Iterable[PlanStepStatus] | None = None, **values
) -> bool:
    """Move step `step_id` to `to`, setting `values` with it, if it is still in one
    of `allowed_from` (default: every status `to` may follow). False, with nothing
    written, when it is not. Part of the caller's transaction."""
    froms = states.sources(PLAN_STEP_TRANSITIONS, to, allowed_from)
    return moves.carry_out(
        db.session.connection(),
        STEPS,
        "status",
        step_id,
        to.value,
        frozenset(s.value for s in froms),
        {},
        values,
    )


def _owner(name: str | None, user: User) -> User:
    if name is None:
        return user
    if name.startswith(PARTNER_PREFIX):
        # A partner owning a step is still to come (a column for it, and who may move it).
        raise PlanStepRefused("owner")
    owner = db.session.scalars(select(User).where(User.username == name, User.active.is_(True))).one_or_none()
    if owner is None:
        raise PlanStepRefused("owner")
    return owner


def add(
    case: Case,
    user: User,
    now: datetime,
    today: date,
    active_categories: Callable[[], frozenset[str]],
    *,
    goal: str,
    category: str,
    due_date: date,
    owner: str | None = None,
) -> dict:
    """Add a step to the route of the case's person, owned by the user named
    `owner` (default: `user`), committed, on the case's timeline and in the audit
    log; the step as shown. PlanStepRefused (the field), nothing written."""
    if case.caller_id is None:
        raise PlanStepRefused("case")
    if not notes.usable(goal) or len(goal) > GOAL_MAX_CHARS:
        raise PlanStepRefused("goal")
    if category not in active_categories():
        raise PlanStepRefused("category")
    holder = _owner(owner, user)
    values = {
        "caller_id": case.caller_id,
        "case_id": case.id,
        "goal": goal,
        "category": category,
        "owner_id": holder.id,
        "due_date": due_date,
        "status": PlanStepStatus.OPEN.value,
        "created_by_id": user.id,
        "created_at": now,
    }
    step_id = db.session.connection().scalar(insert(STEPS).values(values).returning(STEPS.c.id))
    timeline.record(
        case.id,
        "plan_step_added",
        actor=user.username,
        actor_id=user.id,
        at=now,
        step_id=step_id,
        category=category,
        owner=holder.username,
        due_date=due_date.isoformat(),
    )
    db.session.commit()
    return route.one(step_id, today)


def case_of(step_id: int) -> tuple[str, int]:
    """The reference of the case step `step_id` was added through, and its owner's id; UnknownPlanStep."""
    row = db.session.execute(
        select(Case.reference, PlanStep.owner_id)
        .join(Case, Case.id == PlanStep.case_id)
        .where(PlanStep.id == step_id)
    ).one_or_none()
    if row is None:
        raise UnknownPlanStep(step_id)
    return row.reference, row.owner_id


def move(
    step_id: int,
    user: User,
    now: datetime,
    today: date,
    *,
    status: PlanStepStatus | None = None,
    result: str | None = None,
) -> dict:
    """`user` moves the step to `status` and/or writes its `result`, committed,
    on its case's timeline and in the audit log; the step as shown (neither:
    the step as it is, nothing written).
    UnknownPlanStep, PlanStepRefused, PlanStepMoveRefused, PlanStepChanged,
    with nothing written."""
    if result is not None and not notes.usable(result):
        raise PlanStepRefused("result")
    step = db.session.get(PlanStep, step_id)
    if step is None:
        raise UnknownPlanStep(step_id)
    current = PlanStepStatus(step.status)
    values = {"result": result} if result is not None else {}
    data: dict[str, object] = {"step_id": step_id, "result_written": result is not None}
    if status is None and result is None:
        db.session.rollback()
        return route.one(step_id, today)
    if status is not None:
        if status not in PLAN_STEP_TRANSITIONS[current]:
            raise PlanStepMoveRefused(current, status)
        if not transition(step_id, status, allowed_from={current}, closed_at=now, **values):
            db.session.rollback()
            raise PlanStepChanged()
        kind = "plan_step_moved"
        data.update({"from": current.value, "to": status.value})
    else:
        db.session.execute(update(STEPS).where(STEPS.c.id == step_id).values(values))
        kind = "plan_step_updated"
    timeline.record(step.case_id, kind, actor=user.username, actor_id=user.id, at=now, **data)
    db.session.commit()
    return route.one(step_id, today)
