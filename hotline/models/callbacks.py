"""Requests to be called back, and each attempt to reach the person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.base import State, UTCDateTime, utcnow
from hotline.models.states import OPEN_CALLBACK, CallbackStatus


def _open_condition() -> str:
    return "status IN ({})".format(", ".join(f"'{status}'" for status in sorted(OPEN_CALLBACK)))


class Callback(db.Model):
    """A promise to call someone back. The row is the truth; whatever wakes it
    (the sweep) or dials it (a worker's job) is derived from it.

    One person has at most one open callback per queue (the partial unique
    index uq_callback_open_caller_queue): a second request merges into it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("caller.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))
    # The call it was asked for on, if any: two presses of 1 on one call make one request.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"))
    queue: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(State(CallbackStatus), default=CallbackStatus.SCHEDULED)
    # The number to call (the caller's own, or one they keyed in), kept as the caller's is.
    number_hash: Mapped[str | None] = mapped_column(String(64))
    number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Its last two digits: all that a list of callbacks shows of it.
    number_tail: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(8))
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    crisis: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The operator it is offered to first (an operator's own "call back at …").
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", name="fk_callback_operator"))
    # The requester's window, local times "HH:MM" in the hotline's zone, when they gave one.
    window_start: Mapped[str | None] = mapped_column(String(5))
    window_end: Mapped[str | None] = mapped_column(String(5))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its place among the callers on hold: the call's time of entering the queue
    # when the caller asked while waiting, else when it became due.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_callback_status_due", "status", "due_at"),
        Index("uq_callback_call", "call_id", unique=True),
        Index(
            "uq_callback_open_caller_queue",
            "caller_id",
            "queue",
            unique=True,
            sqlite_where=text(_open_condition()),
            postgresql_where=text(_open_condition()),
        ),
        Index("ix_callback_queue_status", "queue", "status"),
        Index("ix_callback_closed", "closed_at"),
    )


class CallbackAttempt(db.Model):
    """One try at reaching the person: claimed with its number (1, 2, …) in the
    same conditional update that moves the callback to `dialling`, so two
    processes handling one accept make one attempt; the outbound call's CallSid
    is unique."""

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callback.id", name="fk_attempt_callback"))
    number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", name="fk_attempt_user"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a process claimed placing its call (one does), and the call it placed.
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Whether the person's phone was dialled: an attempt whose operator's phone
    # was not answered never reached it, and is not counted against the callback.
    dialled: Mapped[bool] = mapped_column(default=False, server_default="0")
    outcome: Mapped[str | None] = mapped_column(String(16))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("callback_id", "number", name="uq_attempt_callback_number"),)
