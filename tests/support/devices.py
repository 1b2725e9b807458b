"""The operator's side of the simulator's <Dial>: softphones (simulated devices) with
access tokens minted as the hotline mints them, and a stand-in hotline (`FakeHotline`)
answering the contract's TwiML on test routes of the real app."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, request
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from twilio.request_validator import RequestValidator

from hotline.extensions import csrf
from telephony.simulator.device import SimulatedDevice
from tests.support.calls import AUTH_TOKEN
from tests.support.live_server import LiveServer

OPERATOR_PHONE = "+77019998877"
IDENTITY = "op-4f1c9a"  # the softphone's client identity


def access_token(config, identity: str, *, ttl: int = 3600, incoming: bool = True, **overrides) -> str:
    """A Voice SDK access token, minted as the hotline mints it."""
    settings = {
        "account_sid": config["TWILIO_ACCOUNT_SID"],
        "signing_key_sid": config["TWILIO_API_KEY"],
        "secret": config["TWILIO_API_SECRET"],
        **overrides,
    }
    token = AccessToken(**settings, identity=identity, ttl=ttl)
    token.add_grant(VoiceGrant(incoming_allow=incoming))
    return token.to_jwt()


class FakeHotline:
    """The hotline's webhooks for the operator's leg, as the contract has them."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict, bool]] = []
        self.noun = f"<Client {self.callback_attributes}>{IDENTITY}</Client>"
        self.timeout = 20
        self.after_dial = ""
        self.dial_attributes = ""

    callback_attributes = (
        'statusCallback="/test/operator-leg" statusCallbackEvent="ringing answered completed" '
        'statusCallbackMethod="POST"'
    )

    def dial_number(self, number: str) -> None:
        self.noun = f"<Number {self.callback_attributes}>{number}</Number>"

    def answers(self) -> dict[str, Callable[[], str]]:
        """Each test route's path, and the TwiML (inside <Response>) it answers now."""
        return {
            "/test/connect": lambda: (
                f'<Say>Connecting you.</Say><Dial action="/test/dial-result" method="POST" '
                f'timeout="{self.timeout}"{self.dial_attributes}>{self.noun}</Dial>'
            ),
            "/test/dial-result": lambda: self.after_dial,
            "/test/operator-leg": lambda: "",
            "/test/status": lambda: "",
            "/test/wait": lambda: "<Say>Please hold.</Say>",
            "/test/elsewhere": lambda: "<Say>Elsewhere.</Say><Hangup/>",
        }

    def prepare(self, app: Flask) -> None:
        validator = RequestValidator(AUTH_TOKEN)
        # Signed by the simulator as Twilio signs: exempt from CSRF as telephony/'s own webhooks are.
        routes = Blueprint("test_twiml", __name__)
        csrf.exempt(routes)

        def answering(body: Callable[[], str]) -> Callable:
            def answer():
                signature = request.headers.get("X-Twilio-Signature", "")
                signed = validator.validate(request.url, request.form, signature)
                self.received.append((request.path, request.form.to_dict(), signed))
                return f"<Response>{body()}</Response>", 200, {"Content-Type": "application/xml"}

            return answer

        for path, body in self.answers().items():
            routes.add_url_rule(path, path.replace("/", "_"), answering(body), methods=["POST"])
        app.register_blueprint(routes)

    def forms(self, path: str) -> list[dict]:
        return [form for received, form, _ in self.received if received == path]

    def all_signed(self) -> bool:
        return all(signed for _, _, signed in self.received)

    def leg_statuses(self) -> list[str]:
        return [form["CallStatus"] for form in self.forms("/test/operator-leg")]


def device_for(live: LiveServer, identity: str = IDENTITY) -> SimulatedDevice:
    device = SimulatedDevice(live.url, access_token(live.app.config, identity), poll_seconds=0.02)
    assert device.register() == identity
    return device
