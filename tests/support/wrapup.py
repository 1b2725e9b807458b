"""A call in wrap-up, as the call's end leaves it, and the wrap-up's request."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Assignment, Call, Case, User, utcnow
from hotline.models.states import AssignmentStatus, CallStage, Presence

VALID = {"outcome": "referred", "category": "documents"}


def in_wrap_up(username: str, *, seconds_left: int = 120, status: str = AssignmentStatus.WRAP_UP) -> str:
    """Rows as the call's end leaves them (another branch's work): a call on a
    case, its operator's assignment in wrap-up until `seconds_left` from now,
    the operator in wrap-up. Returns the CallSid. Needs an app context."""
    now = utcnow()
    user = db.session.scalars(select(User).where(User.username == username)).one()
    case = Case(reference=f"HL-2026-{secrets.randbelow(10**6):06d}", queue="legal", opened_at=now)
    call = Call(
        call_sid="CA" + secrets.token_hex(16),
        case=case,
        queue="legal",
        language="ru",
        status="completed",
        stage=CallStage.WRAP_UP if status == AssignmentStatus.WRAP_UP else CallStage.CONNECTED,
        enqueued_at=now - timedelta(minutes=5),
        operator_id=user.id,
    )
    db.session.add(call)
    db.session.flush()
    db.session.add(
        Assignment(
            call_id=call.id,
            user_id=user.id,
            status=status,
            started_at=now - timedelta(minutes=4),
            answered_at=now - timedelta(minutes=4),
            ended_at=now,
            wrap_up_until=now + timedelta(seconds=seconds_left),
        )
    )
    user.presence = Presence.WRAP_UP if status == AssignmentStatus.WRAP_UP else Presence.BUSY
    user.presence_since = now
    db.session.commit()
    return call.call_sid


def assignment_of(call_sid: str) -> Assignment:
    db.session.expire_all()
    return db.session.scalars(select(Assignment).join(Call).where(Call.call_sid == call_sid)).one()


def call_of(call_sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()


def bearer(username: str | None, name: str = "console") -> dict:
    return {"Authorization": f"Bearer {auth.create_token(name, username)}"}


def post(client, call_sid: str, body, headers: dict | None = None):
    return client.post(f"/api/v1/calls/{call_sid}/wrap-up", json=body, headers=headers or {})
