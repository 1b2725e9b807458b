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
from hotline.core.phones import mask
from hotline.extensions import db
from hotline.models import Assignment, Offer
from hotline.models.states import HOLDING_OPERATOR, AssignmentStatus, OfferStatus

STATES = {
    AssignmentStatus.CONNECTING: "connecting",
    AssignmentStatus.TALKING: "talking",
    AssignmentStatus.WRAP_UP: "wrap_up",
}


class CurrentCallSchema(Schema):
    """The operator's call as their console shows it; never a full number."""

    call_sid = fields.String(required=True)
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
    return {
        "call_sid": call.call_sid,
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
    call_sid = fields.String(required=True)
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
    call = offer.call
    shown = {
        "offer_id": offer.id,
        "call_sid": call.call_sid,
        "queue": call.queue,
        "priority": int(call.priority),
        "crisis": call.crisis,
        "language": call.language,
        "case_reference": call.case.reference if call.case else None,
        "expires_at": offer.expires_at,
    }
    return MyOfferSchema().dump({"offer": shown})
