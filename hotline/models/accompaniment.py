"""Full accompaniment: a person's social passport, its versions, and the steps
of their individual support route. All belong to the person (the caller), not
to one case: a new case of the same person finds them as they were."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.base import State, UTCDateTime, utcnow
from hotline.models.states import PlanStepStatus

# The open steps' condition, for the partial index the console's "due this week" reads.
OPEN_STEP_WHERE = f"status = '{PlanStepStatus.OPEN}'"


class SocialPassport(db.Model):
    """What the hotline knows of a person's situation after release. Private:
    never in a log line, an event or an audit record (those name the fields changed)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(
        ForeignKey("caller.id", name="fk_social_passport_caller"), unique=True
    )
    # The number of its latest version: a change is an UPDATE … WHERE version = the one read.
    version: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(16))
    release_date: Mapped[date | None] = mapped_column(Date)
    documents_held: Mapped[list] = mapped_column(JSON, default=list)
    documents_missing: Mapped[list] = mapped_column(JSON, default=list)
    housing: Mapped[str | None] = mapped_column(Text)
    work: Mapped[str | None] = mapped_column(Text)
    education: Mapped[str | None] = mapped_column(Text)
    health_insurance: Mapped[bool | None] = mapped_column()
    disability: Mapped[str | None] = mapped_column(Text)
    family: Mapped[str | None] = mapped_column(Text)
    supervision_ends: Mapped[date | None] = mapped_column(Date)
    follow_up_consent: Mapped[bool | None] = mapped_column()
    follow_up_consent_date: Mapped[date | None] = mapped_column(Date)


class PassportVersion(db.Model):
    """One change of a passport: who, when, which fields (their names, never their values)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(
        ForeignKey("social_passport.id", name="fk_passport_version_passport")
    )
    version: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_passport_version_case"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_passport_version_actor"))
    changed: Mapped[list] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("passport_id", "version", name="uq_passport_version"),)


class PlanStep(db.Model):
    """One step of a person's individual support route, added through one of their cases."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("caller.id", name="fk_plan_step_caller"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_plan_step_case"))
    goal: Mapped[str] = mapped_column(Text)
    # A category code of the wrap-up's taxonomy (operators.taxonomy).
    category: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_plan_step_owner"))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(State(PlanStepStatus), default=PlanStepStatus.OPEN)
    result: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_plan_step_created_by"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_plan_step_caller", "caller_id"),
        # An owner's open steps by due date (the console's week), and a person's active route.
        Index(
            "ix_plan_step_open_owner_due",
            "owner_id",
            "due_date",
            sqlite_where=text(OPEN_STEP_WHERE),
            postgresql_where=text(OPEN_STEP_WHERE),
        ),
    )
