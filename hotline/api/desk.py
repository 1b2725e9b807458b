"""What a console that (re)loads must show, since the live events tell only
what changes: GET /api/v1/me/call, the operator's own call now (connecting,
talking, wrap-up), as `events.operator_call` sends it, the number only masked
(last two digits) and only while talking; GET /api/v1/me/offer, the caller
offered to them now, as `events.offer_created` sends it. Null when none.
"""

from __future__ import annotations

from flask import abort, current_app, g
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.openapi import documented
from hotline.api.schemas import QUEUE_NAMES, ErrorSchema
from hotline.callbacks import listing
from hotline.core.phones import mask, mask_tail
from hotline.extensions import db
from hotline.models import Assignment, Callback, CallbackAttempt, Offer
from hotline.models.states import HOLDING_OPERATOR, AssignmentStatus, OfferStatus

STATES = {
    AssignmentStatus.CONNECTING: "connecting",
    AssignmentStatus.TALKING: "talking",
    AssignmentStatus.WRAP_UP: "wrap_up",
}


class CurrentCallSchema(Schema):
    """The operator's call as their console shows it; never a full number."""

    call_sid = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["call", "callback"]))
    callback_id = fields.Integer(required=True, allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(sorted(STATES.values())))
    case_reference = fields.String(required=True, allow_none=True)
    queue = fields.String(required=True, allow_none=True, validate=QUEUE_NAMES)
    language = fields.String(required=True, allow_none=True)
    crisis = fields.Boolean(required=True)
    masked_number = fields.String(
        required=True, allow_none=True, metadata={"description": "the last two digits, while talking"}
    )
    answered_at = fields.DateTime(required=True, allow_none=True)
    wrap_up_until = fields.DateTime(required=True, allow_none=True)


class MyCallSchema(Schema):
    call = fields.Nested(CurrentCallSchema, required=True, allow_none=True)


def _shown(assignment: Assignment) -> dict:
    call = assignment.call
    state = STATES[AssignmentStatus(assignment.status)]
    masked = None
    if state == "talking":
        encrypted = call.caller.number_encrypted if call.caller else None
        vault = current_app.extensions["phone_vault"]
        masked = mask(vault.decrypt(encrypted) if encrypted else None)
    callback_id = db.session.scalar(
        select(CallbackAttempt.callback_id).where(CallbackAttempt.call_sid == call.call_sid)
    )
    if masked is not None and callback_id is not None:
        masked = mask_tail(db.session.scalar(select(Callback.number_tail).where(Callback.id == callback_id)))
    return {
        "call_sid": call.call_sid,
        "kind": "callback" if callback_id is not None else "call",
        "callback_id": callback_id,
        "state": state,
        "case_reference": call.case.reference if call.case else None,
        "queue": call.queue,
        "language": call.language,
        "crisis": call.crisis,
        "masked_number": masked,
        "answered_at": assignment.answered_at,
        "wrap_up_until": assignment.wrap_up_until if state == "wrap_up" else None,
    }


@bp.get("/me/call")
@documented(
    "Your call now: being put through, talking or in wrap-up; null when none",
    {200: MyCallSchema, 403: ErrorSchema},
)
@session_or_token
def my_call():
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    holding = db.session.scalars(
        select(Assignment).where(
            Assignment.user_id == g.api_user.id,
            Assignment.status.in_([str(status) for status in HOLDING_OPERATOR]),
        )
    ).first()
    return MyCallSchema().dump({"call": _shown(holding) if holding else None})


class OpenOfferSchema(Schema):
    """A caller offered to the operator until `expires_at`: the offer.created event's fields."""

    offer_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["call", "callback"]))
    callback_id = fields.Integer(metadata={"description": "a callback's id"})
    requested_at = fields.DateTime(metadata={"description": "when a callback was asked for"})
    call_sid = fields.String(required=True, allow_none=True)
    queue = fields.String(required=True, allow_none=True, validate=QUEUE_NAMES)
    priority = fields.Integer(required=True)
    crisis = fields.Boolean(required=True)
    language = fields.String(required=True, allow_none=True)
    case_reference = fields.String(required=True, allow_none=True)
    expires_at = fields.DateTime(required=True)


class MyOfferSchema(Schema):
    offer = fields.Nested(OpenOfferSchema, required=True, allow_none=True)


@bp.get("/me/offer")
@documented("The caller offered to you now; null when none", {200: MyOfferSchema, 403: ErrorSchema})
@session_or_token
def my_offer():
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    offer = db.session.scalars(
        select(Offer).where(Offer.user_id == g.api_user.id, Offer.status == OfferStatus.OPEN)
    ).first()
    if offer is None:
        return MyOfferSchema().dump({"offer": None})
    if offer.callback_id is not None:
        callback, view = listing.get(offer.callback_id)
        shown = {
            "offer_id": offer.id,
            "kind": "callback",
            "callback_id": callback.id,
            "call_sid": None,
            "queue": callback.queue,
            "priority": int(callback.priority),
            "crisis": callback.crisis,
            "language": callback.language,
            "case_reference": view["case_reference"],
            "requested_at": callback.requested_at,
            "expires_at": offer.expires_at,
        }
        return MyOfferSchema().dump({"offer": shown})
    call = offer.call
    shown = {
        "offer_id": offer.id,
        "kind": "call",
        "call_sid": call.call_sid,
        "queue": call.queue,
        "priority": int(call.priority),
        "crisis": call.crisis,
        "language": call.language,
        "case_reference": call.case.reference if call.case else None,
        "expires_at": offer.expires_at,
    }
    return MyOfferSchema().dump({"offer": shown})
