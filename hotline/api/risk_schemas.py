"""The risk protocol's and the blocks' answers: the case's latest risk alert,
its emergency actions, the caller's block (hotline.cases.risk, hotline.cases.blocks).
The case's view (schemas.CaseSchema) nests them too."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hotline.models.states import EmergencyContact, RiskLevel

RISK_LEVELS = validate.OneOf([level.value for level in RiskLevel])
CONTACTS = validate.OneOf([contact.value for contact in EmergencyContact])


class RiskAlertSchema(Schema):
    """A case's latest risk alert: settled once acknowledged and acted on, in either order."""

    id = fields.Integer(required=True)
    level = fields.String(required=True, validate=RISK_LEVELS)
    reason = fields.String(
        required=True,
        validate=validate.OneOf(["level", "crisis"]),
        metadata={"description": "level: the risk set imminent; crisis: the caller chose the crisis option"},
    )
    raised_at = fields.DateTime(required=True)
    last_raised_at = fields.DateTime(required=True)
    times_raised = fields.Integer(required=True)
    acknowledged_at = fields.DateTime(required=True, allow_none=True)
    acknowledged_by = fields.String(required=True, allow_none=True)
    acted_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": "when an emergency action was first logged"}
    )
    settled = fields.Boolean(required=True)


class EmergencyActionSchema(Schema):
    id = fields.Integer(required=True)
    contacted = fields.String(required=True, validate=CONTACTS)
    at = fields.DateTime(required=True)
    result = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)


class RiskSchema(Schema):
    """A case's risk: its level, its latest alert (or null) and its emergency actions."""

    reference = fields.String(required=True)
    risk_level = fields.String(required=True, validate=RISK_LEVELS)
    risk_alert = fields.Nested(RiskAlertSchema, required=True, allow_none=True)
    emergency_actions = fields.List(fields.Nested(EmergencyActionSchema), required=True)


class EmergencyActionAddedSchema(Schema):
    """The action logged, and the case's risk after it."""

    id = fields.Integer(required=True)
    risk = fields.Nested(RiskSchema, required=True)


class BlockSchema(Schema):
    """The block of the case's caller in force now."""

    id = fields.Integer(required=True)
    until = fields.DateTime(required=True, metadata={"description": "it runs out by itself then"})
    reason = fields.String(required=True)
    blocked_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class BlockAnswerSchema(Schema):
    reference = fields.String(required=True)
    block = fields.Nested(BlockSchema, required=True, allow_none=True)
