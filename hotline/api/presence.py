"""PUT /api/v1/me/presence: the operator says whether they take calls, and where.

From the console (its logged-in session; the CSRF check in hotline/web_security.py
wants X-CSRFToken) or with the user's own API token. When a request carries a
Bearer token, the token decides, as on every API route: an integration's
read-only token is refused with 403.
"""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.bodies import load
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, MeSchema
from hotline.models import utcnow
from hotline.models.states import CHOSEN_PRESENCE, Device, Presence
from hotline.operators import desk


class PresenceChoiceSchema(Schema):
    """What an operator may choose; the other states are the system's."""

    presence = fields.String(required=True, validate=validate.OneOf(sorted(CHOSEN_PRESENCE)))
    device = fields.String(
        validate=validate.OneOf([device.value for device in Device]),
        metadata={"description": "where calls ring: the console's softphone or the account's own phone"},
    )


@bp.put("/me/presence")
@documented(
    "Choose your presence (available or away) and, optionally, your device",
    {200: MeSchema, 403: ErrorSchema, 409: ErrorSchema},
    body=PresenceChoiceSchema,
)
@session_or_token(write=True)
def choose_presence():
    choice = load(PresenceChoiceSchema)
    device = Device(choice["device"]) if "device" in choice else None
    desk.choose_presence(g.api_user, Presence(choice["presence"]), device, utcnow())
    return MeSchema().dump(g.api_user)
