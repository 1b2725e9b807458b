"""An operator's request from a case: "call back at …", optionally assigned to
an operator of the case's queue.

The case names who is called back (its caller, or a number the operator keys
in) and the queue; `service.record` does the rest, as for every other source,
so the same person asking twice for one queue still has one callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hotline.callbacks.policy import Window
from hotline.callbacks.service import NoNumberToCall, Request
from hotline.cases.lookup import REFERENCE, UnknownCase
from hotline.extensions import db
from hotline.models import Call, Case, OperatorSkill, Role, User
from hotline.models.states import CallbackSource


class UnknownOperator(ValueError):
    """400: the operator named is not an active operator of the case's queue."""

    def __init__(self) -> None:
        super().__init__("operator: not an active operator of this case's queue")


@dataclass(frozen=True)
class CaseToCall:
    id: int
    reference: str
    queue: str
    caller_id: int | None
    priority: int
    crisis: bool
    language: str | None


def case_to_call(reference: str) -> CaseToCall:
    """The case with `reference`, and the language of its last call; UnknownCase when none."""
    if not REFERENCE.fullmatch(reference):
        raise UnknownCase(reference)
    case = db.session.execute(
        select(Case.id, Case.reference, Case.queue, Case.caller_id, Case.priority, Case.crisis).where(
            Case.reference == reference
        )
    ).first()
    if case is None:
        raise UnknownCase(reference)
    language = db.session.scalar(
        select(Call.language).where(Call.case_id == case.id).order_by(Call.id.desc()).limit(1)
    )
    return CaseToCall(*case, language=language)


def assignee(username: str, queue: str) -> int:
    """The id of the active operator `username` serving `queue`; UnknownOperator otherwise."""
    operator_id = db.session.scalar(
        select(User.id)
        .join(OperatorSkill, OperatorSkill.user_id == User.id)
        .where(
            User.username == username,
            User.active.is_(True),
            User.role == Role.OPERATOR.value,
            OperatorSkill.queue == queue,
        )
    )
    if operator_id is None:
        raise UnknownOperator()
    return operator_id


def request(
    case: CaseToCall,
    due_at: datetime,
    number: str | None = None,
    operator_id: int | None = None,
    window: Window | None = None,
) -> Request:
    """The request to call the case's caller (or `number`, E.164) back at `due_at`.
    NoNumberToCall when the case has no caller to call."""
    if case.caller_id is None:
        raise NoNumberToCall("the case has no caller")
    return Request(
        caller_id=case.caller_id,
        queue=case.queue,
        source=CallbackSource.OPERATOR,
        asked_at=due_at,
        case_id=case.id,
        number=number,
        window=window,
        language=case.language,
        priority=case.priority,
        crisis=case.crisis,
        operator_id=operator_id,
    )
