"""The risk protocol's records (a case's alerts and the emergency actions
logged on it) and the blocks of abusive callers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.base import UTCDateTime, utcnow

# An alert still open: not yet both acknowledged and followed by an emergency
# action. One per case (uq_risk_alert_open_case): the index and the service's
# conditions read the same.
OPEN_ALERT_WHERE = "acknowledged_at IS NULL OR acted_at IS NULL"
# A block not lifted (it may have run out by its time: `until`). One per caller.
UNLIFTED_BLOCK_WHERE = "lifted_at IS NULL"


class RiskAlert(db.Model):
    """A case's person in danger: raised when the case's risk became imminent or
    the caller chose the crisis option, raised again to the supervisors while
    nobody acknowledged it (`last_raised_at`, `times_raised`), settled once a
    supervisor acknowledged it and an emergency action was logged, in either order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_risk_alert_case"), index=True)
    # The crisis call that raised it, if a caller raised it from the phone.
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", name="fk_risk_alert_call"))
    level: Mapped[str] = mapped_column(String(16))
    # Why: "level" (the case's risk set imminent) or "crisis" (the phone's crisis option).
    reason: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    times_raised: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", name="fk_risk_alert_acknowledged_by")
    )
    # When the first emergency action after it was raised was logged.
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "uq_risk_alert_open_case",
            "case_id",
            unique=True,
            sqlite_where=text(OPEN_ALERT_WHERE),
            postgresql_where=text(OPEN_ALERT_WHERE),
        ),
    )


class EmergencyAction(db.Model):
    """Whom an operator contacted for a person in danger, when, and with what
    result. The result is the person's private matter, like a note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_emergency_action_case"), index=True)
    contacted: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_emergency_action_recorded_by"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallerBlock(db.Model):
    """An abusive caller blocked by a supervisor until `until` (it runs out by
    itself) or until lifted. One not lifted per caller (uq_caller_block_unlifted);
    one that ran out is marked lifted when the next is set."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("caller.id", name="fk_caller_block_caller"))
    # The case it was set through (its timeline shows it).
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_caller_block_case"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    blocked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_caller_block_blocked_by"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", name="fk_caller_block_lifted_by"))

    __table_args__ = (
        Index(
            "uq_caller_block_unlifted",
            "caller_id",
            unique=True,
            sqlite_where=text(UNLIFTED_BLOCK_WHERE),
            postgresql_where=text(UNLIFTED_BLOCK_WHERE),
        ),
    )
