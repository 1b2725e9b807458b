"""Webhooks as Twilio posts them, signed, and a scripted caller posting them for one CallSid."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET

import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from config import DEV_AUTH_TOKEN
from hotline.extensions import db
from hotline.models import Call
from tests.support import surrogates

HOTLINE = "+77172000000"
AUTH_TOKEN = DEV_AUTH_TOKEN


class TwilioWebhooks:
    """Posts webhooks as Twilio does: form-encoded, signed with the auth token.

    A value with a lone surrogate (which UTF-8 cannot encode) goes as its raw
    bytes, percent-encoded, signed over the text the app would read from them."""

    def __init__(self, client, auth_token: str = AUTH_TOKEN, base_url: str = "http://localhost") -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url

    @staticmethod
    def new_call_sid() -> str:
        return "CA" + secrets.token_hex(16)

    def post(self, path: str, data: dict, signature: str | None = None, headers: dict | None = None):
        url = self.base_url + path
        pairs = list(MultiDict(data).items(multi=True))
        unencodable = surrogates.has_surrogate(*(text for pair in pairs for text in pair))
        if signature is None:
            read = MultiDict([(surrogates.as_read(name), surrogates.as_read(value)) for name, value in pairs])
            signature = self.validator.compute_signature(url, read)
        all_headers = {"X-Twilio-Signature": signature} if signature else {}
        all_headers.update(headers or {})
        if unencodable:
            all_headers["Content-Type"] = surrogates.FORM
            return self.client.post(path, data=surrogates.form_body(pairs), headers=all_headers)
        return self.client.post(path, data=data, headers=all_headers)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("application/xml")
    return ET.fromstring(response.get_data())


def spoken(root: ET.Element) -> str:
    """Everything the caller hears from <Say>, in order."""
    return " ".join(node.text or "" for node in root.iter("Say"))


class ScriptedCall:
    def __init__(self, twilio, from_number: str | None = "+77015551234") -> None:
        self.twilio = twilio
        self.sid = twilio.new_call_sid()
        self.from_number = from_number

    def post(self, path: str, **fields):
        return self.twilio.post(path, {"CallSid": self.sid, **fields})

    def dial(self, **extra):
        fields = {"From": self.from_number or "anonymous", "To": HOTLINE, "CallStatus": "ringing", **extra}
        return self.post("/telephony/voice/incoming", **fields)

    def press(self, path: str, digits: str | None):
        return self.post(path, **({"Digits": digits} if digits is not None else {}))

    def to_queue(self, language: str = "2", need: str = "3") -> ET.Element:
        """Dial, choose a language and a need: the answer holding <Enqueue>."""
        self.dial()
        self.press("/telephony/voice/language?attempt=1", language)
        return twiml(self.press("/telephony/voice/menu?attempt=1", need))

    def record(self) -> Call:
        db.session.expire_all()
        return db.session.scalars(select(Call).where(Call.call_sid == self.sid)).one()


class Http:
    """The client TwilioWebhooks posts through, over real HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    def post(self, path: str, data: dict, headers: dict) -> requests.Response:
        return requests.post(self.url + path, data=data, headers=headers, timeout=15)
