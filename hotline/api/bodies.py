"""Reading a JSON request body through its marshmallow schema: anything else is a 400."""

from __future__ import annotations

from flask import abort, request
from marshmallow import Schema, ValidationError

from hotline.api.schemas import NoBodySchema


def load(schema: type[Schema]) -> dict:
    """The request's JSON object, validated and loaded by `schema`. A body that
    is not a JSON object, or does not match, is refused with 400 and a message
    naming the fields at fault (never echoing their values)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="send a JSON object (Content-Type: application/json)")
    try:
        return schema().load(data)
    except ValidationError as error:
        fields = ", ".join(sorted(str(name) for name in error.normalized_messages()))
        abort(400, description=f"invalid or missing field(s): {fields}")


def nothing() -> None:
    """A body that should carry nothing: empty, or `{}` (NoBodySchema); anything else is a 400."""
    if request.get_data(cache=True):
        load(NoBodySchema)
