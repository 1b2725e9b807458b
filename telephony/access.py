"""The console's softphone: who the phone network puts an operator's calls through to.

A browser softphone registers under a client identity. It is opaque (derived
from the user's id with the app's secret key), so neither the phone network nor
anyone reading its logs learns a username from it, and it never changes.
"""

from __future__ import annotations

import hashlib
import hmac

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant


def client_identity(user_id: int, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), f"softphone:{user_id}".encode(), hashlib.sha256)
    return "op" + digest.hexdigest()[:30]


TOKEN_SECONDS = 3600


def access_token(account_sid: str, api_key: str, api_secret: str, identity: str) -> str:
    """A Voice SDK access token (a JWT signed with the API key's secret) that lets
    the browser's softphone receive calls for `identity`, for TOKEN_SECONDS."""
    token = AccessToken(account_sid, api_key, api_secret, identity=identity, ttl=TOKEN_SECONDS)
    token.add_grant(VoiceGrant(incoming_allow=True))
    return token.to_jwt()
