"""Operators at their desks, for offer and accept tests: users with skills and
languages, their presence, callers in the queue that the simulator's network
knows (so accepting can redirect them), and the API's answers through a test
client or a live server."""

from __future__ import annotations

import base64
import logging
from datetime import datetime

from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Call, Offer, Role, User
from telephony.client import TWILIO_API, TwilioTelephony
from telephony.simulator.carrier import Carrier
from telephony.simulator.transport import FlaskClientTransport, HttpTransport
from tests.support.calls import ScriptedCall

PASSWORD = "correct horse battery"


class TestClientHttp(HttpClient):
    """twilio-python's HTTP client, sending to the app's own simulator through a
    Flask test client (the in-process twin of the simulator's HTTP base URL)."""

    def __init__(self, flask_client) -> None:
        super().__init__(logging.getLogger(__name__), is_async=False)
        self.flask_client = flask_client

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        path = "/simulator" + url[len(TWILIO_API) :]
        answer = self.flask_client.open(path, method=method, query_string=params, data=data, headers=headers)
        return TwilioResponse(answer.status_code, answer.get_data(as_text=True), dict(answer.headers))


def in_process_telephony(app) -> TwilioTelephony:
    """The app's telephony adapter, reaching its own simulator through a test client."""
    return TwilioTelephony(app.config, TestClientHttp(app.test_client()))


def network(app, base_url: str | None = None) -> Carrier:
    """The simulated network's signalling channel: in process, or over HTTP to `base_url`."""
    transport = HttpTransport() if base_url else FlaskClientTransport(app.test_client())
    return Carrier(
        base_url or "http://localhost",
        account_sid=app.config["TWILIO_ACCOUNT_SID"],
        auth_token=app.config["TWILIO_AUTH_TOKEN"],
        transport=transport,
    )


def operator(
    username: str,
    queues: list[str],
    languages: list[str],
    *,
    available_since: datetime | None = None,
    role: Role = Role.OPERATOR,
) -> int:
    """A user (in an app context), available since `available_since` if given."""
    user, _ = create_user(username, role, PASSWORD, queues=queues, languages=languages)
    if available_since is not None:
        user.presence, user.presence_since = "available", available_since
        db.session.commit()
    return user.id


def queued(
    twilio, carrier: Carrier | None = None, language: str = "2", need: str = "3", number: str | None = None
) -> str:
    """A caller in a queue (ru, legal by default), ringing on the simulated network; their CallSid."""
    call = ScriptedCall(twilio, number or f"+7701{abs(hash(twilio.new_call_sid())) % 10**7:07d}")
    if carrier is not None:
        carrier.network(call.sid, "ring", **{"from": "+77010000000", "to": "+77172000000"})
    call.dial()
    call.press("/telephony/voice/language?attempt=1", language)
    answer = call.press("/telephony/voice/menu?attempt=1", need)
    assert answer.status_code == 200, answer
    return call.sid


def open_offers() -> list[tuple[str, str]]:
    """(call_sid, username) of every open offer."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Call.call_sid, User.username)
        .join(Offer, Offer.call_id == Call.id)
        .join(User, User.id == Offer.user_id)
        .where(Offer.status == "open")
        .order_by(Offer.id)
    ).all()
    return [tuple(row) for row in rows]


def offer_of(call_sid: str) -> Offer | None:
    db.session.expire_all()
    return db.session.scalars(
        select(Offer)
        .join(Call, Call.id == Offer.call_id)
        .where(Call.call_sid == call_sid, Offer.status == "open")
    ).first()


def presence_of(username: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.presence).where(User.username == username))


def stage_of(call_sid: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Call.stage).where(Call.call_sid == call_sid))


def offer_status(offer_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Offer, offer_id).status
