"""Cases, their numbering, their timeline (events) and their notes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.base import State, UTCDateTime, utcnow
from hotline.models.states import ACTIVE_CASE, CaseStatus, RiskLevel

if TYPE_CHECKING:
    from hotline.models.calls import Call, Caller


# The partial unique index's condition, and the case service's upsert's (the two must match).
ACTIVE_WHERE = "status IN ({})".format(", ".join(f"'{status}'" for status in sorted(ACTIVE_CASE)))


class Case(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # HL-<year>-<number>: the year in the hotline's time zone, numbers from 1 each year.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"))
    queue: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(State(CaseStatus), default=CaseStatus.OPEN)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    crisis: Mapped[bool] = mapped_column(default=False)
    assigned_operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the case is resolved (the wrap-up's codes), kept when it is reopened.
    outcome: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    risk_level: Mapped[str] = mapped_column(String(16), default=RiskLevel.NONE, server_default=RiskLevel.NONE)
    # Set when retention removed the case's personal data (hotline/cases/retention.py).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    caller: Mapped[Caller | None] = relationship(back_populates="cases")
    calls: Mapped[list[Call]] = relationship(back_populates="case")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")

    __table_args__ = (
        Index("ix_case_caller_status", "caller_id", "status"),
        # One active case per caller and queue, whatever two web processes do at once.
        Index(
            "uq_case_active_caller_queue",
            "caller_id",
            "queue",
            unique=True,
            sqlite_where=text(ACTIVE_WHERE),
            postgresql_where=text(ACTIVE_WHERE),
        ),
    )


class CaseNumber(db.Model):
    """The last case number given out in a year (the hotline's year)."""

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class CaseEvent(db.Model):
    """One entry of a case's timeline. Rows are only ever added."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseNote(db.Model):
    """A note on a case. Only ever added; never logged, never sent in an event."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_case_note_case"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", name="fk_case_note_call"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_case_note_author"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The note of the same case this one puts right: each note has one correction at most.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("case_note.id", name="fk_case_note_corrects"))

    __table_args__ = (UniqueConstraint("corrects_id", name="uq_case_note_corrects"),)
