"""The hotline's side of a call it places (a call back), as test routes on the real app:
the person's TwiML, the operator's leg that dials the person's <Number> with machine
detection, the Number's url (what the person hears before being put through), and
every status callback, recorded with whether its signature holds.

Its fixtures (a pytest plugin, see tests/conftest.py): `dialler`, and `dialling`,
which serves the app with those routes and settings where nothing waits unless a
test says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import request

from telephony.vocabulary import FINAL_STATUSES
from tests.support.devices import FakeHotline
from tests.support.live_server import LiveServer, serve
from tests.support.waiting import eventually

PERSON = "+77015557788"
HOTLINE = "+77172000000"
TOPIC = "legal question"  # what a machine must never hear
EVENTS = ["initiated", "ringing", "answered", "completed"]


class FakeDialler(FakeHotline):
    """The routes a call back needs, beside FakeHotline's."""

    def __init__(self) -> None:
        super().__init__()
        self.number_attributes = (
            'machineDetection="Enable" url="/test/screen" statusCallback="/test/leg-status" '
            'statusCallbackEvent="initiated ringing answered completed"'
        )
        self.after_dial = "<Hangup/>"
        self.person = PERSON  # the number the operator's leg dials

    def answers(self) -> dict[str, Callable[[], str]]:
        return {
            **super().answers(),
            "/test/person": lambda: self.for_whoever_answered(
                human=f"<Say>The hotline calls you back about your {TOPIC}.</Say><Hangup/>",
                machine="<Say>Hello. We will call again.</Say><Hangup/>",
            ),
            "/test/operator": lambda: (
                f'<Say>Calling the person back.</Say><Dial callerId="{HOTLINE}" action="/test/dial-result" '
                f'timeout="{self.timeout}"><Number {self.number_attributes}>{self.person}</Number></Dial>'
            ),
            "/test/screen": lambda: self.for_whoever_answered(
                human=f"<Say>A call back about your {TOPIC}.</Say>", machine="<Hangup/>"
            ),
            "/test/leg-status": lambda: "",
        }

    @staticmethod
    def for_whoever_answered(human: str, machine: str) -> str:
        return machine if request.form.get("AnsweredBy", "").startswith("machine") else human

    def statuses(self, path: str = "/test/status") -> list[str]:
        return [form["CallStatus"] for form in self.forms(path)]


def place(live: LiveServer, to: str = PERSON, url: str = "/test/person", **options) -> str:
    """A call the hotline places through the real twilio client, with every status event."""
    call = live.telephony.client.calls.create(
        to=to,
        from_=HOTLINE,
        url=live.url + url,
        status_callback=live.url + "/test/status",
        status_callback_event=EVENTS,
        **options,
    )
    return call.sid


def ended(live: LiveServer, call_sid: str, timeout: float = 10) -> str:
    """The call's final status, once it has one."""

    def final() -> str | None:
        status = live.telephony.client.calls(call_sid).fetch().status
        return status if status in FINAL_STATUSES else None

    return eventually(final, timeout=timeout, what=f"call {call_sid} never ended")


@pytest.fixture
def dialler() -> FakeDialler:
    return FakeDialler()


@pytest.fixture
def dialling(make_app, dialler):
    """`dialling(**settings)`: a context manager serving the app with the dialler's routes."""

    def serving(**settings):
        defaults = {"SIMULATOR_ANSWER_SECONDS": 0, "SIMULATOR_RING_SECONDS": 0}
        return serve(make_app, prepare=dialler.prepare, **{**defaults, **settings})

    return serving
