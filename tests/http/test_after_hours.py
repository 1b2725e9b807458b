"""Outside working hours: the hours, then a callback or a voice message."""

import pytest
import time_machine
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Callback, CaseEvent
from tests.support.calls import ScriptedCall, TwilioWebhooks, spoken, twiml
from tests.support.clock import next_saturday_at, next_weekday_at

WEEKDAY_NOON = next_weekday_at(12)  # open on weekday hours
SATURDAY_NOON = next_saturday_at(12, after=WEEKDAY_NOON)  # closed, the same week


@pytest.fixture
def office_hours(make_app):
    app = make_app(HOTLINE_HOURS="mon-fri 09:00-18:00")
    with app.app_context(), time_machine.travel(SATURDAY_NOON, tick=False):
        yield TwilioWebhooks(app.test_client())


def test_inside_hours_the_caller_is_queued(make_app):
    app = make_app(HOTLINE_HOURS="mon-fri 09:00-18:00")
    with app.app_context(), time_machine.travel(WEEKDAY_NOON, tick=False):
        assert ScriptedCall(TwilioWebhooks(app.test_client())).to_queue().find("Enqueue") is not None


def test_outside_hours_the_caller_hears_the_hours_and_the_options(office_hours):
    call = ScriptedCall(office_hours)
    root = call.to_queue(need="3")
    assert root.find("Enqueue") is None
    text = spoken(root)
    assert "не работаем" in text and "понедельник – пятница, 09:00 – 18:00" in text
    assert "перезвонили, нажмите 1" in text and "сообщение, нажмите 2" in text
    assert root.find("Gather").get("action") == "/telephony/voice/after-hours?attempt=1"
    record = call.record()
    assert (record.stage, record.queue) == ("after_hours", "legal")
    assert record.case is not None


def test_outside_hours_a_callback_is_recorded(office_hours):
    call = ScriptedCall(office_hours)
    call.to_queue(need="3")
    root = twiml(call.press("/telephony/voice/after-hours?attempt=1", "1"))
    assert root.find("Gather").get("action") == "/telephony/voice/after-hours/number?attempt=1"
    root = twiml(call.press("/telephony/voice/after-hours/number?attempt=1", "1"))
    assert "перезвоним" in spoken(root) and root.find("Hangup") is not None
    callback = db.session.scalars(select(Callback)).one()
    assert (callback.source, callback.queue, callback.case_id) == (
        "after_hours",
        "legal",
        call.record().case_id,
    )


def test_outside_hours_a_voice_message_is_recorded(office_hours):
    call = ScriptedCall(office_hours)
    call.to_queue(need="2")
    root = twiml(call.press("/telephony/voice/after-hours?attempt=1", "2"))
    record_verb = root.find("Record")
    assert record_verb.get("action") == "/telephony/voice/message"
    assert record_verb.get("maxLength") == "120"
    recording_sid = "RE" + "a" * 32
    root = twiml(
        call.post(
            "/telephony/voice/message",
            RecordingSid=recording_sid,
            RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/" + recording_sid,
            RecordingDuration="17",
        )
    )
    assert "сообщение сохранено" in spoken(root)
    record = call.record()
    assert (record.recording_sid, record.recording_seconds) == (recording_sid, 17)
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "voice_message")).one()
    assert event.case_id == record.case_id


def test_an_empty_recording_just_says_goodbye(office_hours):
    call = ScriptedCall(office_hours)
    call.to_queue()
    root = twiml(call.post("/telephony/voice/message"))
    assert root.find("Hangup") is not None
    assert call.record().recording_sid is None


def test_a_withheld_caller_may_key_in_a_number_to_be_called_back_on(office_hours):
    call = ScriptedCall(office_hours, None)
    root = call.to_queue()
    assert "перезвонили, нажмите 1" in spoken(root)
    root = twiml(call.press("/telephony/voice/after-hours?attempt=1", "1"))
    assert "номер скрыт" in spoken(root)
    root = twiml(call.press("/telephony/voice/after-hours/number?attempt=1", "87015550042"))
    assert root.find("Hangup") is not None
    callback = db.session.scalars(select(Callback)).one()
    assert (callback.source, callback.number_tail) == ("after_hours", "42")


def test_unknown_keys_ask_again_then_say_goodbye(office_hours):
    call = ScriptedCall(office_hours)
    call.to_queue()
    root = twiml(call.press("/telephony/voice/after-hours?attempt=1", "7"))
    assert root.find("Gather").get("action") == "/telephony/voice/after-hours?attempt=2"
    twiml(call.press("/telephony/voice/after-hours?attempt=2", None))
    root = twiml(call.press("/telephony/voice/after-hours?attempt=3", None))
    assert root.find("Hangup") is not None


def test_in_danger_after_hours_the_emergency_number_comes_first(office_hours):
    call = ScriptedCall(office_hours)
    root = call.to_queue(need="9")
    assert "1 1 2" in root.find("Say").text
    assert call.record().crisis
