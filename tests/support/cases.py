"""Cases in tests: the staff's tokens, a case opened by a phone call, the case
API's requests, and what a case left in its timeline and the audit log."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from hotline.extensions import db
from hotline.models import AuditRecord, Case, CaseEvent, utcnow
from tests.support.callbacks import NUMBER, bearer, case_called, staff_tokens

__all__ = [
    "NUMBER",
    "audit_count",
    "bearer",
    "case_called",
    "set_status",
    "staff_tokens",
    "status_of",
    "steps_on",
]

OUTCOME, CATEGORY = "support_given", "documents"


def status_of(app, reference: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Case.status).where(Case.reference == reference))


def set_status(app, reference: str, status: str, **values) -> None:
    """Put the case in `status` directly (for the state a test starts from)."""
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        case.status = status
        for name, value in values.items():
            setattr(case, name, value)
        db.session.commit()


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditRecord.action == action))


def event_count(app, kind: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(CaseEvent.kind == kind))


def steps_on(app, reference: str, count: int) -> None:
    """`count` entries (kind test_step, data {"n": 0…count-1}) added to the case's timeline at once."""
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
        db.session.execute(
            insert(CaseEvent),
            [
                {"case_id": case_id, "kind": "test_step", "data": {"n": n}, "created_at": utcnow()}
                for n in range(count)
            ],
        )
        db.session.commit()
