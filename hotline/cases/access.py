"""Who may see a case, and the audit of every look at one.

One rule, `may_see`: an operator sees the cases of the queues they serve and
those assigned to them, and the case of a caller offered to them or on the line
with them (a caller transferred from another queue keeps their case there);
supervisors and admins every case; an integration's
token (no user) none, since a case is a person's matter. The number itself
(`may_reveal`) only the case's assigned operator and supervisors.

Every view of a case is an audit record (`case.viewed`), and so is every
refusal (`case.view_refused`): who, which case, when; never the number or a
note. Each is committed by `look`, the step a view takes before it answers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, false, literal, or_, select, true

from hotline import audit
from hotline.cases import reading
from hotline.cases.lookup import get_case
from hotline.core.phones import PhoneVault
from hotline.extensions import db
from hotline.models import Assignment, Call, Case, Offer, Role, User
from hotline.models.states import AssignmentStatus, OfferStatus

SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
VIEWED, REFUSED, REVEALED = "case.viewed", "case.view_refused", "case.number_revealed"
# An operator's part in a call while it lasts (then the case is theirs to see no more).
ON_THE_CALL = (AssignmentStatus.CONNECTING, AssignmentStatus.TALKING, AssignmentStatus.WRAP_UP)


class CaseRefused(PermissionError):
    """403: the user asking may not see this case (or its number)."""


def may_see(user: User | None, case: Case) -> bool:
    return user is not None and (
        user.role in SUPERVISING
        or case.queue in user.queue_names
        or case.assigned_operator_id == user.id
        or serving(user, case)
    )


def serving(user: User, case: Case) -> bool:
    """Whether a call of the case is offered to `user` now, or `user` is on it
    (to its wrap-up's end): one query, asked only when the other rules said no."""
    return bool(db.session.scalar(select(_serving(user, literal(case.id)))))


def _serving(user: User, case_id: ColumnElement[int]) -> ColumnElement[bool]:
    calls = select(Call.id).where(Call.case_id == case_id)
    offered = exists().where(
        Offer.user_id == user.id, Offer.status == OfferStatus.OPEN, Offer.call_id.in_(calls)
    )
    on_it = exists().where(
        Assignment.user_id == user.id, Assignment.status.in_(ON_THE_CALL), Assignment.call_id.in_(calls)
    )
    return or_(offered, on_it)


def visible(user: User | None) -> ColumnElement[bool]:
    """`may_see` as SQL, for a list of cases (cases.search): the same rules, in
    the same order, as a condition on Case."""
    if user is None:
        return false()
    if user.role in SUPERVISING:
        return true()
    return or_(
        Case.queue.in_(sorted(user.queue_names)),
        Case.assigned_operator_id == user.id,
        _serving(user, Case.id),
    )


def may_supervise(user: User | None, case: Case) -> bool:
    """Supervisors' steps on a case: acknowledging its risk alert, blocking its caller."""
    return user is not None and user.role in SUPERVISING


def may_reveal(user: User | None, case: Case) -> bool:
    return user is not None and (user.role in SUPERVISING or case.assigned_operator_id == user.id)


def look(
    reference: str,
    user: User | None,
    actor: str,
    now: datetime,
    *,
    step: str = "view",
    rule=may_see,
    action: str | None = VIEWED,
) -> Case:
    """The case with `reference`, if `rule` lets `user` (`actor` in the audit log)
    at it for `step` (view, timeline, note, status, reveal). The look is audited
    as `action` (None: the step audits itself) and a refusal as
    case.view_refused, committed either way. UnknownCase (404), CaseRefused (403)."""
    case = get_case(reference)
    if not rule(user, case):
        _audit(actor, REFUSED, case, step, now)
        db.session.commit()
        raise CaseRefused(reference)
    if action is not None:
        _audit(actor, action, case, step, now)
        db.session.commit()
    return case


def _audit(actor: str, action: str, case: Case, step: str, now: datetime) -> None:
    entry = audit.values(actor, action, "case", case.id, reference=case.reference, step=step)
    db.session.connection().execute(audit.NEW_RECORD, {**entry, "at": now})


def reveal(reference: str, user: User | None, actor: str, now: datetime, vault: PhoneVault) -> str:
    """The case's caller's whole number, for its assigned operator or a
    supervisor: the reveal audited (case.number_revealed, without the number)
    and committed before it is answered. UnknownCase, CaseRefused, NoNumber."""
    case = look(reference, user, actor, now, step="reveal", rule=may_reveal, action=None)
    whole = reading.number(case, vault)
    _audit(actor, REVEALED, case, "reveal", now)
    db.session.commit()
    return whole
