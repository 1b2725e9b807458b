"""Full accompaniment in tests: the passport's and the route's requests, and
what they left in the database."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, PassportVersion, PlanStep, SocialPassport
from tests.support.cases import bearer

# Words a test writes into the passport and the route, looked for where they must never be.
PRIVATE = "zx-private-housing-7731"


def put_passport(client, token: str, reference: str, body):
    return client.put(f"/api/v1/cases/{reference}/passport", json=body, headers=bearer(token))


def get_passport(client, token: str, reference: str):
    return client.get(f"/api/v1/cases/{reference}/passport", headers=bearer(token))


def add_step(client, token: str, reference: str, **body):
    body.setdefault("goal", "restore the identity card")
    body.setdefault("category", "documents")
    body.setdefault("due_date", (date.today() + timedelta(days=3)).isoformat())
    return client.post(f"/api/v1/cases/{reference}/plan", json=body, headers=bearer(token))


def patch_step(client, token: str, step_id: int, body):
    return client.patch(f"/api/v1/plan-steps/{step_id}", json=body, headers=bearer(token))


def written(app) -> tuple:
    """Everything the passport and the route keep, and their trail."""
    with app.app_context():
        db.session.expire_all()
        passports = tuple(tuple(row) for row in db.session.execute(select(SocialPassport.__table__)).all())
        versions = tuple(
            db.session.execute(select(PassportVersion.passport_id, PassportVersion.version)).all()
        )
        steps = tuple(db.session.execute(select(PlanStep.id, PlanStep.status, PlanStep.result)).all())
        events = db.session.scalar(select(func.count()).select_from(CaseEvent))
        records = db.session.scalar(
            select(func.count()).where(
                AuditRecord.action.in_(
                    [
                        "case.passport_changed",
                        "case.plan_step_added",
                        "case.plan_step_moved",
                        "case.plan_step_updated",
                    ]
                )
            )
        )
        return passports, versions, steps, events, records


def nowhere_but_its_row(app, text: str) -> None:
    """`text` is in no event's data and no audit record's detail."""
    with app.app_context():
        for data in db.session.scalars(select(CaseEvent.data)):
            assert text not in repr(data)
        for detail in db.session.scalars(select(AuditRecord.detail)):
            assert text not in repr(detail)
