"""A scripted caller for webhook tests: posts signed webhooks for one CallSid."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Call

HOTLINE = "+77172000000"


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
