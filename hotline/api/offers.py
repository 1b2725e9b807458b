"""Answering offers and taking callers:

POST /api/v1/offers/<id>/accept, POST /api/v1/offers/<id>/decline,
POST /api/v1/calls/<CallSid>/accept. The console's session (with its CSRF
token) or a user's API token; an integration's token only reads (403).
"""

from __future__ import annotations

import requests
from flask import abort, current_app, g, request, url_for
from twilio.base.exceptions import TwilioException

from hotline.api import bp
from hotline.api.access import call_sid_shaped, session_or_token
from hotline.api.bodies import load
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, NoBodySchema, OfferAnsweredSchema, TakenCallSchema
from hotline.calls.service import UnknownCall
from hotline.models import User, utcnow
from hotline.operators import offer_endings, offers, taking

# Ids above this are no row's (and would overflow PostgreSQL's integer).
LARGEST_ID = 2**31 - 1
REFUSALS = {403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema}


def _no_body() -> None:
    if request.get_data(cache=True):
        load(NoBodySchema)


def _offer_or_abort(offer_id: int, user: User):
    if offer_id > LARGEST_ID:
        abort(404, description="no offer with that id")
    try:
        return offer_endings.open_offer_of(offer_id, user)
    except offer_endings.OfferNotFound:
        abort(404, description="no offer with that id")
    except offer_endings.NotYourOffer:
        abort(403, description="this offer was made to someone else")
    except offer_endings.OfferClosed:
        abort(409, description="the offer is no longer open")


def _take(call_sid: str, offer_id: int | None = None):
    call_sid_shaped(call_sid)
    user = g.api_user
    now = utcnow()
    try:
        taken = taking.take(call_sid, user, now, offer_id)
    except UnknownCall:
        abort(404, description="no call with that CallSid")
    except taking.NotServed:
        abort(403, description="you do not serve this caller's queue")
    except taking.CannotTake as refusal:
        abort(409, description=str(refusal))
    url = url_for("telephony.connect", assignment_id=taken.assignment_id, _external=True)
    try:
        current_app.extensions["telephony"].redirect_call(call_sid, url)
    except (TwilioException, requests.RequestException):
        taking.caller_gone(taken, user, utcnow())
        _offer_on(taken, now)
        abort(409, description="the caller is no longer on the line")
    _offer_on(taken, now)
    return TakenCallSchema().dump(taken.message("connecting"))


def _offer_on(taken: taking.Taken, now) -> None:
    """After a take: whoever lost an offer to it is offered someone else, and the
    caller the taker was being offered goes to the next operator."""
    for holder in taken.withdrawn_from:
        offers.operator_ready(holder, now)
    if taken.released_call_id is not None:
        offers.offer_caller(taken.released_call_id, now)


@bp.post("/offers/<int:offer_id>/accept")
@documented("Accept an offer: take the caller", {200: TakenCallSchema, **REFUSALS}, body=NoBodySchema)
@session_or_token(write=True)
def accept_offer(offer_id: int):
    _no_body()
    offer = _offer_or_abort(offer_id, g.api_user)
    return _take(offer.call.call_sid, offer_id)


@bp.post("/offers/<int:offer_id>/decline")
@documented(
    "Decline an offer: the caller goes to the next operator",
    {200: OfferAnsweredSchema, **REFUSALS},
    body=NoBodySchema,
)
@session_or_token(write=True)
def decline_offer(offer_id: int):
    _no_body()
    _offer_or_abort(offer_id, g.api_user)
    try:
        offer_endings.decline(offer_id, g.api_user, utcnow())
    except offer_endings.OfferClosed:
        abort(409, description="the offer is no longer open")
    return OfferAnsweredSchema().dump({"offer_id": offer_id, "status": "declined"})


@bp.post("/calls/<call_sid>/accept")
@documented("Take a waiting caller from the list", {200: TakenCallSchema, **REFUSALS}, body=NoBodySchema)
@session_or_token(write=True)
def accept_call(call_sid: str):
    _no_body()
    return _take(call_sid)
