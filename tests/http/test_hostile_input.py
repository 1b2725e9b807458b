"""Hostile and malformed requests through the test client: bodies too large or with too
many fields (413 before anything is parsed or signed), counts that are not ASCII
digits, fields with a trailing newline, and the signature over the URL as requested."""

from __future__ import annotations

import io

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.calls import routing
from hotline.core.parsing import whole_number
from telephony import forms
from tests.support.calls import ScriptedCall, TwilioWebhooks, twiml
from tests.support.clock import next_saturday_at
from tests.support.database import row_counts

SATURDAY_NOON = next_saturday_at(12)  # closed on weekday hours

NOT_COUNTS = ["²", "٣", "+1", "-1", " 1", "1 ", "1\n", "1_000", "0x1", "1e3", "", "1" * 10, "１"]


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_only_ascii_digits_are_a_whole_number(text):
    assert whole_number(text) is None


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_count_reads_back(number):
    assert whole_number(str(number)) == number


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_a_whole_number_is_exactly_ascii_digits(text):
    expected = int(text) if text and len(text) <= 9 and all(c in "0123456789" for c in text) else None
    assert whole_number(text) == expected


@pytest.mark.parametrize("digits", ["٣", "²", "+1", "0x1"])
def test_menus_take_ascii_keys_only(digits):
    assert routing.choose_language(digits, ["kk", "ru", "en"]) is None
    with pytest.raises(routing.InvalidMenu):
        routing.parse_need_menu(f"{digits}=legal")


COUNTS = ["QueueTime", "QueuePosition", "RecordingDuration", "CallDuration", "SequenceNumber"]


@pytest.mark.parametrize("field", COUNTS)
@pytest.mark.parametrize("text", ["²", "٣", "+1", " 1", "1\n", "-4", "1" * 10])
def test_every_count_in_a_webhook_takes_ascii_digits_only(app, field, text):
    refused = pytest.raises(forms.BadWebhook, match=f"{field} must be a whole number of at least 0")
    with app.test_request_context(method="POST", data={field: text}), refused:
        forms.count(field)
    with app.test_request_context(method="POST", data={field: "120"}):
        assert forms.count(field) == 120


@pytest.mark.parametrize(
    ("path", "fields", "message"),
    [
        ("/telephony/voice/queue-result", {"QueueResult": "hangup", "QueueTime": "²"}, "QueueTime must be"),
        ("/telephony/voice/queue-result", {"QueueResult": "hangup", "QueueTime": "٣"}, "QueueTime must be"),
        ("/telephony/voice/queue-result", {"QueueResult": "hangup", "QueueTime": "+1"}, "QueueTime must be"),
        ("/telephony/voice/status", {"CallStatus": "completed", "CallDuration": "٣"}, "CallDuration must be"),
        ("/telephony/voice/status", {"CallStatus": "completed", "SequenceNumber": "1\n"}, "SequenceNumber"),
        ("/telephony/voice/status", {"CallStatus": "completed", "SequenceNumber": " 1"}, "SequenceNumber"),
    ],
)
def test_a_queued_call_with_counts_in_other_digits_is_400(twilio, app_context, path, fields, message):
    call = ScriptedCall(twilio)
    call.to_queue()
    before, record = row_counts(), call.record()
    snapshot = (record.stage, record.status, record.queue_result, record.wait_seconds)
    response = call.post(path, **fields)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    record = call.record()
    assert row_counts() == before
    assert (record.stage, record.status, record.queue_result, record.wait_seconds) == snapshot


@pytest.mark.parametrize(
    ("path", "fields", "message"),
    [
        ("/telephony/voice/menu?attempt=%D9%A3", {"Digits": "3"}, "attempt must be a whole number"),
        ("/telephony/voice/menu?attempt=%C2%B2", {"Digits": "3"}, "attempt must be a whole number"),
        ("/telephony/voice/menu?attempt=1%0A", {"Digits": "3"}, "attempt must be a whole number"),
        ("/telephony/voice/menu?attempt=1", {"Digits": "3\n"}, "Digits must be keypad digits"),
        ("/telephony/voice/menu?attempt=1", {"Digits": "٣"}, "Digits must be keypad digits"),
        ("/telephony/voice/language?attempt=1", {"Digits": "2\n"}, "Digits must be keypad digits"),
    ],
)
def test_a_menu_answer_in_other_digits_is_400(twilio, app_context, path, fields, message):
    call = ScriptedCall(twilio)
    call.dial()
    if "/menu" in path:
        call.press("/telephony/voice/language?attempt=1", "2")
    before, record = row_counts(), call.record()
    snapshot = (record.stage, record.language, record.queue)
    response = call.post(path, **fields)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    record = call.record()
    assert row_counts() == before
    assert (record.stage, record.language, record.queue) == snapshot


@pytest.mark.parametrize("path", ["/telephony/voice/incoming", "/telephony/voice/status"])
def test_a_callsid_with_a_trailing_newline_is_400_and_makes_no_second_call(twilio, app_context, path):
    call = ScriptedCall(twilio)
    call.dial()
    before = row_counts()
    fields = {"CallSid": call.sid + "\n", "From": "+77015551234", "CallStatus": "completed"}
    response = twilio.post(path, fields)
    assert response.status_code == 400
    assert "CallSid is malformed" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.fixture
