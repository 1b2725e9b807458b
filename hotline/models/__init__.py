"""The hotline's records. Times are stored in UTC; phone numbers only encrypted."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.states import (
    HOLDING_CALL,
    HOLDING_OPERATOR,
    AssignmentStatus,
    CallStage,
    Device,
    OfferStatus,
    Presence,
    Progress,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class QueueName(enum.StrEnum):
    PSYCHOLOGIST = "psychologist"
    MEDICAL = "medical"
    LEGAL = "legal"
    GENERAL = "general"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Role(enum.StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


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


class Case(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # HL-<year>-<number>: the year in the hotline's time zone, numbers from 1 each year.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("caller.id"))
    queue: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.OPEN)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    crisis: Mapped[bool] = mapped_column(default=False)
    assigned_operator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    caller: Mapped[Caller | None] = relationship(back_populates="cases")
    calls: Mapped[list[Call]] = relationship(back_populates="case")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")

    __table_args__ = (
        Index("ix_case_caller_status", "caller_id", "status"),
        # One open case per caller and queue, whatever two web processes do at once.
        Index(
            "uq_case_open_caller_queue",
            "caller_id",
            "queue",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class CaseNumber(db.Model):
    """The last case number given out in a year (the hotline's year)."""

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


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
    )
    __mapper_args__: ClassVar[dict] = {"version_id_col": version}


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


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The operator's own phone, encrypted like a caller's number; shown only masked.
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The console's language (kk, ru, en); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(8))
    presence: Mapped[str] = mapped_column(String(16), default=Presence.AWAY, server_default=Presence.AWAY)
    # Since when: of the available operators, the one available longest is offered a caller first.
    presence_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device: Mapped[str] = mapped_column(String(16), default=Device.BROWSER, server_default=Device.BROWSER)

    skills: Mapped[list[OperatorSkill]] = relationship(
        cascade="all, delete-orphan", order_by="OperatorSkill.queue"
    )
    languages: Mapped[list[OperatorLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="OperatorLanguage.language"
    )

    @property
    def queue_names(self) -> list[str]:
        """The queues this user serves: supervisors and admins see all four."""
        if self.role in (Role.SUPERVISOR, Role.ADMIN):
            return [queue.value for queue in QueueName]
        served = {skill.queue for skill in self.skills}
        return [queue.value for queue in QueueName if queue.value in served]

    @property
    def language_codes(self) -> list[str]:
        return [entry.language for entry in self.languages]

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


class OperatorSkill(db.Model):
    """A queue a user serves. Indexed by queue, so finding who can take a caller
    starts from the caller's queue."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", name="fk_operator_skill_user", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class OperatorLanguage(db.Model):
    """A language a user speaks with callers."""

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", name="fk_operator_language_user", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class Offer(db.Model):
    """A waiting caller offered to one operator until `expires_at`.

    The database holds the rule: one open offer per call and one per operator."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", name="fk_offer_call"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_offer_user"))
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
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
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.CONNECTING)
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


class CaseNote(db.Model):
    """A note on a case. Only ever added; never logged, never sent in an event."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_case_note_case"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id", name="fk_case_note_call"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_case_note_author"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is kept. A token with
    a user acts as that user; one without (an integration's) only reads."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", name="fk_api_token_user"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditRecord(db.Model):
    """Who did what to which record. `detail` never holds a number or a note."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


def render_migration_type(type_: str, obj, _autogen_context):
    """Alembic autogenerate: write UTCDateTime as the plain column type it stores."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
