"""Callback requests as the domain records them: due inside callback hours,
queued in the caller's place, merged per person and queue, woken by the sweep
once, cancelled or rescheduled only before dialling; every step on the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.callbacks import schedule, service
from hotline.callbacks.stages import CallbackOutOfPlace
from hotline.extensions import db
from hotline.models import AuditRecord, Callback, CaseEvent
from hotline.models.states import CallbackSource, CallbackStatus
from tests.support import clock
from tests.support.calls import ScriptedCall, TwilioWebhooks

HOURS = "09:00-20:00"


@pytest.fixture
def hours_app(make_app):
    app = make_app(HOTLINE_CALLBACK_HOURS=HOURS)
    with app.app_context():
        yield app


def waiting_call(app, number: str = "+77015551234"):
    call = ScriptedCall(TwilioWebhooks(app.test_client()), number)
    call.to_queue(need="3")
    return call.record()


def ask(call, at, source=CallbackSource.IVR, **fields):
    request = service.Request(
        caller_id=call.caller_id,
        queue=call.queue,
        source=source,
        asked_at=at,
        **({"case_id": call.case_id} if source in (CallbackSource.IVR, CallbackSource.MISSED) else {}),
        **fields,
    )
    return service.record(request, at, *service.settings(), actor="test")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_caller_who_asks_while_waiting_keeps_their_place(app, app_context):
    call = waiting_call(app)
    now = call.enqueued_at + timedelta(minutes=4)
    requested = service.request_from_call(call, CallbackSource.IVR, now, *service.settings())
    callback = db.session.get(Callback, requested.callback_id)
    assert requested.status == CallbackStatus.QUEUED and not requested.merged
    assert callback.waiting_since == call.enqueued_at and callback.queued_at == now
    assert callback.case_id == call.case_id and requested.case_reference == call.case.reference
    assert callback.number_tail == "34" and callback.number_encrypted is not None
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == call.case_id)).all()
    assert "callback_requested" in kinds


@pytest.mark.parametrize(
    ("minute_of_day", "due_next_morning"),
    [((19, 59), False), ((20, 0), True), ((8, 59), None), ((3, 0), None)],
)
def test_a_request_outside_callback_hours_is_due_at_the_next_opening(
    hours_app, minute_of_day, due_next_morning
):
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    at = clock.local(day, *minute_of_day)
    call = waiting_call(hours_app)
    requested = ask(call, at, source=CallbackSource.WEB)
    if due_next_morning is False:
        assert (requested.status, requested.due_at) == (CallbackStatus.QUEUED, at)
    else:
        opening_day = day + timedelta(days=1) if due_next_morning else day
        assert requested.status == CallbackStatus.SCHEDULED
        assert requested.due_at == clock.local(opening_day, 9)


def test_the_same_person_asking_twice_for_one_queue_makes_one_callback(hours_app):
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    call = waiting_call(hours_app)
    later = ask(call, clock.local(day, 21), source=CallbackSource.WEB)  # due 09:00 the day after
    earlier = ask(call, clock.local(day, 22), source=CallbackSource.WEB, number="+77017770011")
    assert earlier.callback_id == later.callback_id and earlier.merged
    callback = db.session.get(Callback, later.callback_id)
    assert count(Callback) == 1
    assert callback.due_at == clock.local(day + timedelta(days=1), 9)
    # The latest number asked for is the one called.
    assert callback.number_tail == "11"
    actions = db.session.scalars(
        select(AuditRecord.action).where(AuditRecord.action.like("callback.%"))
    ).all()
    assert sorted(actions) == ["callback.merged", "callback.requested"]


def test_a_merged_request_due_now_queues_a_scheduled_callback(hours_app):
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    call = waiting_call(hours_app)
    first = ask(call, clock.local(day, 21), source=CallbackSource.WEB)
    again = ask(call, clock.local(day + timedelta(days=1), 10), source=CallbackSource.WEB)
    assert again.callback_id == first.callback_id and again.status == CallbackStatus.QUEUED
    # It became due at 09:00 and keeps that place, not the later moment it was asked again.
    callback = db.session.get(Callback, first.callback_id)
    assert callback.due_at == clock.local(day + timedelta(days=1), 9)


def test_a_second_queue_is_a_second_callback(app, app_context):
    call = waiting_call(app)
    ask(call, call.enqueued_at)
    other = service.Request(
        caller_id=call.caller_id, queue="medical", source=CallbackSource.WEB, asked_at=call.enqueued_at
    )
    requested = service.record(other, call.enqueued_at, *service.settings(), actor="web")
    assert count(Callback) == 2 and not requested.merged
    assert requested.case_reference != call.case.reference  # a case of its own queue


def test_the_sweep_queues_each_due_callback_once(hours_app):
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    calls = [waiting_call(hours_app, f"+7701555{n:04d}") for n in range(3)]
    ids = [ask(call, clock.local(day, 21), source=CallbackSource.WEB).callback_id for call in calls]
    morning = clock.local(day + timedelta(days=1), 9)
    assert schedule.queue_due(morning - timedelta(seconds=1)) == []
    assert sorted(schedule.queue_due(morning)) == sorted(ids)
    assert schedule.queue_due(morning + timedelta(seconds=5)) == []
    for callback_id in ids:
        callback = db.session.get(Callback, callback_id)
        db.session.refresh(callback)
        assert (callback.status, callback.queued_at, callback.waiting_since) == ("queued", morning, morning)
    queued = db.session.scalar(select(func.count()).where(CaseEvent.kind == "callback_queued"))
    assert queued == 3


def test_cancel_and_reschedule_only_before_dialling(hours_app):
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    call = waiting_call(hours_app)
    at = clock.local(day, 10)
    callback_id = ask(call, at, source=CallbackSource.WEB).callback_id
    policy, _ = service.settings()
    moved = schedule.reschedule(callback_id, clock.local(day, 22), "boris", None, at, policy)
    assert moved["status"] == "scheduled"
    assert moved["due_at"] == clock.local(day + timedelta(days=1), 9).isoformat()
    assert schedule.cancel(callback_id, "boris", None, at)["status"] == "cancelled"
    with pytest.raises(CallbackOutOfPlace, match="cancelled"):
        schedule.cancel(callback_id, "boris", None, at)
    with pytest.raises(CallbackOutOfPlace):
        schedule.reschedule(callback_id, at, "boris", None, at, policy)
    # Closed: the person may ask again, and gets a new callback.
    assert not ask(call, at, source=CallbackSource.WEB).merged
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.kind.like("callback_%"))).all()
    assert sorted(kinds) == [
        "callback_cancelled",
        "callback_requested",
        "callback_requested",
        "callback_scheduled",
    ]


def test_a_callback_being_dialled_is_neither_cancelled_nor_merged(app, app_context):
    from hotline.callbacks import stages

    call = waiting_call(app)
    callback_id = ask(call, call.enqueued_at).callback_id
    assert stages.transition(callback_id, CallbackStatus.DIALLING, attempts=1)
    db.session.commit()
    with pytest.raises(CallbackOutOfPlace, match="dialling"):
        schedule.cancel(callback_id, "boris", None, call.enqueued_at)
    again = ask(call, call.enqueued_at, source=CallbackSource.WEB)
    assert again.callback_id == callback_id and again.merged and again.status == CallbackStatus.DIALLING


def test_a_withheld_caller_cannot_be_called_back_without_a_number(app, app_context):
    call = waiting_call(app, None)
    with pytest.raises(service.NoNumberToCall):
        service.request_from_call(call, CallbackSource.IVR, call.enqueued_at, *service.settings())
    assert count(Callback) == 0
    requested = service.request_from_call(
        call, CallbackSource.IVR, call.enqueued_at, *service.settings(), number="+77015550099"
    )
    assert db.session.get(Callback, requested.callback_id).number_tail == "99"
