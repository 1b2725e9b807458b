"""Referrals of a case's person to a partner of the directory: `make` one,
`move` it along `made → accepted | declined | withdrawn`, `accepted →
service_received | service_not_received | withdrawn`. The table is
`hotline.models.states.REFERRAL_TRANSITIONS`; `transition` is the one
conditional UPDATE that changes a referral's status (hotline.core.moves, as
for cases and calls): of two people moving one referral at once, exactly one
changes the row and the other hears 409, nothing written.

Every step is a referral_move row (who, when), a case event and an audit
record. The reason is the person's matter, as a note is: it reaches the
referral's row and those who may see the case, never an event or the audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from hotline.cases import notes, timeline
from hotline.core import moves
from hotline.extensions import db
from hotline.models import Case, Partner, Referral, ReferralMove, User, states
from hotline.models.states import REFERRAL_TRANSITIONS, ReferralStatus
from hotline.partners.directory import UnknownPartner

REFERRALS = Referral.__table__
# A reason is written as a note is, and kept as privately.
REASON_MAX_CHARS = notes.NOTE_MAX_CHARS
_NEW_REFERRAL = insert(Referral).returning(Referral.id)
_NEW_MOVE = insert(ReferralMove)


class UnknownReferral(LookupError):
    """404: no referral has that id."""


class ReferralRefused(ValueError):
    """A referral that cannot be made as given (400): the message names the field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


class PartnerNotActive(RuntimeError):
    """409: the partner is deactivated: nobody is referred to them any more."""

    def __init__(self) -> None:
        super().__init__("this partner is deactivated: refer the person to an active partner")


class ReferralMoveRefused(Exception):
    """A move the table does not allow (409); the message names both statuses' codes."""

    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"a referral that is {current} cannot become {to}")
        self.current = current
        self.to = to


class ReferralChanged(RuntimeError):
    """Someone else moved the referral first (409): nothing written."""

    def __init__(self) -> None:
        super().__init__("the referral changed meanwhile; read it again")


@dataclass(frozen=True)
class Moved:
    id: int
    case_id: int
    partner_id: int
    status: str
    previous: str | None
    by: str
    at: datetime


def transition(
    referral_id: int,
    to: ReferralStatus,
    *,
    allowed_from: Iterable[ReferralStatus] | None = None,
    where: Mapping[str, object] | None = None,
    **values,
) -> bool:
    """Move referral `referral_id` to `to`, setting `values` with it, if it is
    still in one of `allowed_from` (default: every status `to` may follow) and
    each column of `where` still holds its value. False, nothing written,
    when it is not. Part of the caller's transaction."""
    froms = states.sources(REFERRAL_TRANSITIONS, to, allowed_from)
    return moves.carry_out(
        db.session.connection(),
        REFERRALS,
        "status",
        referral_id,
        to.value,
        frozenset(s.value for s in froms),
        where or {},
        values,
    )


def case_of(referral_id: int) -> str:
    """The reference of the referral's case; UnknownReferral when there is none."""
    reference = db.session.scalar(
        select(Case.reference).join(Referral, Referral.case_id == Case.id).where(Referral.id == referral_id)
    )
    if reference is None:
        raise UnknownReferral(referral_id)
    return reference


def make(case_id: int, partner_id: int, reason: str, user: User, now: datetime) -> Moved:
    """`user` refers the case's person to the partner, committed: the referral
    `made`, its first move, the case event and the audit record (ids and
    states, never the reason). ReferralRefused (reason), UnknownPartner (404:
    the body names a partner the directory does not have) or PartnerNotActive,
    with nothing written."""
    if not notes.usable(reason):
        raise ReferralRefused("reason")
    active = db.session.scalar(select(Partner.active).where(Partner.id == partner_id))
    if active is None:
        raise UnknownPartner(partner_id)
    if not active:
        raise PartnerNotActive()
    values = {
        "case_id": case_id,
        "partner_id": partner_id,
        "reason": reason,
        "status": ReferralStatus.MADE.value,
        "made_by_id": user.id,
        "made_at": now,
        "moved_by_id": user.id,
        "moved_at": now,
    }
    connection = db.session.connection()
    referral_id = connection.scalar(_NEW_REFERRAL, values)
    made = Moved(referral_id, case_id, partner_id, ReferralStatus.MADE.value, None, user.username, now)
    _record(made, user, "referral_made")
    db.session.commit()
    return made


def move(referral_id: int, to: ReferralStatus, user: User, now: datetime) -> Moved:
    """`user` moves the referral to `to`, committed, with who and when, on its
    case's timeline and in the audit log. UnknownReferral, ReferralMoveRefused
    or ReferralChanged, with nothing written."""
    moved = move_within(referral_id, to, user, now)
    db.session.commit()
    return moved


def move_within(referral_id: int, to: ReferralStatus, user: User, now: datetime) -> Moved:
    """`move`, part of the caller's transaction (a follow-up call's answer);
    the transaction rolled back when it raises."""
    referral = db.session.execute(
        select(Referral.case_id, Referral.partner_id, Referral.status).where(Referral.id == referral_id)
    ).one_or_none()
    if referral is None:
        raise UnknownReferral(referral_id)
    current = ReferralStatus(referral.status)
    if to not in REFERRAL_TRANSITIONS[current]:
        raise ReferralMoveRefused(current, to)
    if not transition(referral_id, to, allowed_from={current}, moved_by_id=user.id, moved_at=now):
        db.session.rollback()
        raise ReferralChanged()
    moved = Moved(
        referral_id, referral.case_id, referral.partner_id, to.value, current.value, user.username, now
    )
    _record(moved, user, "referral_status_changed")
    return moved


def _record(step: Moved, user: User, kind: str) -> None:
    """The move's row, its case event and its audit record, in the caller's transaction."""
    db.session.connection().execute(
        _NEW_MOVE,
        {
            "referral_id": step.id,
            "from_status": step.previous,
            "to_status": step.status,
            "actor_id": user.id,
            "at": step.at,
        },
    )
    data = {"referral_id": step.id, "partner_id": step.partner_id, "to": step.status}
    if step.previous is not None:
        data["from"] = step.previous
    timeline.record(step.case_id, kind, actor=user.username, actor_id=user.id, at=step.at, **data)


def of_case(case_id: int) -> list[dict]:
    """The case's referrals, oldest first, each with its partner's name and its
    moves (who, when): two queries whatever the case holds."""
    rows = db.session.execute(
        select(Referral, Partner.name, User.username)
        .join(Partner, Partner.id == Referral.partner_id)
        .join(User, User.id == Referral.made_by_id)
        .where(Referral.case_id == case_id)
        .order_by(Referral.id)
    ).all()
    story: dict[int, list[dict]] = {referral.id: [] for referral, _, _ in rows}
    if story:
        steps = db.session.execute(
            select(ReferralMove, User.username)
            .join(User, User.id == ReferralMove.actor_id)
            .where(ReferralMove.referral_id.in_(story))
            .order_by(ReferralMove.id)
        ).all()
        for step, username in steps:
            story[step.referral_id].append(
                {"from": step.from_status, "to": step.to_status, "by": username, "at": step.at}
            )
    return [
        {
            "id": referral.id,
            "partner_id": referral.partner_id,
            "partner": partner,
            "reason": referral.reason,
            "status": referral.status,
            "complete": referral.status == ReferralStatus.SERVICE_RECEIVED,
            "made_by": made_by,
            "made_at": referral.made_at,
            "moves": story[referral.id],
        }
        for referral, partner, made_by in rows
    ]
