"""The risk protocol and blocks in tests: their requests, and what they left
(alerts, actions, blocks, events and audit records)."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import CallerBlock, EmergencyAction, RiskAlert, utcnow
from tests.support.cases import bearer

ACTION = {"contacted": "ambulance", "result": "the ambulance is on its way"}


def post(client, token: str, reference: str, what: str, body=None):
    return client.post(f"/api/v1/cases/{reference}/{what}", json=body, headers=bearer(token))


def set_risk(client, token: str, reference: str, level: str):
    return post(client, token, reference, "risk", {"level": level})


def acknowledge(client, token: str, reference: str):
    return post(client, token, reference, "risk/acknowledge")


def act(client, token: str, reference: str, **body):
    return post(client, token, reference, "emergency-actions", {**ACTION, "at": utcnow().isoformat(), **body})


def block(client, token: str, reference: str, hours=24, reason="threatens the operators"):
    return post(client, token, reference, "block", {"hours": hours, "reason": reason})


def unblock(client, token: str, reference: str):
    return client.delete(f"/api/v1/cases/{reference}/block", headers=bearer(token))


def rows(app) -> tuple:
    """Every alert, action and block as it stands: to compare before and after."""
    with app.app_context():
        db.session.expire_all()
        alerts = tuple(
            db.session.execute(
                select(
                    RiskAlert.id, RiskAlert.times_raised, RiskAlert.acknowledged_at, RiskAlert.acted_at
                ).order_by(RiskAlert.id)
            ).all()
        )
        actions = db.session.scalar(select(func.count()).select_from(EmergencyAction))
        blocks = tuple(
            db.session.execute(select(CallerBlock.id, CallerBlock.lifted_at).order_by(CallerBlock.id)).all()
        )
        return alerts, actions, blocks
