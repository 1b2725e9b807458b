"""Callers and their calls. Phone numbers are kept only encrypted, with a keyed hash to find them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.base import UTCDateTime, utcnow
from hotline.models.states import (
    CallStage,
    Progress,
)

if TYPE_CHECKING:
    from hotline.models.cases import Case
    from hotline.models.people import User


class Caller(db.Model):
    """A person who called. Found by a keyed hash of the E.164 number; the
    number itself is kept only encrypted. Withheld numbers have neither, so
    two anonymous callers are never merged."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    calls: Mapped[list[Call]] = relationship(back_populates="caller")
    cases: Mapped[list[Case]] = relationship(back_populates="caller")

    @property
    def withheld(self) -> bool:
        return self.number_hash is None


class Call(db.Model):
    """One phone call, keyed by Twilio's CallSid.

    Every change is conditional on the `version` it was read at (the ORM adds
    `AND version = :read` to each UPDATE): of two webhooks changing one call at
    once, the second finds nothing to update, reads the call again and decides
    anew, so an older state never overwrites a newer one.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # The network's last word on the call, as reported (the API's `status`), and
    # the hotline's reading of it.
    status: Mapped[str] = mapped_column(String(16), default="ringing")
    status_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    progress: Mapped[int] = mapped_column(Integer, default=Progress.RINGING, server_default="1")
    stage: Mapped[str] = mapped_column(String(16), default=CallStage.MENU)
    language: Mapped[str | None] = mapped_column(String(8))
    queue: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    crisis: Mapped[bool] = mapped_column(default=False)
    queue_result: Mapped[str | None] = mapped_column(String(32))
    left_queue_reason: Mapped[str | None] = mapped_column(String(16))
    abandoned: Mapped[bool] = mapped_column(default=False)
    # The caller hung up waiting long enough to be called back, and the
    # callback is not recorded yet: the upkeep's every-second look records it
    # (callbacks.service.record_missed), off the webhook the caller hung up on.
    missed_callback_owed: Mapped[bool] = mapped_column(default=False, server_default=false())
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(Text)
    recording_seconds: Mapped[int | None] = mapped_column(Integer)
    # Whoever answered it last (the API's `operator`).
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", name="fk_call_operator"))

    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dequeued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the caller went back to the queue (an operator's phone not answered,
    # a transfer): they are answered before anyone of their priority who was not.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    caller: Mapped[Caller | None] = relationship(back_populates="calls")
    case: Mapped[Case | None] = relationship(back_populates="calls")
    operator: Mapped[User | None] = relationship(foreign_keys=[operator_id])

    __table_args__ = (
        Index("ix_call_stage_queue", "stage", "queue"),
        Index("ix_call_stage_started", "stage", "started_at"),
        # A case's calls: whether a waiting caller called about this case before.
        Index("ix_call_case", "case_id"),
        # The upkeep's look at missed calls reads only those still owed a callback.
        Index(
            "ix_call_missed_callback_owed",
            "id",
            sqlite_where=text("missed_callback_owed"),
            postgresql_where=text("missed_callback_owed"),
        ),
    )
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}
