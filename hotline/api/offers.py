"""Answering offers and taking callers:

POST /api/v1/offers/<id>/accept, POST /api/v1/offers/<id>/decline,
POST /api/v1/calls/<CallSid>/accept. The console's session (with its CSRF
token) or a user's API token; an integration's token only reads (403).
"""

from __future__ import annotations

from flask import current_app, g

from hotline.api import bp
from hotline.api.access import call_sid_shaped, session_or_token
from hotline.api.bodies import nothing
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, NoBodySchema, OfferAnsweredSchema, TakenCallSchema
from hotline.core.parsing import LARGEST_ID
from hotline.models import User, utcnow
from hotline.operators import desk, offer_endings

REFUSALS = {403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema}


def _open_offer(offer_id: int, user: User):
    if offer_id > LARGEST_ID:
        raise offer_endings.OfferNotFound(offer_id)
    return offer_endings.open_offer_of(offer_id, user)


def _take(call_sid: str, offer_id: int | None = None):
    call_sid_shaped(call_sid)
    taken = desk.take(call_sid, g.api_user, utcnow(), current_app.extensions["telephony"], offer_id)
    return TakenCallSchema().dump(taken.message("connecting"))


@bp.post("/offers/<int:offer_id>/accept")
@documented("Accept an offer: take the caller", {200: TakenCallSchema, **REFUSALS}, body=NoBodySchema)
@session_or_token(write=True)
def accept_offer(offer_id: int):
    nothing()
    offer = _open_offer(offer_id, g.api_user)
    if offer.callback_id is not None:
        taken = desk.take_callback(offer_id, g.api_user, utcnow())
        return TakenCallSchema().dump(taken.message("connecting"))
    return _take(offer.call.call_sid, offer_id)


@bp.post("/offers/<int:offer_id>/decline")
@documented(
    "Decline an offer: the caller goes to the next operator",
    {200: OfferAnsweredSchema, **REFUSALS},
    body=NoBodySchema,
)
@session_or_token(write=True)
def decline_offer(offer_id: int):
    nothing()
    _open_offer(offer_id, g.api_user)
    offer_endings.decline(offer_id, g.api_user, utcnow())
    return OfferAnsweredSchema().dump({"offer_id": offer_id, "status": "declined"})


@bp.post("/calls/<call_sid>/accept")
@documented("Take a waiting caller from the list", {200: TakenCallSchema, **REFUSALS}, body=NoBodySchema)
@session_or_token(write=True)
def accept_call(call_sid: str):
    nothing()
    return _take(call_sid)
