"""Referrals: POST /api/v1/cases/<reference>/referrals refers the case's person
to a partner of the directory (`partner_id`, `reason`); POST
/api/v1/referrals/<id>/status moves one along (`{"status": …}`): made →
accepted | declined | withdrawn, accepted → service_received |
service_not_received | withdrawn; anything else is 409 naming both statuses.
Whoever may see the case (hotline.cases.access) may refer and move; the
refusal is audited there. The path is judged (404, 403) before the body (400).
"""

from __future__ import annotations

from dataclasses import asdict

from flask import g
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load
from hotline.api.cases import REFUSALS, SOME_TEXT, _actor
from hotline.api.offers import LARGEST_ID
from hotline.api.openapi import documented
from hotline.api.partner_schemas import REFERRAL_STATUSES, ReferralMovedSchema
from hotline.api.schemas import ErrorSchema
from hotline.cases import access, referrals
from hotline.core.parsing import whole_number
from hotline.models import utcnow
from hotline.models.states import ReferralStatus


class ReferralBodySchema(Schema):
    """A referral of the case's person to an active partner, and why (text, never HTML)."""

    partner_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=LARGEST_ID))
    reason = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=referrals.REASON_MAX_CHARS), SOME_TEXT],
        metadata={"description": "1 to 10,000 characters, not only spaces"},
    )


class ReferralStatusBodySchema(Schema):
    """The referral's next status."""

    status = fields.String(required=True, validate=REFERRAL_STATUSES)


def _answer(moved: referrals.Moved, reference: str) -> dict:
    return ReferralMovedSchema().dump({**asdict(moved), "case_reference": reference})


@bp.post("/cases/<reference>/referrals")
@documented(
    "Refer the case's person to a partner of the directory",
    {201: ReferralMovedSchema, **REFUSALS, 409: ErrorSchema},
    body=ReferralBodySchema,
)
@session_or_token(write=True)
def case_referral(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="referral", action=None)
    body = load(ReferralBodySchema)
    made = referrals.make(case.id, body["partner_id"], body["reason"], g.api_user, now)
    return _answer(made, reference), 201


@bp.post("/referrals/<referral_id>/status")
@documented(
    "Move a referral: accepted, declined, service_received, service_not_received, withdrawn",
    {200: ReferralMovedSchema, **REFUSALS, 409: ErrorSchema},
    body=ReferralStatusBodySchema,
)
@session_or_token(write=True)
def referral_status(referral_id: str):
    now = utcnow()
    number = whole_number(referral_id, max_digits=10)
    if number is None or number > LARGEST_ID:
        raise referrals.UnknownReferral(referral_id)
    reference = referrals.case_of(number)
    access.look(reference, g.api_user, _actor(), now, step="referral", action=None)
    body = load(ReferralStatusBodySchema)
    moved = referrals.move(number, ReferralStatus(body["status"]), g.api_user, now)
    return _answer(moved, reference)
