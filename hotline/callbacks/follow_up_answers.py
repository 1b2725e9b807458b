"""What a follow-up call heard, and a person the check-in did not reach.

The answer (POST /api/v1/callbacks/<id>/follow-up) is codes and flags, never
free text: reached or not; housing, work, documents (a small code each) and
still in contact, each may be unknown; and, for a referral of the person, whether
its service was received, which moves the referral through its own state
machine (`cases.referrals.move_within`: accepted → service_received |
service_not_received). One answer per check-in (a unique key: a second is 409),
a row, a case event and an audit record (ids and `reached`: the codes stay in
the row), one transaction: a refused referral move writes none of it.

A check-in not reached after the callback's attempts (it `failed`) is a case
event and an alert to the person's operator and the supervisors after commit
(`events.follow_up_not_reached`), and the person's next check-in gets its callback.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from hotline import audit, events
from hotline.callbacks import follow_ups
from hotline.cases import referrals, timeline
from hotline.core.transactions import savepoint
from hotline.extensions import db
from hotline.models import Callback, Case, FollowUp, FollowUpAnswer, Referral, User
from hotline.models.states import ReferralStatus

# The answer's codes (the API's contract: keep the names).
HOUSING = ("stable", "temporary", "none")
WORK = ("employed", "looking", "not_looking")
DOCUMENTS = ("complete", "in_progress", "missing")
CODES = {"housing": HOUSING, "work": WORK, "documents": DOCUMENTS}
ANSWERS = FollowUpAnswer.__table__


class NotAFollowUp(LookupError):
    """409: the callback made no follow-up check-in."""

    def __init__(self) -> None:
        super().__init__("this callback is not a follow-up check-in")


class AnsweredAlready(RuntimeError):
    """409: the check-in's answer was recorded already."""

    def __init__(self) -> None:
        super().__init__("the answer of this follow-up was recorded already")


class AnswerRefused(ValueError):
    """400: the answer would not make sense; the message names the field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid or missing field(s): {field}")
        self.field = field


def _check(follow_up: FollowUp, answer: dict) -> None:
    """What the API's schema says too, and what only the records can say."""
    if not isinstance(answer.get("reached"), bool):
        raise AnswerRefused("reached")
    for field, codes in CODES.items():
        if answer.get(field) is not None and answer[field] not in codes:
            raise AnswerRefused(field)
    if answer.get("still_in_contact") not in (None, True, False):
        raise AnswerRefused("still_in_contact")
    referral_id, received = answer.get("referral_id"), answer.get("service_received")
    if (referral_id is None) != (received is None) or received not in (None, True, False):
        raise AnswerRefused("service_received" if referral_id is not None else "referral_id")
    if referral_id is not None:
        person = db.session.scalar(
            select(Case.caller_id)
            .join(Referral, Referral.case_id == Case.id)
            .where(Referral.id == referral_id)
        )
        if person is None or person != follow_up.caller_id:
            raise AnswerRefused("referral_id")
    if not answer["reached"] and any(answer.get(field) is not None for field in (*CODES, "still_in_contact")):
        # Nobody answered: nothing was heard.
        raise AnswerRefused(next(f for f in (*CODES, "still_in_contact") if answer.get(f) is not None))


def record(callback_id: int, answer: dict, user: User, now: datetime) -> dict:
    """`user` records what the check-in made by the callback heard, committed.
    NotAFollowUp, AnswerRefused, AnsweredAlready, or the referral's refusals
    (ReferralMoveRefused, ReferralChanged), with nothing written."""
    follow_up = db.session.scalars(
        select(FollowUp).where(FollowUp.callback_id == callback_id).order_by(FollowUp.id).limit(1)
    ).first()
    if follow_up is None:
        raise NotAFollowUp()
    _check(follow_up, answer)
    values = {
        "follow_up_id": follow_up.id,
        "callback_id": callback_id,
        "reached": answer["reached"],
        **{
            field: answer.get(field)
            for field in (*CODES, "still_in_contact", "referral_id", "service_received")
        },
        "actor_id": user.id,
        "at": now,
    }
    try:
        with savepoint():
            answer_id = db.session.connection().scalar(insert(ANSWERS).values(values).returning(ANSWERS.c.id))
    except IntegrityError:
        db.session.rollback()
        raise AnsweredAlready() from None
    if values["referral_id"] is not None:
        to = (
            ReferralStatus.SERVICE_RECEIVED
            if values["service_received"]
            else ReferralStatus.SERVICE_NOT_RECEIVED
        )
        try:
            referrals.move_within(values["referral_id"], to, user, now)
        except (referrals.ReferralMoveRefused, referrals.ReferralChanged):
            db.session.rollback()
            raise
    timeline.record(
        follow_up.case_id,
        "follow_up_answered",
        actor=user.username,
        actor_id=user.id,
        at=now,
        action="follow_up.answered",
        subject=("follow_up", follow_up.id),
        follow_up_id=follow_up.id,
        callback_id=callback_id,
        reached=values["reached"],
    )
    db.session.commit()
    return {**values, "id": answer_id, "kind": follow_up.kind, "offset_days": follow_up.offset_days}


def not_reached(callback: Callback, now: datetime) -> None:
    """The callback failed after its attempts (part of that transaction): when it
    made a check-in, the case says so and the person's operator and the
    supervisors are told once it commits; the next check-in gets its callback."""
    follow_up = follow_ups.callback_closed(callback.id, now)
    if follow_up is None:
        return
    case = db.session.get(Case, follow_up.case_id)
    operator_id = callback.operator_id or follow_ups.operator_of(case)
    timeline.record(
        case.id,
        "follow_up_not_reached",
        actor=audit.SYSTEM,
        at=now,
        action="follow_up.not_reached",
        subject=("follow_up", follow_up.id),
        follow_up_id=follow_up.id,
        callback_id=callback.id,
    )
    events.follow_up_not_reached(
        follow_up.id,
        callback.id,
        case.reference,
        case.queue,
        follow_up.kind,
        follow_up.offset_days,
        operator_id,
        now,
    )
