"""Call offers: a waiting caller offered to one available operator at a time.

The caller goes to the operator of their queue who has been available longest,
speaking their language (a caller with no language matches anyone; after
HOTLINE_LANGUAGE_FALLBACK_SECONDS of waiting, anyone of the queue); callers are
offered highest priority first, then longest waiting (`queues.ANSWER_ORDER`).
Nobody is offered a call they declined or let lapse.

The database holds the rules: one open offer per call and one per operator
(partial unique indexes, INSERT … ON CONFLICT DO NOTHING), and the call moves
`queued → offered` only if it is still queued. Whoever changed the rows won;
a loser writes nothing. The offer's deadline is a column, enforced by the
sweep (`offer_endings.lapse_offers`), so a restart of the web process loses none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, exists, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from hotline import audit, events
from hotline.callbacks import listing
from hotline.calls import stages
from hotline.calls.queues import ANSWER_ORDER, callback_place, caller_place
from hotline.calls.service import waiting_caller
from hotline.cases import timeline
from hotline.extensions import db
from hotline.models import (
    Assignment,
    Call,
    Callback,
    Case,
    Offer,
    OperatorLanguage,
    OperatorSkill,
    User,
)
from hotline.models.states import HOLDING_OPERATOR, CallbackStatus, CallStage, OfferStatus, Presence

# Offers that count against offering the same call to the same operator again.
_REFUSED = (OfferStatus.DECLINED, OfferStatus.LAPSED)


def _settings() -> tuple[int, int]:
    config = current_app.config
    return config["HOTLINE_OFFER_SECONDS"], config["HOTLINE_LANGUAGE_FALLBACK_SECONDS"]


def _free_to_offer(user):
    """The condition on User for an operator who may be offered a caller now."""
    return and_(
        user.presence == Presence.AVAILABLE,
        user.active.is_(True),
        ~exists().where(Offer.user_id == user.id, Offer.status == OfferStatus.OPEN),
        ~exists().where(
            Assignment.user_id == user.id, Assignment.status.in_([s.value for s in HOLDING_OPERATOR])
        ),
    )


def _speaks(user_id, language):
    return exists().where(OperatorLanguage.user_id == user_id, OperatorLanguage.language == language)


def _not_refused(user_id, call_id):
    return ~exists().where(
        Offer.user_id == user_id, Offer.call_id == call_id, Offer.status.in_([s.value for s in _REFUSED])
    )


def _callback_not_refused(user_id):
    """Not declined or let lapse by `user_id` since the callback last joined the queue
    (after a failed attempt it is theirs to be offered again)."""
    return ~exists().where(
        Offer.user_id == user_id,
        Offer.callback_id == Callback.id,
        Offer.status.in_([s.value for s in _REFUSED]),
        Offer.created_at >= Callback.queued_at,
    )


# The `menu` step's part: built once, since it runs for every caller who joins.
_LONGEST_AVAILABLE = (
    select(User.id)
    .join(Call, Call.id == bindparam("call_id"))
    .join(OperatorSkill, and_(OperatorSkill.user_id == User.id, OperatorSkill.queue == Call.queue))
    .where(
        Call.stage == CallStage.QUEUED,
        _free_to_offer(User),
        or_(
            Call.language.is_(None),
            _speaks(User.id, Call.language),
            Call.enqueued_at <= bindparam("fallback_before"),
        ),
        _not_refused(User.id, Call.id),
    )
    .order_by(User.presence_since.asc().nulls_first(), User.id)
    .limit(1)
)


def _longest_available_for(call_id: int, now: datetime) -> int | None:
    """One query: the operator to offer the queued call `call_id` to, if any."""
    _, fallback = _settings()
    return db.session.connection().scalar(
        _LONGEST_AVAILABLE, {"call_id": call_id, "fallback_before": now - timedelta(seconds=fallback)}
    )


def _best_caller_for(user_id: int, now: datetime) -> tuple[Call, str | None] | None:
    """The queued caller `user_id` is to be offered next, with their case reference."""
    _, fallback = _settings()
    language_ok = or_(
        Call.language.is_(None),
        _speaks(user_id, Call.language),
        Call.enqueued_at <= now - timedelta(seconds=fallback),
    )
    row = db.session.execute(
        select(Call, Case.reference)
        .outerjoin(Case, Case.id == Call.case_id)
        .join(OperatorSkill, and_(OperatorSkill.user_id == user_id, OperatorSkill.queue == Call.queue))
        .where(Call.stage == CallStage.QUEUED, language_ok, _not_refused(user_id, Call.id))
        .order_by(*ANSWER_ORDER)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


# How many operators a joining caller is tried with: another process may take
# the one found first (or offer them someone else) between the look and the offer.
OFFER_TRIES = 3


def offer_caller(call_id: int, now: datetime) -> int | None:
    """A caller just joined or returned to the queue: offer them, or whoever the
    operator found should take first, to the operator available longest. One
    indexed query when nobody is available. Returns the id of the last offer made."""
    made = None
    for _ in range(OFFER_TRIES):
        user_id = _longest_available_for(call_id, now)
        if user_id is None:
            break
        made = operator_ready(user_id, now) or made
    return made


def _best_callback_for(user_id: int, now: datetime) -> tuple[Callback, str | None] | None:
    """The queued callback `user_id` is to be offered next, with its case
    reference: none outside callback hours (nobody is called back at night). A
    callback an operator asked to make themselves is theirs first, anyone's of
    the queue after the language fallback."""
    if not current_app.extensions["callback_policy"].hours.is_open(now):
        return None
    _, fallback = _settings()
    fallen_back = Callback.waiting_since <= now - timedelta(seconds=fallback)
    row = db.session.execute(
        select(Callback, Case.reference)
        .outerjoin(Case, Case.id == Callback.case_id)
        .join(OperatorSkill, and_(OperatorSkill.user_id == user_id, OperatorSkill.queue == Callback.queue))
        .where(
            Callback.status == CallbackStatus.QUEUED,
            or_(Callback.language.is_(None), _speaks(user_id, Callback.language), fallen_back),
            or_(Callback.operator_id.is_(None), Callback.operator_id == user_id, fallen_back),
            ~exists().where(Offer.callback_id == Callback.id, Offer.status == OfferStatus.OPEN),
            _callback_not_refused(user_id),
        )
        .order_by(*listing.CALLBACK_ORDER)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _callback_first(callback: Callback, call: Call) -> bool:
    """Whether the callback comes before the caller in the answer order: higher
    priority first, then callers who went back to the queue, then the longest
    waiting (`queues.callback_place`, as the waiting lists show them)."""
    return callback_place(callback.priority, callback.waiting_since) < caller_place(
        call.priority, call.returned_at, call.enqueued_at
    )


def operator_ready(user_id: int, now: datetime) -> int | None:
    """`user_id` is available (again): offer them the best caller or callback
    waiting in their queues. Returns the offer's id, or None when there is none
    to offer or another process was quicker."""
    found = _best_caller_for(user_id, now)
    callback = _best_callback_for(user_id, now)
    if callback is not None and (found is None or _callback_first(callback[0], found[0])):
        return _offer_callback(*callback, user_id, now)
    if found is None:
        return None
    call, reference = found
    return _offer(call, reference, user_id, now)


def _insert_offer(values: dict):
    dialect_insert = (
        postgresql.insert if db.session.connection().dialect.name == "postgresql" else sqlite.insert
    )
    available = exists().where(
        User.id == values["user_id"], User.presence == Presence.AVAILABLE, User.active.is_(True)
    )
    columns = list(values)
    chosen = select(*(literal(value, type_=Offer.__table__.c[name].type) for name, value in values.items()))
    return (
        dialect_insert(Offer)
        .from_select(columns, chosen.where(available))
        .on_conflict_do_nothing()
        .returning(Offer.id)
    )


def _open_offer(offered: dict, user_id: int, now: datetime) -> tuple[int | None, datetime]:
    """Insert the open offer of `offered` (its call_id or callback_id) to
    `user_id`, with its deadline; no id (and the transaction rolled back) when
    the operator or what is offered has an open offer already."""
    offer_seconds, _ = _settings()
    expires_at = now + timedelta(seconds=offer_seconds)
    values = {
        **offered,
        "user_id": user_id,
        "status": OfferStatus.OPEN.value,
        "created_at": now,
        "expires_at": expires_at,
    }
    offer_id = db.session.scalar(_insert_offer(values))
    if offer_id is None:
        db.session.rollback()
    return offer_id, expires_at


def _offer(call: Call, reference: str | None, user_id: int, now: datetime) -> int | None:
    """Offer `call` to `user_id`: the offer, the call's move to `offered`, a case
    event and an audit record, in one transaction; nothing if any part lost."""
    offer_id, expires_at = _open_offer({"call_id": call.id}, user_id, now)
    if offer_id is None:
        return None
    if not stages.transition(call, CallStage.OFFERED, allowed_from={CallStage.QUEUED}):
        db.session.rollback()
        return None
    timeline.record(
        call.case_id,
        "offered",
        actor=audit.SYSTEM,
        call=call,
        at=now,
        action="offer.created",
        subject=("offer", offer_id),
        user_id=user_id,
    )
    events.offer_created(
        user_id,
        {
            "offer_id": offer_id,
            "kind": "call",
            "call_sid": call.call_sid,
            "queue": call.queue,
            "priority": int(call.priority),
            "crisis": call.crisis,
            "language": call.language,
            "case_reference": reference,
            "expires_at": expires_at.isoformat(),
        },
    )
    events.caller_updated(waiting_caller(call, reference), offered=True, connected=False)
    db.session.commit()
    return offer_id


def _offer_callback(callback: Callback, reference: str | None, user_id: int, now: datetime) -> int | None:
    """Offer the queued callback to `user_id`: the offer (one open per callback,
    by its partial unique index), a case event and an audit record, in one
    transaction. The callback stays `queued` while it is offered."""
    offer_id, expires_at = _open_offer({"callback_id": callback.id}, user_id, now)
    if offer_id is None:
        return None
    timeline.record(
        callback.case_id,
        "offered",
        actor=audit.SYSTEM,
        at=now,
        action="offer.created",
        subject=("offer", offer_id),
        user_id=user_id,
        callback_id=callback.id,
    )
    events.offer_created(
        user_id,
        {
            "offer_id": offer_id,
            "kind": "callback",
            "callback_id": callback.id,
            "call_sid": None,
            "queue": callback.queue,
            "priority": int(callback.priority),
            "crisis": callback.crisis,
            "language": callback.language,
            "case_reference": reference,
            "requested_at": callback.requested_at.isoformat(),
            "waiting_since": callback.waiting_since.isoformat() if callback.waiting_since else None,
            "expires_at": expires_at.isoformat(),
        },
    )
    events.callback_updated(callback.id, callback.queue, offered=True)
    db.session.commit()
    return offer_id


def distribute(now: datetime) -> list[int]:
    """Sweep rule: offer a caller to every operator free to take one, longest
    available first (which also applies the language fallback once a caller has
    waited long enough). Returns the ids of the offers made."""
    ready = db.session.scalars(
        select(User.id)
        .where(_free_to_offer(User), exists().where(OperatorSkill.user_id == User.id))
        .order_by(User.presence_since.asc().nulls_first(), User.id)
    ).all()
    db.session.rollback()
    return [offer_id for user_id in ready if (offer_id := operator_ready(user_id, now)) is not None]
