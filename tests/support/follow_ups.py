"""Monitoring in tests: the follow-ups a person has, their callbacks, an answer posted."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Callback, FollowUp
from tests.support import clock
from tests.support.cases import bearer


def local_today() -> date:
    return clock.now().astimezone(clock.ZONE).date()


def released(days_ago: int) -> str:
    """A release date `days_ago` local days before today, as the passport takes it."""
    return (local_today() - timedelta(days=days_ago)).isoformat()


def follow_ups(app) -> list[tuple]:
    """(kind, offset, cancelled, callback's status or None, source), by kind and offset."""
    with app.app_context():
        db.session.expire_all()
        rows = db.session.execute(
            select(FollowUp, Callback.status, Callback.source)
            .outerjoin(Callback, Callback.id == FollowUp.callback_id)
            .order_by(FollowUp.kind, FollowUp.offset_days)
        ).all()
        return [
            (row.kind, row.offset_days, row.cancelled_at is not None, status, source)
            for row, status, source in rows
        ]


def follow_up_callback(app) -> int:
    """The id of the one follow-up callback still open."""
    with app.app_context():
        return db.session.scalars(
            select(Callback.id).where(
                Callback.source == "follow_up", Callback.status.in_(["scheduled", "queued"])
            )
        ).one()


def answer(client, token: str, callback_id: int, body):
    return client.post(f"/api/v1/callbacks/{callback_id}/follow-up", json=body, headers=bearer(token))
