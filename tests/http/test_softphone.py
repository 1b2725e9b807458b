"""GET /api/v1/me/voice-token: an access token the Voice SDK accepts, for the
user's opaque client identity, that names no username."""

from __future__ import annotations

import jwt
import pytest

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import User
from telephony import access as softphone
from tests.support.pages import PASSWORD, log_in


@pytest.fixture
def aigerim_id(app, staff, app_context) -> int:
    return db.session.query(User.id).filter_by(username="aigerim").scalar()


def decoded(app, token: str) -> dict:
    return jwt.decode(token, app.config["TWILIO_API_SECRET"], algorithms=["HS256"])


def test_the_token_lets_the_softphone_receive_calls_for_its_identity(app, client, aigerim_id):
    token = auth.create_token("aigerim's", "aigerim")
    answer = client.get("/api/v1/me/voice-token", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    body = answer.json
    identity = softphone.client_identity(aigerim_id, app.config["SECRET_KEY"])
    assert (body["identity"], body["expires_in"]) == (identity, 3600)
    claims = decoded(app, body["token"])
    assert claims["grants"]["identity"] == identity
    assert claims["grants"]["voice"] == {"incoming": {"allow": True}}
    assert claims["iss"] == app.config["TWILIO_API_KEY"]
    assert claims["sub"] == app.config["TWILIO_ACCOUNT_SID"]
    assert claims["exp"] - claims["nbf"] == 3600
    assert jwt.get_unverified_header(body["token"])["cty"] == "twilio-fpa;v=1"
    assert "aigerim" not in jwt.utils.base64url_decode(body["token"].split(".")[1]).decode()
    assert "aigerim" not in answer.get_data(as_text=True)


def test_the_session_gets_a_token_too(app, client, aigerim_id):
    log_in(client, "aigerim", PASSWORD)
    answer = client.get("/api/v1/me/voice-token")
    assert answer.status_code == 200
    assert decoded(app, answer.json["token"])["grants"]["identity"] == answer.json["identity"]


def test_a_token_signed_with_another_secret_is_not_ours(app, client, aigerim_id):
    token = auth.create_token("aigerim's", "aigerim")
    body = client.get("/api/v1/me/voice-token", headers={"Authorization": f"Bearer {token}"}).json
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(body["token"], "x" * 40, algorithms=["HS256"])


def test_no_user_no_token(client, app_context):
    assert client.get("/api/v1/me/voice-token").status_code == 401
    integration = auth.create_token("wallboard")
    answer = client.get("/api/v1/me/voice-token", headers={"Authorization": f"Bearer {integration}"})
    assert answer.status_code == 403
