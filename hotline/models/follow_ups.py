"""Monitoring: the follow-up check-ins of a person who agreed to be called, and
what each call heard.

A check-in is a row before it is a callback: one per person and offset after
their release (kind `release`), one per case and offset after it was resolved
(kind `resolved`), unique in the database, so two saves or two processes never
plan one twice. Only the person's next check-in has a callback at a time (one
open callback per person and queue): `callback_id` is set when its turn comes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.base import UTCDateTime, utcnow

RELEASE = "release"
RESOLVED = "resolved"
RELEASE_WHERE = f"kind = '{RELEASE}'"
RESOLVED_WHERE = f"kind = '{RESOLVED}'"


class FollowUp(db.Model):
    """One check-in: due `offset_days` after the person's release or the case's resolution."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("caller.id", name="fk_follow_up_caller"))
    # The case it is on: the one the passport was saved through, or the case resolved.
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_follow_up_case"))
    kind: Mapped[str] = mapped_column(String(16))
    offset_days: Mapped[int] = mapped_column(Integer)
    # The moment planned (inside callback hours); its callback's due_at may move after.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback.id", name="fk_follow_up_callback"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Consent withdrawn, or the release date moved so that it is past: not to be made.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "uq_follow_up_release",
            "caller_id",
            "offset_days",
            unique=True,
            sqlite_where=text(RELEASE_WHERE),
            postgresql_where=text(RELEASE_WHERE),
        ),
        Index(
            "uq_follow_up_resolved",
            "case_id",
            "offset_days",
            unique=True,
            sqlite_where=text(RESOLVED_WHERE),
            postgresql_where=text(RESOLVED_WHERE),
        ),
        Index("ix_follow_up_callback", "callback_id"),
        Index("ix_follow_up_caller_due", "caller_id", "due_at"),
    )


class FollowUpAnswer(db.Model):
    """What a follow-up call heard: codes and flags only, never free text. One per check-in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_up.id", name="fk_follow_up_answer_follow_up"), unique=True
    )
    callback_id: Mapped[int] = mapped_column(ForeignKey("callback.id", name="fk_follow_up_answer_callback"))
    reached: Mapped[bool] = mapped_column(Boolean)
    housing: Mapped[str | None] = mapped_column(String(16))
    work: Mapped[str | None] = mapped_column(String(16))
    documents: Mapped[str | None] = mapped_column(String(16))
    still_in_contact: Mapped[bool | None] = mapped_column(Boolean)
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", name="fk_follow_up_answer_referral")
    )
    service_received: Mapped[bool | None] = mapped_column(Boolean)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_follow_up_answer_actor"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
