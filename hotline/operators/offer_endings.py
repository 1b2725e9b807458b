"""How an offer ends other than by being accepted: declined, lapsed (the sweep
enforces the deadline the database holds), or withdrawn because the caller left
or the operator took someone else. Each closes the offer only if it is still
open (a conditional UPDATE), puts the caller back to waiting and offers them on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, or_, select, true, update

from hotline import audit, events
from hotline.calls import stages
from hotline.calls.service import waiting_caller
from hotline.cases import timeline
from hotline.extensions import db
from hotline.models import Call, Callback, Offer, User
from hotline.models.states import CallbackStatus, CallStage, OfferStatus, Presence
from hotline.operators import presence
from hotline.operators.offers import distribute, offer_caller, operator_ready


class OfferNotFound(LookupError):
    """No offer with that id."""


class NotYourOffer(PermissionError):
    """The offer was made to another operator."""


class OfferClosed(RuntimeError):
    """The offer is no longer open: accepted, declined, lapsed or withdrawn."""


def _close(offer_id: int, status: OfferStatus, now: datetime) -> bool:
    closed = db.session.scalar(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status == OfferStatus.OPEN)
        .values(status=status, closed_at=now)
        .returning(Offer.id)
        .execution_options(synchronize_session=False)
    )
    return closed is not None


def _back_to_queue(
    offer: Offer, status: OfferStatus, now: datetime, actor: str = audit.SYSTEM, reason: str | None = None
) -> bool:
    """Close `offer` as `status` and put its caller back to `queued`, in the
    session's transaction; `reason` for `offer.withdrawn` (default: the status).
    False, with nothing written, if the offer was closed meanwhile."""
    if not _close(offer.id, status, now):
        return False
    if offer.callback_id is not None:
        _callback_offer_closed(offer, status, now, actor, reason)
        return True
    call = offer.call
    back = stages.transition(call, CallStage.QUEUED, allowed_from={CallStage.OFFERED})
    reference = call.case.reference if call.case is not None else None
    timeline.record(
        call.case_id,
        f"offer_{status}",
        actor=actor,
        call=call,
        actor_id=offer.user_id if status == OfferStatus.DECLINED else None,
        at=now,
        action=f"offer.{status}",
        subject=("offer", offer.id),
        user_id=offer.user_id,
        **({"reason": reason} if reason else {}),
    )
    if back:
        events.caller_updated(waiting_caller(call, reference), offered=False, connected=False)
    events.offer_withdrawn(offer.user_id, offer.id, call.call_sid, reason or str(status))
    return True


def _callback_offer_closed(
    offer: Offer, status: OfferStatus, now: datetime, actor: str, reason: str | None
) -> None:
    """A callback's offer closed unanswered: the callback simply waits on in its
    queue's list (it never left `queued`), no longer offered. One cancelled or
    moved meanwhile has left the list: its own event said so."""
    case_id, queue, now_status = db.session.execute(
        select(Callback.case_id, Callback.queue, Callback.status).where(Callback.id == offer.callback_id)
    ).one()
    timeline.record(
        case_id,
        f"offer_{status}",
        actor=actor,
        actor_id=offer.user_id if status == OfferStatus.DECLINED else None,
        at=now,
        action=f"offer.{status}",
        subject=("offer", offer.id),
        user_id=offer.user_id,
        callback_id=offer.callback_id,
        **({"reason": reason} if reason else {}),
    )
    if now_status == CallbackStatus.QUEUED:
        events.callback_updated(offer.callback_id, queue, offered=False)
    events.offer_withdrawn(
        offer.user_id, offer.id, None, reason or str(status), callback_id=offer.callback_id
    )


def offer_on(offer: Offer, now: datetime) -> None:
    """After an offer closed unanswered (committed): its caller to the next
    operator; a callback to whoever is free for one."""
    if offer.call_id is not None:
        offer_caller(offer.call_id, now)
    else:
        distribute(now)


def release_offer_of(user_id: int, keep_call_id: int | None, now: datetime) -> int | None:
    """The operator took another caller: their open offer of any other call is
    withdrawn and that caller waits again, in the session's transaction.
    Returns that caller's call id, to offer them on after the commit."""
    offer = db.session.scalars(
        select(Offer).where(
            Offer.user_id == user_id,
            Offer.status == OfferStatus.OPEN,
            or_(Offer.call_id.is_(None), Offer.call_id != keep_call_id)
            if keep_call_id is not None
            else true(),
        )
    ).first()
    if offer is None or not _back_to_queue(offer, OfferStatus.WITHDRAWN, now, reason="taken"):
        return None
    return offer.call_id


