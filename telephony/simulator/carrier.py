"""The phone network's side of the wire: what every simulated call sends to the app.

Webhooks go as Twilio sends them: form-encoded, signed with the auth token
(X-Twilio-Signature over the full URL and the form). Each step of a call is also
reported to the simulator's network (/simulator/network/…), with the REST API's
auth, and its answer says where the call stands. A leg of a call (`leg`) sends
through this; the phone (`phone`) is this plus placing and answering calls.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from telephony.simulator.errors import Refused
from telephony.simulator.script import Line
from telephony.simulator.transport import HttpTransport, Reply, Transport


class Carrier:
    """Signed webhooks and network steps to the app at `base_url`, for one account."""

    def __init__(
        self,
        base_url: str,
        *,
        account_sid: str,
        auth_token: str,
        transport: Transport | None = None,
        listener: Callable[[Line], None] | None = None,
    ) -> None:
        """`listener`, if given, hears each line of a call's transcript as it happens."""
        self.base_url = base_url.rstrip("/")
        self.listener = listener
        self.account_sid = account_sid
        self.validator = RequestValidator(auth_token)
        self.transport = transport or HttpTransport()
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._authorization = f"Basic {credentials}"
        self._audio_checked: dict[str, int] = {}

    def network(self, call_sid: str, event: str, **fields) -> dict:
        """Report a step of the call to the simulator; its answer (see simulator.network)."""
        return self._signal(f"calls/{call_sid}", {"event": event, **fields}, f"{event!r} for call {call_sid}")

    def network_numbers(self, number: str, seconds: float) -> dict:
        """Answer for `number` (the simulator places its calls here) for `seconds`; 0 stops."""
        return self._signal("numbers", {"number": number, "seconds": seconds}, "answering for a number")

    def _signal(self, path: str, body: dict, what: str) -> dict:
        url = f"{self.base_url}/simulator/network/{path}"
        headers = {"Authorization": self._authorization}
        reply = self.transport.send("POST", url, body=body, headers=headers)
        if reply.status == 401:
            raise Refused(
                "the simulator refused the account SID or auth token: are TWILIO_ACCOUNT_SID and "
                "TWILIO_AUTH_TOKEN the app's?",
                reply.status,
            )
        if reply.status == 404 and "application/json" not in reply.content_type:
            raise Refused(
                f"no telephony simulator at {self.base_url}: is TELEPHONY_SIMULATOR on there?", reply.status
            )
        if reply.status != 200:
            message = _json_message(reply.text)
            raise Refused(f"the simulator refused {what}: {message}", reply.status)
        return json.loads(reply.text)

    def webhook(self, url: str, method: str, params: dict[str, str]) -> Reply:
        """Request `url` as Twilio does: a form-encoded POST, signed over the URL and the form.
        A GET carries the parameters, the caller's number among them, in the URL, as on
        Twilio: that is why the hotline's TwiML asks for POST."""
        method = method.upper()
        if method == "GET":
            url = url + ("&" if "?" in url else "?") + urlencode(params)
            params = {}
        headers = {
            "X-Twilio-Signature": self.validator.compute_signature(url, params),
            "User-Agent": "TwilioProxy/1.1 (Hotline simulator)",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        return self.transport.send(method, url, form=params or None, headers=headers)

    def audio_status(self, url: str) -> int | None:
        """Fetch audio a <Play> names, once per URL, as Twilio would; None if it is not the app's."""
        if not url.startswith(self.base_url + "/"):
            return None
        if url not in self._audio_checked:
            self._audio_checked[url] = self.transport.send("GET", url, headers={}).status
        return self._audio_checked[url]


def _json_message(text: str) -> str:
    try:
        return str(json.loads(text).get("message", "error"))
    except (ValueError, AttributeError):
        return "error"
