"""Requests to be called back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.base import UTCDateTime, utcnow


class Callback(db.Model):
    """A request to call someone back. The row comes first; the job that
    dials it (a later worker) is derived from it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("caller.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # At most one callback per call: two presses of 1 at once dial nobody twice.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"))
    queue: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_callback_status_due", "status", "due_at"),
        Index("uq_callback_call", "call_id", unique=True),
    )
