"""A person's support route as it is shown: each step with `overdue`, the
person's whole route, an owner's steps due this week, and whether the person
is in full accompaniment (their route has an open step). One query each."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, exists, select

from hotline.extensions import db
from hotline.models import Case, PlanStep, User
from hotline.models.states import PlanStepStatus


def week_end(today: date) -> date:
    """The Sunday that ends the week (Monday to Sunday) of `today`."""
    return today + timedelta(days=6 - today.weekday())


def shown(step: PlanStep, owner: str, case_reference: str, today: date) -> dict:
    """One step as the API shows it; `overdue` when still open after its due date."""
    return {
        "id": step.id,
        "case": case_reference,
        "goal": step.goal,
        "category": step.category,
        "owner": owner,
        "due_date": step.due_date,
        "status": step.status,
        "result": step.result,
        "created_at": step.created_at,
        "closed_at": step.closed_at,
        "overdue": step.status == PlanStepStatus.OPEN and step.due_date < today,
    }


def _listed(query, today: date) -> list[dict]:
    rows = db.session.execute(
        query.add_columns(User.username, Case.reference)
        .join(User, User.id == PlanStep.owner_id)
        .join(Case, Case.id == PlanStep.case_id)
    ).all()
    return [shown(step, owner, reference, today) for step, owner, reference in rows]


def of_person(case: Case, today: date) -> list[dict]:
    """The route of the case's person (every case of theirs), by due date."""
    if case.caller_id is None:
        return []
    query = (
        select(PlanStep).where(PlanStep.caller_id == case.caller_id).order_by(PlanStep.due_date, PlanStep.id)
    )
    return _listed(query, today)


def due_by(owner_id: int, until: date, today: date) -> list[dict]:
    """`owner_id`'s open steps due on or before `until` (the overdue ones too), by due date."""
    query = (
        select(PlanStep)
        .where(
            PlanStep.owner_id == owner_id, PlanStep.status == PlanStepStatus.OPEN, PlanStep.due_date <= until
        )
        .order_by(PlanStep.due_date, PlanStep.id)
    )
    return _listed(query, today)


def on_route(caller_id) -> ColumnElement[bool]:
    """SQL: the person `caller_id` (a value or a column) has an open step: is in full accompaniment."""
    return exists().where(PlanStep.caller_id == caller_id, PlanStep.status == PlanStepStatus.OPEN)


def accompanied(caller_id: int | None) -> bool:
    """Whether the person is in full accompaniment: their route has an open step."""
    if caller_id is None:
        return False
    return bool(db.session.scalar(select(on_route(caller_id))))


def one(step_id: int, today: date) -> dict:
    """Step `step_id` as shown, read afresh."""
    [step] = _listed(
        select(PlanStep).where(PlanStep.id == step_id).execution_options(populate_existing=True), today
    )
    return step
