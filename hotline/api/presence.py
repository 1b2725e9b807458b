"""PUT /api/v1/me/presence: the operator says whether they take calls, and where.

From the console (its logged-in session; the CSRF check in hotline/web_security.py
wants X-CSRFToken) or with the user's own API token. When a request carries a
Bearer token, the token decides, as on every API route: an integration's
read-only token is refused with 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user
from marshmallow import Schema, fields, validate

from hotline import presence
from hotline.api import bp
from hotline.api.bodies import load
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, MeSchema
from hotline.auth import token_required
from hotline.extensions import db
from hotline.lifecycle import CHOSEN_PRESENCE, Device, Presence
from hotline.models import utcnow


class PresenceChoiceSchema(Schema):
    """What an operator may choose; the other states are the system's."""

    presence = fields.String(required=True, validate=validate.OneOf(sorted(CHOSEN_PRESENCE)))
    device = fields.String(
        validate=validate.OneOf([device.value for device in Device]),
        metadata={"description": "where calls ring: the console's softphone or the account's own phone"},
    )


def session_or_token_writer(view: Callable) -> Callable:
    """The logged-in session, or (when sent, and always without a session) a
    user's API token that may write."""
    by_token = token_required(view, write=True)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and "Authorization" not in request.headers:
            g.api_token, g.api_user = None, current_user._get_current_object()
            return view(*args, **kwargs)
        return by_token(*args, **kwargs)

    return wrapper


@bp.put("/me/presence")
@documented(
    "Choose your presence (available or away) and, optionally, your device",
    {200: MeSchema, 403: ErrorSchema, 409: ErrorSchema},
    body=PresenceChoiceSchema,
)
@session_or_token_writer
def choose_presence():
    choice = load(PresenceChoiceSchema)
    device = Device(choice["device"]) if "device" in choice else None
    user = g.api_user
    try:
        presence.choose(user, Presence(choice["presence"]), device, utcnow())
    except presence.PresenceRefused as refused:
        db.session.rollback()
        abort(409, description=str(refused))
    db.session.commit()
    return MeSchema().dump(user)
