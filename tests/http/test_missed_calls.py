"""Missed calls: a caller who hangs up waiting in the queue for more than
HOTLINE_SHORT_ABANDON_SECONDS, by the hotline's own clock, is called back
(source `missed`), once, unless HOTLINE_MISSED_CALL_CALLBACKS is off; a withheld
number cannot be, and the case says so. The webhook marks the call; the
upkeep's next look (`record_missed`, every second) records the callback."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from hotline.callbacks import service
from hotline.callbacks.service import record_missed
from hotline.extensions import db
from hotline.models import Call, Callback, CaseEvent, utcnow
from tests.support.calls import ScriptedCall, TwilioWebhooks, twiml
from tests.support.clock import ZONE, local, next_weekday_at

DAY = next_weekday_at(12).astimezone(ZONE).date()


def callbacks() -> list[Callback]:
    db.session.expire_all()
    return list(db.session.scalars(select(Callback)))


def hang_up_after(
    make_app,
    seconds: float,
    *,
    queue_time: int | None = None,
    start=None,
    from_number="+77015551234",
    **settings,
):
    """A caller queues at `start` (a weekday noon unless told) and hangs up `seconds`
    later by the clock, Twilio saying QueueTime=`queue_time` (the same unless told)."""
    app = make_app(**settings)
    with app.app_context(), time_machine.travel(start or local(DAY, 12), tick=False) as clock:
        call = ScriptedCall(TwilioWebhooks(app.test_client()), from_number)
        call.to_queue(need="3")
        clock.shift(seconds)
        waited = int(seconds) if queue_time is None else queue_time
        twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime=str(waited)))
        record_missed(utcnow())
        record = call.record()
        events = [
            e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == record.case_id))
        ]
        found = list(db.session.scalars(select(Callback)))
        db.session.expunge_all()
        return record, found, events


def test_hanging_up_after_40_seconds_is_one_missed_callback_queued_at_once(make_app):
    record, (callback,), events = hang_up_after(make_app, 40)
    assert (callback.source, callback.status, callback.queue) == ("missed", "queued", "legal")
    assert callback.call_id == record.id and callback.waiting_since == record.enqueued_at
    assert callback.number_tail == "34"
    assert "callback_requested" in events


def test_outside_callback_hours_the_missed_call_is_scheduled_for_the_next_opening(make_app):
    start = local(DAY, 19, 59, 50)
    _record, (callback,), _events = hang_up_after(
        make_app, 40, start=start, HOTLINE_CALLBACK_HOURS="09:00-20:00"
    )
    assert (callback.source, callback.status) == ("missed", "scheduled")
    assert callback.due_at == local(DAY + timedelta(days=1), 9, 0)


def test_inside_callback_hours_the_missed_call_is_queued(make_app):
    start = local(DAY, 19, 58)
    _record, (callback,), _events = hang_up_after(
        make_app, 40, start=start, HOTLINE_CALLBACK_HOURS="09:00-20:00"
    )
    assert callback.status == "queued"


def test_a_short_abandon_is_no_callback(make_app):
    _record, found, events = hang_up_after(make_app, 3)
    assert found == [] and "callback_impossible" not in events


def test_missed_call_callbacks_can_be_switched_off(make_app):
    _record, found, _events = hang_up_after(make_app, 40, HOTLINE_MISSED_CALL_CALLBACKS=False)
    assert found == []


def test_a_withheld_caller_cannot_be_called_back_and_the_case_says_so(make_app):
    _record, found, events = hang_up_after(make_app, 40, from_number=None)
    assert found == []
    assert events.count("callback_impossible") == 1


def test_a_lying_queue_time_does_not_decide_a_short_abandon(make_app):
    """The call keeps the network's QueueTime, but the hotline's clock says how long they waited."""
    record, found, _events = hang_up_after(make_app, 3, queue_time=40)
    assert found == [] and record.wait_seconds == 40
    record, found, _events = hang_up_after(make_app, 40, queue_time=2)
    assert [callback.source for callback in found] == ["missed"] and record.wait_seconds == 2


def test_a_call_that_ends_while_waiting_is_measured_by_the_clock_too(make_app):
    app = make_app()
    with app.app_context(), time_machine.travel(local(DAY, 12), tick=False) as clock:
        quick, slow = (
            ScriptedCall(TwilioWebhooks(app.test_client())),
            ScriptedCall(TwilioWebhooks(app.test_client()), "+77015550002"),
        )
        quick.to_queue(need="3")
        slow.to_queue(need="2")
        clock.shift(3)
        quick.post("/telephony/voice/status", CallStatus="completed", CallDuration="60")
        clock.shift(37)
        slow.post("/telephony/voice/status", CallStatus="completed", CallDuration="1")
        record_missed(utcnow())
        assert [(c.source, c.queue) for c in callbacks()] == [("missed", "medical")]


def press_1_then(make_app, *steps: tuple[str, str]):
    """A caller waits 40 s, presses 1, goes through `steps` (path, digits), then hangs up."""
    app = make_app()
    with app.app_context(), time_machine.travel(local(DAY, 12), tick=False) as clock:
        call = ScriptedCall(TwilioWebhooks(app.test_client()))
        call.to_queue(need="3")
        clock.shift(40)
        twiml(call.press("/telephony/voice/wait/choice", "1"))
        for path, digits in steps:
            twiml(call.press(path, digits))
        twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="45"))
        record_missed(utcnow())
        found = callbacks()
        for callback in found:
            db.session.expunge(callback)
        return found


def test_a_caller_who_asked_and_then_hung_up_has_one_callback_not_two(make_app):
    (callback,) = press_1_then(make_app, ("/telephony/voice/wait/number?attempt=1", "1"))
    assert callback.source == "ivr"


def test_the_number_keyed_in_stays_when_the_caller_then_hangs_up(make_app):
    (callback,) = press_1_then(make_app, ("/telephony/voice/wait/number?attempt=1", "87015550077"))
    assert (callback.source, callback.number_tail) == ("ivr", "77")


def test_a_caller_who_pressed_1_and_hung_up_before_choosing_is_called_back_once(make_app):
    (callback,) = press_1_then(make_app)
    assert (callback.source, callback.number_tail) == ("missed", "34")


def test_a_withheld_caller_who_keyed_a_number_in_is_not_counted_as_impossible(make_app):
    app = make_app()
    with app.app_context(), time_machine.travel(local(DAY, 12), tick=False) as clock:
        call = ScriptedCall(TwilioWebhooks(app.test_client()), None)
        call.to_queue(need="3")
        clock.shift(40)
        twiml(call.press("/telephony/voice/wait/choice", "1"))
        twiml(call.press("/telephony/voice/wait/number?attempt=1", "87015550077"))
        twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="45"))
        record_missed(utcnow())
        (callback,) = callbacks()
        kinds = [
            e.kind for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == callback.case_id))
        ]
        assert callback.number_tail == "77" and "callback_impossible" not in kinds


def test_the_webhook_only_marks_the_call_and_the_next_look_records_it_once(make_app):
    app = make_app()
    with app.app_context(), time_machine.travel(local(DAY, 12), tick=False) as clock:
        call = ScriptedCall(TwilioWebhooks(app.test_client()))
        call.to_queue(need="3")
        clock.shift(40)
        twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="40"))
        assert callbacks() == [] and call.record().missed_callback_owed
        assert record_missed(utcnow()) == [call.record().id]
        assert record_missed(utcnow()) == []
        assert [c.source for c in callbacks()] == ["missed"]
        assert not db.session.get(Call, call.record().id).missed_callback_owed


def test_a_call_whose_callback_cannot_be_recorded_stays_owed_and_the_others_are_recorded(
    make_app, monkeypatch
):
    app = make_app()
    with app.app_context(), time_machine.travel(local(DAY, 12), tick=False) as clock:
        first = ScriptedCall(TwilioWebhooks(app.test_client()), "+77015550101")
        second = ScriptedCall(TwilioWebhooks(app.test_client()), "+77015550102")
        first.to_queue(need="3")
        second.to_queue(need="2")
        clock.shift(40)
        for call in (first, second):
            twiml(call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="40"))
        broken = first.record().id
        real = service.missed

        def missed(call, now):
            if call.id == broken:
                raise RuntimeError("the database went away")
            return real(call, now)

        monkeypatch.setattr(service, "missed", missed)
        assert record_missed(utcnow()) == [second.record().id]
        monkeypatch.undo()
        assert record_missed(utcnow()) == [broken]
        assert sorted(c.queue for c in callbacks()) == ["legal", "medical"]
