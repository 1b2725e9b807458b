"""Blocking a case's caller (hotline.cases.blocks): POST
/api/v1/cases/<reference>/block with `hours` (1–2160) and `reason`, by a
supervisor (403 to others); DELETE lifts it before it runs out."""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load, nothing
from hotline.api.cases import REFUSALS, SOME_TEXT, _actor
from hotline.api.openapi import documented
from hotline.api.risk_schemas import BlockAnswerSchema
from hotline.api.schemas import ErrorSchema, NoBodySchema
from hotline.cases import access, blocks
from hotline.models import utcnow


class BlockBodySchema(Schema):
    hours = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=blocks.MAX_HOURS))
    reason = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=blocks.REASON_MAX_CHARS), SOME_TEXT],
        metadata={"description": "1 to 1,000 characters, not only spaces"},
    )


def _supervised(reference: str, step: str):
    return access.look(
        reference, g.api_user, _actor(), utcnow(), step=step, rule=access.may_supervise, action=None
    )


@bp.post("/cases/<reference>/block")
@documented(
    "A supervisor blocks the case's caller for 1 to 2160 hours; 9 still reaches the crisis path",
    {201: BlockAnswerSchema, **REFUSALS, 409: ErrorSchema},
    body=BlockBodySchema,
)
@session_or_token(write=True)
def case_block(reference: str):
    case = _supervised(reference, "block")
    body = load(BlockBodySchema)
    block = blocks.block(case, g.api_user, body["hours"], body["reason"], utcnow())
    return BlockAnswerSchema().dump({"reference": case.reference, "block": block}), 201


@bp.delete("/cases/<reference>/block")
@documented(
    "A supervisor lifts the block of the case's caller before it runs out",
    {200: BlockAnswerSchema, **REFUSALS, 409: ErrorSchema},
    body=NoBodySchema,
)
@session_or_token(write=True)
def case_unblock(reference: str):
    case = _supervised(reference, "unblock")
    nothing()
    blocks.lift(case, g.api_user, utcnow())
    return BlockAnswerSchema().dump({"reference": case.reference, "block": None})
