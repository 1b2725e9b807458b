"""A follow-up call's answer: POST /api/v1/callbacks/<id>/follow-up.

Under the callback, not the case: the answer is what that call heard (a case
may have several check-ins, and one call may serve a check-in on a case other
than the one on screen), and who may record it is who works callbacks, as for
cancel and reschedule: an operator of the callback's queue, supervisors and
admins (`may_handle`). The path is judged (404, 403) before the body (400);
a callback that made no check-in, or one answered already, is 409.
"""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load
from hotline.api.callbacks import REFUSALS, _handled
from hotline.api.offers import LARGEST_ID
from hotline.api.openapi import documented
from hotline.callbacks import follow_up_answers
from hotline.models import utcnow

KINDS = ("release", "resolved")


class Flag(fields.Boolean):
    """JSON's true or false only (marshmallow's Boolean reads 1, "yes", "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _code(field: str, codes: tuple[str, ...]) -> fields.String:
    return fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(codes),
        metadata={"description": f"{field}: one of {', '.join(codes)}, or null (unknown)"},
    )


class FollowUpAnswerBodySchema(Schema):
    """What the check-in heard: codes and flags, never text. With `reached` false,
    nothing else but a referral's service may be said."""

    reached = Flag(required=True)
    housing = _code("housing", follow_up_answers.HOUSING)
    work = _code("work", follow_up_answers.WORK)
    documents = _code("documents", follow_up_answers.DOCUMENTS)
    still_in_contact = Flag(load_default=None, allow_none=True)
    referral_id = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=LARGEST_ID),
        metadata={"description": "a referral of the person's; with service_received"},
    )
    service_received = Flag(
        load_default=None,
        allow_none=True,
        metadata={"description": "whether the referral's service was received; with referral_id"},
    )


class FollowUpAnswerSchema(FollowUpAnswerBodySchema):
    """The answer recorded."""

    id = fields.Integer(required=True)
    follow_up_id = fields.Integer(required=True)
    callback_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    offset_days = fields.Integer(required=True)
    at = fields.DateTime(required=True)


@bp.post("/callbacks/<callback_id>/follow-up")
@documented(
    "Record what a follow-up check-in's call heard (once per check-in)",
    {201: FollowUpAnswerSchema, **REFUSALS},
    body=FollowUpAnswerBodySchema,
)
@session_or_token(write=True)
def follow_up_answer(callback_id: str):
    shown = _handled(callback_id)
    body = load(FollowUpAnswerBodySchema)
    answer = follow_up_answers.record(shown["id"], body, g.api_user, utcnow())
    return FollowUpAnswerSchema().dump(answer), 201
