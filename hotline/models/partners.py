"""The directory of partners (organisations, experts, mentors a person can be
referred to) and the referrals of cases to them.

A partner's fields, regions and languages are rows of partner_code (facet,
code), so a search by any of them is an indexed look-up on every database.
A partner's contacts are for operators only: never logged, never in an event
or an audit record.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.base import UTCDateTime, utcnow
from hotline.models.states import ReferralStatus


class PartnerKind(enum.StrEnum):
    ORGANISATION = "organisation"
    EXPERT = "expert"
    MENTOR = "mentor"


class PartnerField(enum.StrEnum):
    """What help a partner gives (the `field` of the API and the filters)."""

    LEGAL = "legal"
    PSYCHOLOGICAL = "psychological"
    MEDICAL = "medical"
    HOUSING = "housing"
    WORK = "work"
    DOCUMENTS = "documents"
    TRAINING = "training"
    OTHER = "other"


class Region(enum.StrEnum):
    """Where: Astana, the Karaganda region, the Akmola region, or elsewhere."""

    ASTANA = "astana"
    KARAGANDA = "karaganda"
    AKMOLA = "akmola"
    OTHER = "other"


class Language(enum.StrEnum):
    KK = "kk"
    RU = "ru"
    EN = "en"


class Facet(enum.StrEnum):
    """Which list of codes a partner_code row belongs to."""

    FIELD = "field"
    REGION = "region"
    LANGUAGE = "language"


# Each facet's codes: the same in the admin's page, the API and the filters.
FACET_CODES: dict[Facet, tuple[str, ...]] = {
    Facet.FIELD: tuple(code.value for code in PartnerField),
    Facet.REGION: tuple(code.value for code in Region),
    Facet.LANGUAGE: tuple(code.value for code in Language),
}


class Partner(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    # How to reach them: for operators only, never logged.
    contacts: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    codes: Mapped[list[PartnerCode]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerCode.code"
    )

    def codes_of(self, facet: Facet) -> list[str]:
        """The partner's codes of `facet`, in the order the facet lists them."""
        held = {code.code for code in self.codes if code.facet == facet}
        return [code for code in FACET_CODES[facet] if code in held]


class PartnerCode(db.Model):
    """One of a partner's fields, regions or languages."""

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", name="fk_partner_code_partner"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)

    partner: Mapped[Partner] = relationship(back_populates="codes")

    __table_args__ = (Index("ix_partner_code_facet_code", "facet", "code"),)


class Referral(db.Model):
    """A case's person referred to a partner. The reason is the person's matter,
    as a note is: never in an event or an audit record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", name="fk_referral_case"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", name="fk_referral_partner"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), default=ReferralStatus.MADE)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_referral_made_by"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last move's, beside the whole story in referral_move.
    moved_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_referral_moved_by"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferralMove(db.Model):
    """One step of a referral, who took it and when; only ever added. The
    first has no `from_status` (the referral made)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", name="fk_referral_move_referral"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id", name="fk_referral_move_actor"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