# Open offers whose caller is no longer offered: they left the queue.
_OFFERS_OF_GONE_CALLERS = (
    select(Offer.id, Offer.user_id, Call.call_sid)
    .join(Call, Call.id == Offer.call_id)
    .where(Offer.status == OfferStatus.OPEN, Call.stage != CallStage.OFFERED)
)
# Open offers of callbacks no longer waiting: cancelled, rescheduled, taken from the list.
_OFFERS_OF_GONE_CALLBACKS = (
    select(Offer.id, Offer.user_id, Offer.callback_id)
    .join(Callback, Callback.id == Offer.callback_id)
    .where(Offer.status == OfferStatus.OPEN, Callback.status != CallbackStatus.QUEUED)
)
# The same for one call, built once: the webhook of every caller who leaves runs it.
_OFFERS_OF_GONE_CALLER = _OFFERS_OF_GONE_CALLERS.where(Offer.call_id == bindparam("call_id"))


def withdraw_offers_of_gone_callers(now: datetime, call_id: int | None = None) -> list[int]:
    """Sweep rule: an open offer whose caller left the queue (hung up, asked for a
    callback) is withdrawn, reason "left", so its operator is free again and is
    offered the next caller. With `call_id`, that call's offer only (the
    webhook that saw the caller leave). Returns the ids of the offers withdrawn;
    commits when it withdrew any."""
    connection = db.session.connection()
    if call_id is None:
        found = connection.execute(_OFFERS_OF_GONE_CALLERS).all()
    else:
        found = connection.execute(_OFFERS_OF_GONE_CALLER, {"call_id": call_id}).all()
    withdrawn = {}
    for offer_id, user_id, call_sid in found:
        if _close(offer_id, OfferStatus.WITHDRAWN, now):
            events.offer_withdrawn(user_id, offer_id, call_sid, "left")
            audit.record(audit.SYSTEM, "offer.withdrawn", "offer", offer_id, call_sid=call_sid, reason="left")
            withdrawn[offer_id] = user_id
    if call_id is None:
        for offer_id, user_id, callback_id in connection.execute(_OFFERS_OF_GONE_CALLBACKS).all():
            if _close(offer_id, OfferStatus.WITHDRAWN, now):
                events.offer_withdrawn(user_id, offer_id, None, "left", callback_id=callback_id)
                audit.record(
                    audit.SYSTEM, "offer.withdrawn", "offer", offer_id, callback_id=callback_id, reason="left"
                )
                withdrawn[offer_id] = user_id
    if not withdrawn:
        return []
    db.session.commit()
    for user_id in withdrawn.values():
        operator_ready(user_id, now)
    return list(withdrawn)


def open_offer_of(offer_id: int, user: User) -> Offer:
    """The open offer `offer_id` made to `user`; raises OfferNotFound, NotYourOffer, OfferClosed."""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound(offer_id)
    if offer.user_id != user.id:
        raise NotYourOffer(offer_id)
    if offer.status != OfferStatus.OPEN:
        raise OfferClosed(offer_id)
    return offer


def decline(offer_id: int, user: User, now: datetime) -> None:
    """`user` declines their offer: the caller goes back to waiting and on to the
    next operator; the decliner stays available, for another caller."""
    offer = open_offer_of(offer_id, user)
    if not _back_to_queue(offer, OfferStatus.DECLINED, now, actor=user.username):
        db.session.rollback()
        raise OfferClosed(offer_id)
    db.session.commit()
    offer_on(offer, now)
    operator_ready(user.id, now)


def lapse_offers(now: datetime) -> list[int]:
    """Sweep rule: each open offer past its deadline lapses; its caller goes back
    to waiting and on to the next operator, and the operator who let it lapse
    becomes away. Returns the ids of the offers that lapsed."""
    lapsed = []
    due = db.session.scalars(
        select(Offer.id).where(Offer.status == OfferStatus.OPEN, Offer.expires_at <= now).order_by(Offer.id)
    ).all()
    for offer_id in due:
        offer = db.session.get(Offer, offer_id)
        if offer is None or not _back_to_queue(offer, OfferStatus.LAPSED, now):
            db.session.rollback()
            continue
        presence.move(
            offer.user,
            Presence.AWAY,
            now,
            actor=audit.SYSTEM,
            reason="lapsed",
            allowed_from={Presence.AVAILABLE},
        )
        db.session.commit()
        lapsed.append(offer_id)
        offer_on(offer, now)
    return lapsed
