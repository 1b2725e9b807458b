"""The JSON shapes of the directory of partners and of referrals (answers and
the bodies they are made from); hotline/api/schemas.py's CaseSchema lists a
case's referrals with ReferralSchema."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hotline.models.partners import FACET_CODES, Facet, PartnerKind
from hotline.models.states import ReferralStatus

KINDS = validate.OneOf([kind.value for kind in PartnerKind])
FIELDS = validate.OneOf(FACET_CODES[Facet.FIELD])
REGIONS = validate.OneOf(FACET_CODES[Facet.REGION])
LANGUAGES = validate.OneOf(FACET_CODES[Facet.LANGUAGE])
REFERRAL_STATUSES = validate.OneOf([status.value for status in ReferralStatus])


class PartnerSchema(Schema):
    """A partner of the directory: its contacts are for the staff only."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=KINDS)
    fields_ = fields.List(
        fields.String(validate=FIELDS), required=True, data_key="fields", attribute="fields"
    )
    regions = fields.List(fields.String(validate=REGIONS), required=True)
    languages = fields.List(fields.String(validate=LANGUAGES), required=True)
    contacts = fields.String(required=True, metadata={"description": "for the hotline's staff only"})
    active = fields.Boolean(required=True)


class PartnersSchema(Schema):
    """A page of the directory, by id."""

    items = fields.List(fields.Nested(PartnerSchema), required=True)
    next = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "pass as `after` for the next page; null: the last"},
    )


class ReferralMoveSchema(Schema):
    """One step of a referral: from (null for the referral made), to, who, when."""

    from_ = fields.String(
        required=True, allow_none=True, data_key="from", attribute="from", validate=REFERRAL_STATUSES
    )
    to = fields.String(required=True, validate=REFERRAL_STATUSES)
    by = fields.String(required=True, metadata={"description": "a username"})
    at = fields.DateTime(required=True)


class ReferralSchema(Schema):
    """A referral of a case's person to a partner; complete once the service is received."""

    id = fields.Integer(required=True)
    partner_id = fields.Integer(required=True)
    partner = fields.String(required=True, metadata={"description": "the partner's name"})
    reason = fields.String(required=True, metadata={"description": "text, never HTML"})
    status = fields.String(required=True, validate=REFERRAL_STATUSES)
    complete = fields.Boolean(required=True, metadata={"description": "the service confirmed received"})
    made_by = fields.String(required=True)
    made_at = fields.DateTime(required=True)
    moves = fields.List(fields.Nested(ReferralMoveSchema), required=True)


class ReferralMovedSchema(Schema):
    """A referral after a step: its status, the one before (null: just made), who and when."""

    id = fields.Integer(required=True)
    case_reference = fields.String(required=True)
    partner_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=REFERRAL_STATUSES)
    previous = fields.String(required=True, allow_none=True, validate=REFERRAL_STATUSES)
    by = fields.String(required=True)
    at = fields.DateTime(required=True)
