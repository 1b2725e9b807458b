"""The shapes of full accompaniment in the API: the social passport (its body
and its answer) and the support route's steps. The passport's names are the
contract's (the API is public: keep them)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from hotline.api.cases import NO_NUL, SOME_TEXT
from hotline.cases import passport, plan
from hotline.models.states import PlanStepStatus

REGIONS = validate.OneOf(passport.REGIONS)
DOCUMENT = fields.String(validate=validate.OneOf(passport.DOCUMENTS))
STEP_STATUSES = validate.OneOf([status.value for status in PlanStepStatus])


def _text(description: str, **more) -> fields.String:
    return fields.String(
        validate=[validate.Length(max=passport.TEXT_MAX_CHARS), NO_NUL],
        metadata={"description": description},
        **more,
    )


def _documents(description: str, **more) -> fields.List:
    return fields.List(
        DOCUMENT, validate=validate.Length(max=12), metadata={"description": description}, **more
    )


class PassportFieldsSchema(Schema):
    """The passport's fields: each one left out keeps its value; null clears it."""

    region = fields.String(allow_none=True, validate=REGIONS)
    release_date = fields.Date(allow_none=True)
    documents_held = _documents("the person's documents, by code")
    documents_missing = _documents("the documents to restore, by code")
    housing = _text("where the person lives", allow_none=True)
    work = _text("work, or looking for it", allow_none=True)
    education = _text("schooling and training", allow_none=True)
    health_insurance = fields.Boolean(allow_none=True)
    disability = _text("a disability, its group", allow_none=True)
    family = _text("family and those close", allow_none=True)
    supervision_ends = fields.Date(
        allow_none=True, metadata={"description": "probation or supervision's end"}
    )
    follow_up_consent = fields.Boolean(
        allow_none=True, metadata={"description": "consent to follow-up calls"}
    )
    follow_up_consent_date = fields.Date(
        allow_none=True, metadata={"description": "when consent was given (consent with none: today)"}
    )


class PassportVersionSchema(Schema):
    """One change: who, when, which fields (never their values)."""

    version = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    changed = fields.List(fields.String(validate=validate.OneOf(passport.FIELDS)), required=True)


class PassportSchema(Schema):
    """The person's social passport; `version` 0 and no `versions` when nothing is known yet."""

    region = fields.String(required=True, allow_none=True, validate=REGIONS)
    release_date = fields.Date(required=True, allow_none=True)
    documents_held = fields.List(DOCUMENT, required=True)
    documents_missing = fields.List(DOCUMENT, required=True)
    housing = fields.String(required=True, allow_none=True)
    work = fields.String(required=True, allow_none=True)
    education = fields.String(required=True, allow_none=True)
    health_insurance = fields.Boolean(required=True, allow_none=True)
    disability = fields.String(required=True, allow_none=True)
    family = fields.String(required=True, allow_none=True)
    supervision_ends = fields.Date(required=True, allow_none=True)
    follow_up_consent = fields.Boolean(required=True, allow_none=True)
    follow_up_consent_date = fields.Date(required=True, allow_none=True)
    version = fields.Integer(required=True)
    versions = fields.List(fields.Nested(PassportVersionSchema), required=True)


class PlanStepBodySchema(Schema):
    """A step of the person's support route."""

    goal = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=plan.GOAL_MAX_CHARS), SOME_TEXT],
        metadata={"description": "what the step is for, 1 to 1,000 characters"},
    )
    category = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=32), NO_NUL],
        metadata={"description": "an active category code of the wrap-up's taxonomy"},
    )
    due_date = fields.Date(required=True)
    owner = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=64), NO_NUL],
        metadata={"description": "a username (default: you); partner:<id> is still to come"},
    )


class PlanStepPatchSchema(Schema):
    """A step moved on (`open → done | dropped`), its result written, or both."""

    status = fields.String(load_default=None, allow_none=True, validate=STEP_STATUSES)
    result = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=plan.RESULT_MAX_CHARS), SOME_TEXT],
        metadata={"description": "what came of it, 1 to 10,000 characters"},
    )


class PlanStepSchema(Schema):
    """A step of a support route; `overdue` when still open after its due date (the hotline's date)."""

    id = fields.Integer(required=True)
    case = fields.String(required=True, metadata={"description": "the case it was added through"})
    goal = fields.String(required=True)
    category = fields.String(required=True)
    owner = fields.String(required=True)
    due_date = fields.Date(required=True)
    status = fields.String(required=True, validate=STEP_STATUSES)
    result = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)


class PlanStepsSchema(Schema):
    items = fields.List(fields.Nested(PlanStepSchema), required=True)
