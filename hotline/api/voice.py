"""GET /api/v1/me/voice-token: the console's softphone registers with this."""

from __future__ import annotations

import dataclasses

from flask import abort, current_app, g

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, VoiceTokenSchema


@bp.get("/me/voice-token")
@documented("An access token for the user's softphone (Voice SDK)", {200: VoiceTokenSchema, 403: ErrorSchema})
@session_or_token
def voice_token():
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    token = current_app.extensions["telephony"].voice_token(g.api_user.id)
    return VoiceTokenSchema().dump(dataclasses.asdict(token))
