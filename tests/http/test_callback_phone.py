"""A callback asked for on the phone: which number to call, and when the call will come.

While waiting and after hours, 1 asks which number: 1 for the one calling, or
another keyed in and ended with #. A bad answer is met with a sorry and the
question again, HOTLINE_MENU_ATTEMPTS times in all. The caller then hears when
to expect the call, in the words of hotline.callbacks.policy.expectation.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import Callback, CaseEvent
from tests.support.calls import ScriptedCall, TwilioWebhooks, spoken, twiml
from tests.support.clock import ZONE, local, next_saturday_at, next_weekday_at

DAY = next_weekday_at(12).astimezone(ZONE).date()
SATURDAY = next_saturday_at(12)
MONDAY_0900 = local(SATURDAY.astimezone(ZONE).date() + timedelta(days=2), 9, 0)
KEYED = "87015550077"


def callbacks() -> list[Callback]:
    db.session.expire_all()
    return list(db.session.scalars(select(Callback)))


@pytest.fixture
def waiting(twilio, app_context) -> ScriptedCall:
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    twiml(call.press("/telephony/voice/wait/choice", "1"))
    return call


def test_the_number_menu_is_bounded_and_ends_with_the_hash_key(waiting):
    root = twiml(waiting.press("/telephony/voice/wait/choice", "1"))
    gather = root.find("Gather")
    assert gather.get("finishOnKey") == "#"
    assert 11 <= int(gather.get("numDigits")) <= 18 and int(gather.get("timeout")) <= 10
    assert root.find("Redirect").text == "/telephony/voice/wait/number?attempt=1"


def test_a_number_keyed_in_is_the_one_called_and_never_said_back(waiting, caplog):
    caplog.set_level(logging.DEBUG)
    response = waiting.press("/telephony/voice/wait/number?attempt=1", KEYED)
    root = twiml(response)
    assert root.find("Leave") is not None
    (callback,) = callbacks()
    assert (callback.source, callback.number_tail) == ("ivr", "77")
    body = response.get_data(as_text=True)
    for text in (body, caplog.text, repr([e.data for e in db.session.scalars(select(CaseEvent))])):
        assert "5550077" not in text and "7015550077" not in text


@pytest.mark.parametrize(
    ("digits", "sorry"),
    [("12", "на этот номер мы не сможем позвонить"), ("٨٧٠١٥٥٥٠٠٧٧", "400"), (None, "не поняла")],
)
def test_a_bad_answer_is_met_with_a_sorry_and_asked_again(waiting, digits, sorry):
    response = waiting.press("/telephony/voice/wait/number?attempt=1", digits)
    if sorry == "400":
        # Not keypad digits at all: Twilio never sends them, so the request is refused.
        assert response.status_code == 400
        return
    root = twiml(response)
    assert sorry in spoken(root)
    assert root.find("Gather").get("action") == "/telephony/voice/wait/number?attempt=2"
    assert callbacks() == []


def test_after_the_last_attempt_the_caller_goes_on_waiting(make_app):
    app = make_app(HOTLINE_MENU_ATTEMPTS=2)
    with app.app_context():
        call = ScriptedCall(TwilioWebhooks(app.test_client()))
        call.to_queue()
        twiml(call.press("/telephony/voice/wait/choice", "1"))
        assert twiml(call.press("/telephony/voice/wait/number?attempt=1", "5")).find("Gather") is not None
        root = twiml(call.press("/telephony/voice/wait/number?attempt=2", "5"))
        assert root.find("Redirect").text == "/telephony/voice/wait"
        assert call.record().stage == "queued"
        assert callbacks() == []


def test_a_caller_taken_meanwhile_hears_the_hold_music(waiting):
    record = waiting.record()
    record.stage = "connected"
    db.session.commit()
    root = twiml(waiting.press("/telephony/voice/wait/number?attempt=1", "1"))
    assert root.find("Play") is not None and root.find("Leave") is None
    assert callbacks() == []


# --- when to expect the call ---------------------------------------------------


def ask_at(make_app, moment, callback_hours: str, **settings) -> tuple[str, Callback]:
    """A caller waiting at `moment` asks to be called back on their own number:
    what they hear, and the callback."""
    app = make_app(HOTLINE_CALLBACK_HOURS=callback_hours, **settings)
    with app.app_context(), time_machine.travel(moment, tick=False):
        call = ScriptedCall(TwilioWebhooks(app.test_client()))
        call.to_queue()
        twiml(call.press("/telephony/voice/wait/choice", "1"))
        root = twiml(call.press("/telephony/voice/wait/number?attempt=1", "1"))
        assert root.find("Leave") is not None
        (callback,) = callbacks()
        db.session.expunge(callback)
        return spoken(root), callback


def test_at_1959_the_callback_is_queued_at_once(make_app):
    moment = local(DAY, 19, 59)
    said, callback = ask_at(make_app, moment, "09:00-20:00")
    assert "Мы перезвоним вам сегодня в рабочее время." in said
    assert (callback.status, callback.due_at) == ("queued", moment)


def test_at_2000_it_is_scheduled_for_0900_tomorrow(make_app):
    said, callback = ask_at(make_app, local(DAY, 20, 0), "09:00-20:00")
    assert "Мы перезвоним вам завтра после 09:00." in said
    assert (callback.status, callback.due_at) == ("scheduled", local(DAY + timedelta(days=1), 9, 0))


def test_early_in_the_morning_it_is_today_after_the_opening(make_app):
    said, callback = ask_at(make_app, local(DAY, 7, 30), "09:00-20:00")
    assert "Мы перезвоним вам сегодня после 09:00." in said
    assert callback.due_at == local(DAY, 9, 0)


def test_on_saturday_with_weekday_callback_hours_it_is_on_monday(make_app):
    said, callback = ask_at(make_app, SATURDAY, "mon-fri 09:00-18:00")
    assert "Мы перезвоним вам в понедельник после 09:00." in said
    assert callback.due_at == MONDAY_0900


def test_no_prompt_names_the_queue(make_app):
    said, _callback = ask_at(make_app, local(DAY, 20, 0), "09:00-20:00")
    assert not any(word in said for word in ("юрист", "заңгер", "legal", "очередь"))


# --- after hours -----------------------------------------------------------------


@pytest.fixture
def closed_saturday(make_app):
    app = make_app(HOTLINE_HOURS="mon-fri 09:00-18:00", HOTLINE_CALLBACK_HOURS="mon-fri 09:00-18:00")
    with app.app_context(), time_machine.travel(SATURDAY, tick=False):
        yield TwilioWebhooks(app.test_client())


def test_after_hours_the_callback_is_due_at_the_next_opening_and_the_caller_hears_when(closed_saturday):
    call = ScriptedCall(closed_saturday)
    call.to_queue(need="2")
    root = twiml(call.press("/telephony/voice/after-hours?attempt=1", "1"))
    assert "с которого вы звоните, нажмите 1" in spoken(root)
    root = twiml(call.press("/telephony/voice/after-hours/number?attempt=1", KEYED))
    assert "Мы перезвоним вам в понедельник после 09:00." in spoken(root)
    assert root.find("Hangup") is not None and root.find("Leave") is None
    (callback,) = callbacks()
    assert (callback.source, callback.status, callback.queue) == ("after_hours", "scheduled", "medical")
    assert callback.due_at == MONDAY_0900
    assert callback.number_tail == "77"


def test_after_hours_bad_answers_end_in_goodbye(closed_saturday):
    call = ScriptedCall(closed_saturday, None)
    call.to_queue()
    twiml(call.press("/telephony/voice/after-hours?attempt=1", "1"))
    for attempt in (1, 2):
        root = twiml(call.press(f"/telephony/voice/after-hours/number?attempt={attempt}", "1"))
        assert "на этот номер мы не сможем позвонить" in spoken(root)
        assert "номер скрыт" in spoken(root)
    root = twiml(call.press("/telephony/voice/after-hours/number?attempt=3", "1"))
    assert root.find("Hangup") is not None
    assert db.session.scalar(select(func.count()).select_from(Callback)) == 0
