"""The wrap-up's endpoints: the codes it may record, and saving it.

GET /api/v1/taxonomy answers the active outcomes and categories labelled in the
asker's console language. POST /api/v1/calls/<CallSid>/wrap-up records the
operator's outcome, category and note (hotline.operators.wrapup.save); the note is never
echoed, logged or sent anywhere but the case's notes.
"""

from __future__ import annotations

from flask import abort, g
from flask_babel import get_locale
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import call_sid_shaped, session_or_token
from hotline.api.bodies import load
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema
from hotline.models import utcnow
from hotline.operators import taxonomy, wrapup

# PostgreSQL text cannot hold NUL, and no keyboard types it.
NO_NUL = validate.Regexp(r"^[^\x00]*$")


class CodeSchema(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "in the asker's console language"})


class TaxonomySchema(Schema):
    """The codes a wrap-up may record, each kind in its order."""

    outcomes = fields.List(fields.Nested(CodeSchema), required=True)
    categories = fields.List(fields.Nested(CodeSchema), required=True)


class WrapUpBodySchema(Schema):
    """A wrap-up: an active outcome and category code (GET /api/v1/taxonomy) and
    an optional note for the case."""

    outcome = fields.String(required=True, validate=validate.Length(min=1, max=32))
    category = fields.String(required=True, validate=validate.Length(min=1, max=32))
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=wrapup.NOTE_MAX_CHARS), NO_NUL],
        metadata={"description": "added to the case's notes; never shown back"},
    )


class WrapUpSchema(Schema):
    """The disposition saved."""

    call_sid = fields.String(required=True)
    case_reference = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True)
    category = fields.String(required=True)
    wrapped_up_at = fields.DateTime(required=True)


def _language() -> str:
    user = g.api_user
    if user is not None and user.language:
        return user.language
    return str(get_locale() or taxonomy.FALLBACK_LANGUAGE)


@bp.get("/taxonomy")
@documented("The outcomes and categories a wrap-up may record", {200: TaxonomySchema})
@session_or_token
def taxonomy_codes():
    codes = taxonomy.active(_language())
    return TaxonomySchema().dump(
        {"outcomes": codes[taxonomy.Kind.OUTCOME], "categories": codes[taxonomy.Kind.CATEGORY]}
    )


@bp.post("/calls/<call_sid>/wrap-up")
@documented(
    "Record the wrap-up of your call: outcome, category, note; you are available again",
    {200: WrapUpSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema},
    body=WrapUpBodySchema,
)
@session_or_token(write=True)
def wrap_up(call_sid: str):
    body = load(WrapUpBodySchema)
    call_sid_shaped(call_sid)
    try:
        saved = wrapup.save(call_sid, g.api_user, body["outcome"], body["category"], body["note"], utcnow())
    except wrapup.UnknownCode as error:
        abort(400, description=f"invalid or missing field(s): {error.field}")
    return WrapUpSchema().dump(saved)
