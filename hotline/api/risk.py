"""A case's risk protocol: its level, the supervisors' acknowledgement of its
alert, the emergency actions logged (hotline.cases.risk).

POST /api/v1/cases/<reference>/risk sets the level (imminent raises
`risk.alert` to every supervisor); POST …/risk/acknowledge is a supervisor's
(403 to others); POST …/emergency-actions logs whom was contacted, when, and
with what result. The path is judged (404, 403) before the body (400).
"""

from __future__ import annotations

from datetime import timedelta

from flask import g
from marshmallow import Schema, ValidationError, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load, nothing
from hotline.api.cases import REFUSALS, SOME_TEXT, _actor
from hotline.api.openapi import documented
from hotline.api.risk_schemas import CONTACTS, RISK_LEVELS, EmergencyActionAddedSchema, RiskSchema
from hotline.api.schemas import ErrorSchema, NoBodySchema
from hotline.cases import access, risk
from hotline.core.parsing import aware_moment
from hotline.models import utcnow
from hotline.models.states import EmergencyContact, RiskLevel

# An action is logged after it was taken: a clock a little ahead is allowed, the future is not.
CLOCK_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=366)


class ActionMoment(fields.DateTime):
    """When the action was taken: ISO 8601 with its offset, not ahead of now."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = aware_moment(value) if isinstance(value, str) else None
        now = utcnow()
        if moment is None or moment - now > CLOCK_SKEW or now - moment > OLDEST:
            raise ValidationError("an ISO 8601 moment with its offset, not in the future, within a year")
        return moment


class RiskBodySchema(Schema):
    level = fields.String(required=True, validate=RISK_LEVELS)


class EmergencyActionBodySchema(Schema):
    """Whom was contacted for the person in danger, when, and with what result (text, never HTML)."""

    contacted = fields.String(required=True, validate=CONTACTS)
    at = ActionMoment(required=True, metadata={"description": "ISO 8601 with its offset, not in the future"})
    result = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=risk.RESULT_MAX_CHARS), SOME_TEXT],
        metadata={"description": "1 to 2,000 characters, not only spaces"},
    )


@bp.post("/cases/<reference>/risk")
@documented(
    "Set a case's risk level; imminent raises risk.alert to every supervisor",
    {200: RiskSchema, **REFUSALS, 409: ErrorSchema},
    body=RiskBodySchema,
)
@session_or_token(write=True)
def case_risk(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="risk", action=None)
    body = load(RiskBodySchema)
    return RiskSchema().dump(risk.set_level(case, RiskLevel(body["level"]), g.api_user, now))


@bp.post("/cases/<reference>/risk/acknowledge")
@documented(
    "A supervisor acknowledges the case's risk alert",
    {200: RiskSchema, **REFUSALS, 409: ErrorSchema},
    body=NoBodySchema,
)
@session_or_token(write=True)
def case_risk_acknowledge(reference: str):
    now = utcnow()
    case = access.look(
        reference, g.api_user, _actor(), now, step="risk_acknowledge", rule=access.may_supervise, action=None
    )
    nothing()
    return RiskSchema().dump(risk.acknowledge(case, g.api_user, now))


@bp.post("/cases/<reference>/emergency-actions")
@documented(
    "Log an emergency action on a case: whom was contacted, when, with what result",
    {201: EmergencyActionAddedSchema, **REFUSALS},
    body=EmergencyActionBodySchema,
)
@session_or_token(write=True)
def case_emergency_action(reference: str):
    now = utcnow()
    case = access.look(reference, g.api_user, _actor(), now, step="emergency_action", action=None)
    body = load(EmergencyActionBodySchema)
    action_id = risk.log_action(
        case, g.api_user, EmergencyContact(body["contacted"]), body["at"], body["result"], now
    )
    answer = {"id": action_id, "risk": risk.risk_view(case.id, case.reference)}
    return EmergencyActionAddedSchema().dump(answer), 201
