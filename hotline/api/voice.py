"""GET /api/v1/me/voice-token: the console's softphone registers with this."""

from __future__ import annotations

from flask import abort, current_app, g

from hotline.api import bp
from hotline.api.access import session_or_token
from hotline.api.openapi import documented
from hotline.api.schemas import ErrorSchema, VoiceTokenSchema
from telephony import access as softphone


@bp.get("/me/voice-token")
@documented("An access token for the user's softphone (Voice SDK)", {200: VoiceTokenSchema, 403: ErrorSchema})
@session_or_token
def voice_token():
    if g.api_user is None:
        abort(403, description="this token belongs to no user")
    config = current_app.config
    identity = softphone.client_identity(g.api_user.id, config["SECRET_KEY"])
    token = softphone.access_token(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_API_KEY"], config["TWILIO_API_SECRET"], identity
    )
    return VoiceTokenSchema().dump(
        {"token": token, "identity": identity, "expires_in": softphone.TOKEN_SECONDS}
    )