def after_hours_call(make_app):
    """A call that chose to leave a voice message outside office hours (a Saturday)."""
    app = make_app(HOTLINE_HOURS="mon-fri 09:00-18:00")
    with app.app_context(), time_machine.travel(SATURDAY_NOON, tick=False):
        call = ScriptedCall(TwilioWebhooks(app.test_client()))
        call.dial()
        call.press("/telephony/voice/language?attempt=1", "2")
        call.press("/telephony/voice/menu?attempt=1", "3")
        call.press("/telephony/voice/after-hours?attempt=1", "2")
        yield call


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"RecordingDuration": "٣"}, "RecordingDuration must be"),
        ({"RecordingSid": "RE" + "0" * 32 + "\n"}, "RecordingSid is malformed"),
    ],
)
def test_a_voice_message_with_malformed_fields_is_400(after_hours_call, fields, message):
    fields = {"RecordingSid": "RE" + "0" * 32, "RecordingUrl": "https://api.twilio.com/rec", **fields}
    response = after_hours_call.post("/telephony/voice/message", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert after_hours_call.record().recording_sid is None


# --- bounded requests -------------------------------------------------------


def test_an_oversized_body_is_413_before_the_signature_is_checked(client, app_context):
    body = b"CallSid=" + b"A" * (64 * 1024)
    response = client.post(
        "/telephony/voice/incoming",
        data=body,
        headers={"X-Twilio-Signature": "Zm9yZ2Vk", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.get_data(as_text=True) == (
        "413 Request Entity Too Large: the request body is larger than 65536 bytes\n"
    )
    assert row_counts() == [0, 0, 0, 0, 0]


def test_an_oversized_body_of_unknown_length_is_413(client, app_context):
    # What a server hands over for a chunked upload: no CONTENT_LENGTH, a terminated stream.
    response = client.post(
        "/telephony/voice/incoming",
        input_stream=io.BytesIO(b"From=" + b"7" * (200 * 1024)),
        headers={
            "X-Twilio-Signature": "Zm9yZ2Vk",
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert "larger than 65536 bytes" in response.get_data(as_text=True)


def test_a_form_with_too_many_fields_is_413_even_when_signed(twilio, app_context):
    fields = {f"F{n}": "" for n in range(200)} | {"CallSid": twilio.new_call_sid(), "From": "+77015551234"}
    response = twilio.post("/telephony/voice/incoming", fields)
    assert response.status_code == 413
    assert "more than 200 fields" in response.get_data(as_text=True)
    assert row_counts() == [0, 0, 0, 0, 0]


def test_the_limits_come_from_the_environment(monkeypatch, make_app):
    monkeypatch.setenv("HOTLINE_MAX_REQUEST_BYTES", "1024")
    monkeypatch.setenv("HOTLINE_MAX_FORM_FIELDS", "40")
    app = make_app()
    assert (app.config["MAX_CONTENT_LENGTH"], app.config["MAX_FORM_PARTS"]) == (1024, 40)
    client = app.test_client()
    response = client.post("/telephony/voice/status", data={"CallSid": "CA" + "0" * 32, "x": "y" * 1024})
    assert response.status_code == 413
    response = client.post("/telephony/voice/status", data={f"F{n}": "1" for n in range(41)})
    assert response.status_code == 413
    assert "more than 40 fields" in response.get_data(as_text=True)


def test_a_webhook_of_ordinary_size_still_passes(twilio, app_context):
    # Twilio's own forms carry some 30 fields; each of them at 100 characters is still well in.
    call = ScriptedCall(twilio)
    root = twiml(call.dial(**{f"Extra{n}": "x" * 100 for n in range(60)}))
    assert root.find("Gather") is not None


# --- the signature over the URL as requested --------------------------------

ENCODED = "/telephony/voice/menu?attempt=1&from=a%2Fb"


def test_a_signature_over_the_url_as_requested_passes(twilio, client, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    call.press("/telephony/voice/language?attempt=1", "2")
    data = {"CallSid": call.sid, "Digits": "3"}
    signature = twilio.validator.compute_signature("http://localhost" + ENCODED, data)
    response = client.post(ENCODED, data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert call.record().queue == "legal"


@pytest.mark.parametrize(
    ("signed", "requested"),
    [
        (ENCODED, ENCODED.replace("a%2Fb", "a%2Fc")),
        (ENCODED.replace("%2F", "/"), ENCODED),
        (ENCODED, ENCODED.replace("%2F", "/")),
        (ENCODED, ENCODED.replace("%2F", "%2f")),
    ],
)
def test_a_signature_over_another_spelling_of_the_url_is_refused(
    twilio, client, app_context, signed, requested
):
    call = ScriptedCall(twilio)
    call.dial()
    data = {"CallSid": call.sid, "Digits": "3"}
    signature = twilio.validator.compute_signature("http://localhost" + signed, data)
    response = client.post(requested, data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert call.record().queue is None
