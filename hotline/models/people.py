"""The hotline's users: operators, supervisors, admins, their skills, languages and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.base import QueueName, UTCDateTime, utcnow
from hotline.models.states import (
    Device,
    Presence,
)


class Role(enum.StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


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
    # A browser session holds the version its login found; logging out and
    # deactivation add one, and every session holding an older one has ended.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

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
