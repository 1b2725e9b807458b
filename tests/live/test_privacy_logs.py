"""No phone number reaches the logs: a full simulated call through a live server,
with every logger at DEBUG (the app's, werkzeug's request lines, SQLAlchemy,
the twilio client's, urllib3's) and the process's own stdout and stderr."""

from __future__ import annotations

import logging
import re

import pytest

from telephony.simulator.phone import Script
from tests.support.live_server import LiveServer, serve

NUMBER = "+77015551234"
# E.164, without the plus, the national form, the last ten digits.
FORMS = (NUMBER, NUMBER[1:], "8" + NUMBER[2:], NUMBER[-10:])
SEPARATORS = re.compile(r"(?<=\d)[\s\-().]+(?=\d)")


@pytest.fixture
def live(make_app) -> LiveServer:
    with serve(make_app) as server:
        yield server


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    # SQLAlchemy keeps its own loggers at WARNING; open them too, statements and parameters.
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    return caplog


def messages(caplog) -> list[str]:
    """Each record as a handler would write it, plus its raw arguments."""
    handler_text = caplog.text.splitlines()
    return handler_text + [f"{record.getMessage()} {record.args!r}" for record in caplog.records]


def assert_no_number(texts: list[str]) -> None:
    for text in texts:
        squeezed = SEPARATORS.sub("", text)
        for form in FORMS:
            assert form not in squeezed, f"a phone number is in: {text[:200]}"


def test_a_full_simulated_call_logs_no_phone_number(live, everything_logged, capfd):
    result = live.phone().call(NUMBER, Script(digits=("2", "3"), in_queue="callback"))
    assert result.queue_result == "leave"  # menu, queue, callback request, status callback

    texts = messages(everything_logged)
    out, err = capfd.readouterr()
    assert_no_number([*texts, *out.splitlines(), *err.splitlines()])

    app_lines = [
        r.getMessage() for r in everything_logged.records if r.name.startswith(("hotline", "telephony"))
    ]
    assert any(result.call_sid in line for line in app_lines), "the app's log names the CallSid"
    assert any(r.name == "werkzeug" for r in everything_logged.records), (
        "werkzeug's request lines were captured"
    )


def test_placing_a_call_and_an_sms_through_the_rest_api_logs_no_phone_number(live, everything_logged, capfd):
    telephony = live.telephony
    phone = live.phone()
    with phone.answers_for(NUMBER):
        call_sid = telephony.place_call(NUMBER, "+77172000000", live.url + "/telephony/voice/incoming")
        telephony.send_sms(NUMBER, "Мы перезвоним вам завтра.")
        phone.decline(call_sid, "busy")

    out, err = capfd.readouterr()
    assert_no_number([*messages(everything_logged), *out.splitlines(), *err.splitlines()])
    # twilio-python logs each request's query string at INFO: the app keeps it to warnings.
    assert not logging.getLogger("twilio.http_client").isEnabledFor(logging.INFO)
    assert any(
        call_sid in r.getMessage() for r in everything_logged.records if r.name.startswith("telephony")
    )
