"""An operator's work on a call: offers, assignments (the operator's part in a call) and dispositions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.base import State, UTCDateTime, utcnow
from hotline.models.states import (
    HOLDING_CALL,
    HOLDING_OPERATOR,
    AssignmentStatus,
    Device,
    OfferStatus,
)

if TYPE_CHECKING:
    from hotline.models.calls import Call
    from hotline.models.people import User


class Offer(db.Model):
    """A waiting caller offered to one operator until `expires_at`.

    The database holds the rule: one open offer per call and one per operator."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # What is offered: a caller waiting (`call_id`), or a callback waiting in the list (`callback_id`).
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", name="fk_offer_call"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback.id", name="fk_offer_callback"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_offer_user"))
    status: Mapped[str] = mapped_column(State(OfferStatus), default=OfferStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call | None] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        Index(
            "uq_offer_open_callback",
            "callback_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index(
            "uq_offer_open_call",
            "call_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index(
            "uq_offer_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_offer_status_expires", "status", "expires_at"),
    )


def _status_in(statuses: frozenset[str]) -> str:
    return "status IN ({})".format(", ".join(f"'{status}'" for status in sorted(statuses)))


class Assignment(db.Model):
    """One operator's part in one call: put through, talking, wrap-up, done (or missed).

    Two operators can never take the same caller: at most one assignment per
    call holds it, and one per operator holds the operator (partial unique
    indexes), whatever two web processes do at once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", name="fk_assignment_call"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_assignment_user"))
    status: Mapped[str] = mapped_column(State(AssignmentStatus), default=AssignmentStatus.CONNECTING)
    device: Mapped[str] = mapped_column(String(16), default=Device.BROWSER)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    wrap_up_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The disposition: both set by the wrap-up, or both left empty when it ran out.
    outcome: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        Index(
            "uq_assignment_call_holding",
            "call_id",
            unique=True,
            sqlite_where=text(_status_in(HOLDING_CALL)),
            postgresql_where=text(_status_in(HOLDING_CALL)),
        ),
        Index(
            "uq_assignment_user_holding",
            "user_id",
            unique=True,
            sqlite_where=text(_status_in(HOLDING_OPERATOR)),
            postgresql_where=text(_status_in(HOLDING_OPERATOR)),
        ),
        Index("ix_assignment_status_wrap_up", "status", "wrap_up_until"),
    )


class Disposition(db.Model):
    """A code a wrap-up may record: an outcome or a category, with its label in
    each of the console's languages. Seeded by the migration."""

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
