"""Every /telephony/ endpoint: forged or missing signatures, and nonsense fields."""

import pytest

from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.database import row_counts

ENDPOINTS = [
    "/telephony/voice/incoming",
    "/telephony/voice/language?attempt=1",
    "/telephony/voice/menu?attempt=1",
    "/telephony/voice/wait",
    "/telephony/voice/wait/choice",
    "/telephony/voice/queue-result",
    "/telephony/voice/after-hours?attempt=1",
    "/telephony/voice/message",
    "/telephony/voice/status",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_missing_signature_is_refused_and_writes_nothing(twilio, app_context, path):
    call = ScriptedCall(twilio)
    call.to_queue()
    before = row_counts()
    response = twilio.post(path, {"CallSid": call.sid, "From": "+77015559999", "Digits": "1"}, signature="")
    assert response.status_code == 403
    assert "missing X-Twilio-Signature" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("path", ENDPOINTS)
def test_forged_signature_is_refused_and_writes_nothing(twilio, app_context, path):
    call = ScriptedCall(twilio)
    call.to_queue()
    before = row_counts()
    response = twilio.post(path, {"CallSid": call.sid, "From": "+77015559999"}, signature="Zm9yZ2Vk")
    assert response.status_code == 403
    assert "invalid X-Twilio-Signature" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_signature_made_with_another_token_is_refused(client, app_context):
    forger = TwilioWebhooks(client, auth_token="someone-elses-token")
    response = forger.post(
        "/telephony/voice/incoming", {"CallSid": forger.new_call_sid(), "From": "+77015551234"}
    )
    assert response.status_code == 403
    assert row_counts() == [0, 0, 0, 0, 0]


def test_a_signed_request_whose_fields_were_changed_is_refused(twilio, client, app_context):
    sid = twilio.new_call_sid()
    signed_for = {"CallSid": sid, "From": "+77015551234"}
    signature = twilio.validator.compute_signature("http://localhost/telephony/voice/incoming", signed_for)
    response = client.post(
        "/telephony/voice/incoming",
        data={"CallSid": sid, "From": "+77019999999"},
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 403


def test_a_signature_for_another_url_is_refused(twilio, client, app_context):
    data = {"CallSid": twilio.new_call_sid(), "Digits": "1"}
    signature = twilio.validator.compute_signature("http://localhost/telephony/voice/menu?attempt=3", data)
    response = client.post(
        "/telephony/voice/menu?attempt=1", data=data, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_a_replayed_webhook_changes_nothing(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="10")
    call.post("/telephony/voice/status", CallStatus="completed", CallDuration="30", SequenceNumber="3")
    before, record = row_counts(), call.record()
    snapshot = (record.status, record.stage, record.wait_seconds, record.ended_at, record.queue_result)

    for path, fields, answer in [
        ("/telephony/voice/incoming", {"From": "+77015551234", "To": "+77172000000"}, 200),
        # The call has ended: a menu answer for it makes no sense any more.
        ("/telephony/voice/menu?attempt=1", {"Digits": "3"}, 409),
        ("/telephony/voice/queue-result", {"QueueResult": "hangup", "QueueTime": "99"}, 200),
        (
            "/telephony/voice/status",
            {"CallStatus": "completed", "CallDuration": "999", "SequenceNumber": "3"},
            204,
        ),
    ]:
        assert call.post(path, **fields).status_code == answer
    record = call.record()
    assert row_counts() == before
    assert (
        record.status,
        record.stage,
        record.wait_seconds,
        record.ended_at,
        record.queue_result,
    ) == snapshot


def test_behind_a_trusted_proxy_the_public_url_is_checked(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    hooks = TwilioWebhooks(client, base_url="https://hotline.example.org")
    data = {"CallSid": hooks.new_call_sid(), "From": "+77015551234"}
    signature = hooks.validator.compute_signature(
        "https://hotline.example.org/telephony/voice/incoming", data
    )
    headers = {
        "X-Twilio-Signature": signature,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.example.org",
        "X-Forwarded-For": "203.0.113.9",
    }
    assert client.post("/telephony/voice/incoming", data=data, headers=headers).status_code == 200


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(client):
    hooks = TwilioWebhooks(client)
    data = {"CallSid": hooks.new_call_sid(), "From": "+77015551234"}
    signature = hooks.validator.compute_signature(
        "https://hotline.example.org/telephony/voice/incoming", data
    )
    headers = {
        "X-Twilio-Signature": signature,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hotline.example.org",
    }
    assert client.post("/telephony/voice/incoming", data=data, headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("path", "fields", "message"),
    [
        ("/telephony/voice/incoming", {"From": "+77015551234"}, "CallSid is required"),
        ("/telephony/voice/incoming", {"CallSid": "12345", "From": "+77015551234"}, "CallSid is malformed"),
        ("/telephony/voice/incoming", {"CallSid": "CA" + "g" * 32}, "CallSid is malformed"),
        ("/telephony/voice/status", {"CallStatus": "completed"}, "CallSid is required"),
    ],
)
def test_a_signed_request_without_a_usable_callsid_is_400(twilio, app_context, path, fields, message):
    response = twilio.post(path, fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert row_counts() == [0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("path", "fields", "message"),
    [
        ("/telephony/voice/menu?attempt=1", {"Digits": "1; drop table"}, "Digits must be keypad digits"),
        ("/telephony/voice/menu?attempt=x", {"Digits": "1"}, "attempt must be a whole number"),
        ("/telephony/voice/queue-result", {"QueueResult": "exploded"}, "QueueResult has an unknown value"),
        ("/telephony/voice/queue-result", {"QueueResult": "hangup", "QueueTime": "-4"}, "QueueTime must be"),
        ("/telephony/voice/queue-result", {}, "QueueResult is required"),
        ("/telephony/voice/status", {"CallStatus": "exploded"}, "CallStatus has an unknown value"),
        (
            "/telephony/voice/status",
            {"CallStatus": "completed", "SequenceNumber": "x"},
            "SequenceNumber must be",
        ),
        (
            "/telephony/voice/status",
            {"CallStatus": "completed", "CallDuration": "1e9"},
            "CallDuration must be",
        ),
        ("/telephony/voice/message", {"RecordingSid": "nope"}, "RecordingSid is malformed"),
        (
            "/telephony/voice/message",
            {"RecordingSid": "RE" + "0" * 32, "RecordingUrl": "javascript:alert(1)"},
            "RecordingUrl must be a URL",
        ),
    ],
)
def test_nonsense_fields_are_400_and_change_nothing(twilio, app_context, path, fields, message):
    call = ScriptedCall(twilio)
    call.to_queue()
    before, record = row_counts(), call.record()
    snapshot = (record.stage, record.status, record.queue_result, record.recording_sid)
    response = call.post(path, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    record = call.record()
    assert row_counts() == before
    assert (record.stage, record.status, record.queue_result, record.recording_sid) == snapshot


@pytest.mark.parametrize("path", ENDPOINTS[1:])
def test_a_step_for_an_unknown_call_is_404(twilio, app_context, path):
    fields = {
        "CallSid": twilio.new_call_sid(),
        "Digits": "1",
        "QueueResult": "hangup",
        "CallStatus": "completed",
    }
    response = twilio.post(path, fields)
    assert response.status_code == 404
    assert "no call with that CallSid" in response.get_data(as_text=True)
    assert row_counts() == [0, 0, 0, 0, 0]


def test_error_answers_never_repeat_the_number(twilio):
    response = twilio.post("/telephony/voice/incoming", {"CallSid": "bad", "From": "+77015551234"})
    assert response.status_code == 400
    assert "7015551234" not in response.get_data(as_text=True)


def test_get_is_not_allowed(client):
    assert client.get("/telephony/voice/incoming").status_code == 405
