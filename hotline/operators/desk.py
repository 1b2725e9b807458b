"""What an operator does at their desk: choose their presence, and the steps
the phone network must carry out: take a caller, hang up, transfer.

Each step commits its change first, then asks the network through the
`Telephony` port it is given (no transaction is open meanwhile), and puts
things right when the network refuses: a caller who could not be put through
goes back to the queue and the operator is available again. Whoever lost an
offer to a take is offered someone else.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import current_app
from redis.exceptions import RedisError

from hotline.core import pacing
from hotline.extensions import db
from hotline.models import Call, User, utcnow
from hotline.models.states import CallStage, Device, Presence
from hotline.operators import callbacks, legs, offer_endings, offers, presence, taking
from hotline.telephony import Telephony, TelephonyError

log = logging.getLogger(__name__)

# A placing job's limit past its wait for a slot: the network's timeouts.
PLACING_SECONDS = 60


class CallerGone(taking.CannotTake):
    """409: the network could not take the caller to the operator: they have hung up."""

    def __init__(self) -> None:
        super().__init__("the caller is no longer on the line")


class NetworkRefused(RuntimeError):
    """502: the network did not carry out the step; the message says what follows."""


def choose_presence(user: User, to: Presence, device: Device | None, now: datetime) -> None:
    """The operator chooses available or away (and where calls ring), committed;
    one who becomes available is offered the longest-waiting caller at once.
    PresenceRefused (409) when the choice is not theirs to make now."""
    moved = presence.choose(user, to, device, now)
    db.session.commit()
    if moved and user.presence == Presence.AVAILABLE:
        offers.operator_ready(user.id, now)


def take(
    call_sid: str, user: User, now: datetime, telephony: Telephony, offer_id: int | None = None
) -> taking.Taken:
    """Take the caller and have the network put them through to the taker."""
    taken = taking.take(call_sid, user, now, offer_id)
    try:
        telephony.put_through(call_sid, taken.assignment_id)
    except TelephonyError:
        taking.caller_gone(taken, user, utcnow())
        _offer_on(taken, now)
        raise CallerGone() from None
    _offer_on(taken, now)
    return taken


def take_callback(offer_id: int, user: User, now: datetime) -> callbacks.TakenCallback:
    """Accept a callback's offer; its call is placed by the dialler at the next
    slot of the outbound pacing, in the order accepts were made."""
    offer = offer_endings.open_offer_of(offer_id, user)
    taken = callbacks.take(offer, user, now)
    dial_soon(taken.attempt_id)
    return taken


def dial_soon(attempt_id: int, again: bool = False) -> None:
    """Hand the accepted attempt to the dialler (`flask dialler`), which places
    accepted calls one at a time, in acceptance order, at the outbound pacing.
    One job per accept (its id names the attempt: one, whoever asks twice);
    `again` when the cron hands over an attempt left unplaced, whose first job
    may still be in RQ's records. When Redis does not answer, nothing is
    queued now: the cron's look for attempts left unplaced hands it over."""
    job_id = f"callback-attempt-{attempt_id}"
    if again:
        job_id += f"-again-{time.time_ns()}"
    try:
        current_app.extensions["dialling"].enqueue(
            "workers.callbacks.place_attempt",
            attempt_id,
            job_id=job_id,
            job_timeout=pacing.LONGEST_WAIT_SECONDS + PLACING_SECONDS,
            failure_ttl=24 * 3600,
        )
    except RedisError as error:
        log.warning(
            "callback attempt %d: not handed to the dialler now (%s)", attempt_id, type(error).__name__
        )


def _offer_on(taken: taking.Taken, now: datetime) -> None:
    """Whoever lost an offer to the take is offered someone else, and the caller
    the taker was being offered goes to the next operator."""
    for holder in taken.withdrawn_from:
        offers.operator_ready(holder, now)
    if taken.released_call_id is not None:
        offers.offer_caller(taken.released_call_id, now)


def hang_up(call: Call, user: User, telephony: Telephony) -> None:
    """Have the network hang up a call that is with an operator; its status
    report then ends it and starts the operator's wrap-up."""
    if call.stage != CallStage.CONNECTED:
        raise legs.NotConnected("the call is not with an operator")
    try:
        telephony.hang_up(call.call_sid)
    except TelephonyError as error:
        raise NetworkRefused("the phone network did not take the hang-up; try again") from error
    legs.hung_up_by(call, user)


def transfer(call: Call, queue: str, actor: User, now: datetime, telephony: Telephony) -> None:
    """The caller re-enters `queue` at its head (committed), then the network
    takes them there. If it does not, the caller is still with the operator, and
    when that ends the Dial's result finds them back in the queue."""
    legs.transfer(call, queue, actor, now)
    legs.announce_return(call)
    try:
        telephony.requeue(call.call_sid)
    except TelephonyError as error:
        raise NetworkRefused(
            "the phone network did not take the transfer; the caller follows when the call ends"
        ) from error
