"""The operator's leg of a call, through signed webhooks posted as Twilio posts
them: the operator answers (operator-leg), the Dial ends (dial-result), the
caller's call ends (status). Repeated and out-of-order reports change nothing more.

"An operator took the caller" is set up by writing what the accept writes: an
assignment `connecting`, the call `connected`, the operator `busy`.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from hotline import events
from hotline.calls import queues
from hotline.extensions import db
from hotline.models import Assignment, AuditRecord, Call
from hotline.models.states import AssignmentStatus, CallStage, Device, Presence
from telephony import access as softphone
from telephony import prompts
from tests.support.calls import ScriptedCall, spoken, twiml
from tests.support.clock import next_weekday_at
from tests.support.legs import (
    LEG_SID,
    assignment,
    case_events,
    dial_result,
    operator,
    operator_leg,
    queued,
    take,
)
from tests.support.published import Published

NOON = next_weekday_at(12)


def status(call: ScriptedCall, value: str, sequence: int, **fields):
    return call.post("/telephony/voice/status", CallStatus=value, SequenceNumber=str(sequence), **fields)


def audits(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action)
    )


@pytest.fixture
def line(app, staff, app_context, twilio):
    return twilio


def test_connect_dials_the_softphone_with_the_dial_action_and_the_legs_callback(line, app):
    call = queued(line)
    taken = take(call)
    root = twiml(call.post(f"/telephony/voice/connect/{taken}"))
    assert spoken(root)
    dial = root.find("Dial")
    assert dial.attrib == {
        "action": f"/telephony/voice/dial-result/{taken}",
        "method": "POST",
        "timeout": "20",
    }
    client = dial.find("Client")
    assert client.text == softphone.client_identity(operator().id, app.config["SECRET_KEY"])
    assert client.attrib == {
        "statusCallback": f"/telephony/voice/operator-leg/{taken}",
        "statusCallbackEvent": "ringing answered completed",
        "statusCallbackMethod": "POST",
    }


def test_connect_dials_the_operators_own_phone(line, app):
    user = operator()
    user.phone_encrypted = app.extensions["phone_vault"].encrypt("+77019990011")
    db.session.commit()
    call = queued(line)
    taken = take(call, device=Device.PHONE)
    number = twiml(call.post(f"/telephony/voice/connect/{taken}")).find("Dial/Number")
    assert number.text == "+77019990011"
    assert number.attrib["statusCallback"] == f"/telephony/voice/operator-leg/{taken}"


def test_the_operator_answers_once_however_often_it_is_reported(line, app):
    published = Published(app)
    with time_machine.travel(NOON, tick=False):
        call = queued(line)
        taken = take(call)
        published.events()
        assert operator_leg(call, taken, "ringing").status_code == 204
        assert assignment(taken).status == AssignmentStatus.CONNECTING
        for _ in range(2):
            assert operator_leg(call, taken, "in-progress").status_code == 204
    held = assignment(taken)
    assert (held.status, held.answered_at) == (AssignmentStatus.TALKING, NOON)
    assert call.record().operator_id == operator().id
    assert len(case_events(call, "connected")) == 1
    assert audits("call.connected") == 1
    [shown] = published.named(events.OPERATOR_CALL)
    assert shown["state"] == "talking"
    assert shown["call_sid"] == call.sid
    assert shown["queue"] == "legal"
    assert shown["language"] == "ru"
    assert shown["case_reference"].startswith("HL-")
    assert shown["masked_number"] == "••••34"
    assert shown["answered_at"] == NOON.isoformat()
    assert "5551234" not in json.dumps(shown)


def test_a_conversation_ends_in_wrap_up(line, app):
    with time_machine.travel(NOON, tick=False) as clock:
        call = queued(line)
        clock.shift(timedelta(seconds=30))
        taken = take(call)
        call.post("/telephony/voice/queue-result", QueueResult="redirected", QueueTime="30")
        clock.shift(timedelta(seconds=5))
        operator_leg(call, taken, "in-progress")
        clock.shift(timedelta(seconds=95))
        root = twiml(dial_result(call, taken, "completed", DialCallDuration="95"))
        assert [node.tag for node in root] == ["Hangup"]
        operator_leg(call, taken, "completed", CallDuration="95")
        assert status(call, "completed", 5, CallDuration="130").status_code == 204
        assert status(call, "completed", 5, CallDuration="130").status_code == 204
    record = call.record()
    assert (record.stage, record.talk_seconds, record.wait_seconds, record.abandoned) == (
        CallStage.WRAP_UP,
        95,
        30,
        False,
    )
    assert record.ended_at == NOON + timedelta(seconds=130)
    held = assignment(taken)
    assert held.status == AssignmentStatus.WRAP_UP
    assert held.talk_seconds == 95
    assert held.wrap_up_until == NOON + timedelta(seconds=130 + app.config["HOTLINE_WRAP_UP_SECONDS"])
    assert operator().presence == Presence.WRAP_UP


def test_the_caller_hanging_up_before_the_dial_result_still_ends_in_wrap_up(line, app):
    published = Published(app)
    with time_machine.travel(NOON, tick=False) as clock:
        call = queued(line)
        taken = take(call)
        operator_leg(call, taken, "in-progress")
        clock.shift(timedelta(seconds=60))
        status(call, "completed", 5, CallDuration="62")
        assert assignment(taken).talk_seconds == 60
        published.events()
        # The network's own figures come late: they are the ones kept.
        operator_leg(call, taken, "completed", CallDuration="59")
        assert [node.tag for node in twiml(dial_result(call, taken, "completed", DialCallDuration="59"))] == [
            "Hangup"
        ]
    assert (assignment(taken).status, assignment(taken).talk_seconds) == (AssignmentStatus.WRAP_UP, 59)
    assert call.record().talk_seconds == 59
    assert call.record().stage == CallStage.WRAP_UP
    assert published.named(events.OPERATOR_CALL) == []


def test_the_dial_result_alone_says_the_operator_answered(line):
    with time_machine.travel(NOON, tick=False):
        call = queued(line)
        taken = take(call)
        dial_result(call, taken, "completed", DialCallDuration="40")
        # The leg's own report, late: nothing more happens.
        operator_leg(call, taken, "in-progress")
    held = assignment(taken)
    assert (held.status, held.talk_seconds) == (AssignmentStatus.TALKING, 40)
    assert held.answered_at == NOON - timedelta(seconds=40)
    assert len(case_events(call, "connected")) == 1
    assert call.record().operator_id == operator().id


def test_an_unanswered_operator_goes_away_and_the_caller_back_to_the_head_of_the_queue(line, app):
    published = Published(app)
    with time_machine.travel(NOON, tick=False) as clock:
        call = queued(line)
        clock.shift(timedelta(seconds=10))
        later = queued(line, number="+77015559876")
        clock.shift(timedelta(seconds=10))
        taken = take(call)
        call.post("/telephony/voice/queue-result", QueueResult="redirected", QueueTime="20")
        published.events()
        clock.shift(timedelta(seconds=20))
        answers = [twiml(dial_result(call, taken, "no-answer")) for _ in range(2)]
        record = call.record()
        assert (record.stage, record.queue, record.returned_at) == (
            CallStage.QUEUED,
            "legal",
            NOON + timedelta(seconds=40),
        )
        assert (record.queue_result, record.left_queue_reason) == (None, None)
        assert queues.position_of(record) == 1
        assert queues.position_of(later.record()) == 2
        clock.shift(timedelta(seconds=15))
        call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="15")
    for root in answers:
        enqueue = root.find("Enqueue")
        assert enqueue.text == "legal"
        assert enqueue.attrib["waitUrl"] == "/telephony/voice/wait"
        assert enqueue.attrib["action"] == "/telephony/voice/queue-result"
    held = assignment(taken)
    assert (held.status, held.ended_at) == (AssignmentStatus.MISSED, NOON + timedelta(seconds=40))
    assert operator().presence == Presence.AWAY
    assert len(case_events(call, "returned_to_queue")) == 1
    record = call.record()
    assert (record.stage, record.wait_seconds, record.abandoned) == (CallStage.LEFT_QUEUE, 35, True)
    published_events = published.events()
    joined = [data for event, data, _ in published_events if event == events.CALLER_JOINED]
    assert [(data["call_sid"], data["position"]) for data in joined] == [(call.sid, 1)]
    [missed] = [data for event, data, _ in published_events if event == events.OPERATOR_CALL]
    assert missed["state"] == "missed"
    [away] = [data for event, data, _ in published_events if event == events.PRESENCE_CHANGED]
    assert away["presence"] == "away"


def test_a_crisis_caller_back_in_the_queue_is_not_read_the_emergency_number_again(line):
    call = queued(line, need="9")
    taken = take(call)
    root = twiml(dial_result(call, taken, "busy"))
    assert root.find("Enqueue").text == "psychologist"
    assert spoken(root) == prompts.text("connecting", "ru")


def test_a_caller_who_hangs_up_while_the_operator_is_rung_ends_the_call(line):
    with time_machine.travel(NOON, tick=False):
        call = queued(line)
        taken = take(call)
        status(call, "completed", 5, CallDuration="30")
        assert [node.tag for node in twiml(dial_result(call, taken, "canceled"))] == ["Hangup"]
        operator_leg(call, taken, "in-progress")
    record = call.record()
    assert record.stage == CallStage.ENDED
    assert assignment(taken).status == AssignmentStatus.MISSED
    assert operator().presence == Presence.AVAILABLE
    assert case_events(call, "connected") == []


def test_a_redirect_out_of_the_queue_records_the_wait_and_is_no_abandon(line):
    with time_machine.travel(NOON, tick=False) as clock:
        call = queued(line)
        clock.shift(timedelta(seconds=12))
        take(call)
        for _ in range(2):
            assert (
                call.post(
                    "/telephony/voice/queue-result", QueueResult="redirected", QueueTime="12"
                ).status_code
                == 200
            )
    record = call.record()
    assert (record.stage, record.wait_seconds, record.abandoned) == (CallStage.CONNECTED, 12, False)
    assert record.dequeued_at == NOON + timedelta(seconds=12)


def test_a_late_redirect_result_after_the_return_changes_nothing(line):
    with time_machine.travel(NOON, tick=False) as clock:
        call = queued(line)
        clock.shift(timedelta(seconds=12))
        taken = take(call)
        clock.shift(timedelta(seconds=20))
        dial_result(call, taken, "failed")
        call.post("/telephony/voice/queue-result", QueueResult="redirected", QueueTime="12")
    record = call.record()
    assert (record.stage, record.queue_result, record.wait_seconds) == (CallStage.QUEUED, None, 12)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"DialCallStatus": "ringing"}, 400),
        ({"DialCallStatus": ""}, 400),
        ({"DialCallStatus": "completed", "DialCallDuration": "-1"}, 400),
    ],
)
def test_a_malformed_dial_result_is_refused(line, fields, expected):
    call = queued(line)
    taken = take(call)
    assert call.post(f"/telephony/voice/dial-result/{taken}", **fields).status_code == expected
    assert assignment(taken).status == AssignmentStatus.CONNECTING


def test_reports_for_another_call_or_no_assignment_are_404(line):
    call, other = queued(line), queued(line, number="+77015559876")
    taken = take(call)
    assert dial_result(other, taken, "completed").status_code == 404
    assert dial_result(call, taken + 100, "completed").status_code == 404
    assert operator_leg(other, taken, "in-progress").status_code == 404
    assert operator_leg(call, taken, "in-progress", ParentCallSid="CA" + "0" * 32).status_code == 404
    assert (
        call.twilio.post(
            f"/telephony/voice/operator-leg/{taken}", {"CallSid": LEG_SID, "CallStatus": "in-progress"}
        ).status_code
        == 400
    )
    assert assignment(taken).status == AssignmentStatus.CONNECTING


def test_a_dial_result_for_a_call_at_the_menu_is_409(line):
    call = ScriptedCall(line)
    call.dial()
    record = call.record()
    user = operator()
    taken = Assignment(call_id=record.id, user_id=user.id, status=AssignmentStatus.CONNECTING)
    db.session.add(taken)
    db.session.commit()
    assert dial_result(call, taken.id, "completed").status_code == 409


def test_requeue_answers_enqueue_only_for_a_waiting_or_taken_caller(line):
    call = queued(line, need="1")
    root = twiml(call.post("/telephony/voice/requeue"))
    assert root.find("Enqueue").text == "psychologist"
    take(call)
    # Taken again before the network fetched this (the transfer's redirect in
    # flight): they wait in the queue for the accept's redirect, not cut off.
    assert twiml(call.post("/telephony/voice/requeue")).find("Enqueue").text == "psychologist"
    call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9")
    assert call.post("/telephony/voice/requeue").status_code == 409


def test_the_api_shows_who_answered(line, app):
    from hotline.accounts import auth

    call = queued(line)
    taken = take(call)
    token = auth.create_token("wallboard")
    headers = {"Authorization": f"Bearer {token}"}
    assert line.client.get(f"/api/v1/calls/{call.sid}", headers=headers).json["operator"] is None
    operator_leg(call, taken, "in-progress")
    body = line.client.get(f"/api/v1/calls/{call.sid}", headers=headers).json
    assert (body["operator"], body["stage"]) == ("aigerim", "connected")
    assert db.session.scalar(select(Call.operator_id).where(Call.call_sid == call.sid)) == operator().id


def test_the_reconciler_leaves_a_call_in_wrap_up_alone(make_app):
    """The telephony API here answers nothing: asking it about any call fails the sweep."""
    from hotline.accounts.users import create_user
    from hotline.models import Role
    from tests.support.calls import TwilioWebhooks
    from tests.support.pages import PASSWORD
    from workers.reconciler import CallsStillOpen, close_stuck_calls

    app = make_app(TWILIO_API_BASE_URL="http://127.0.0.1:9")
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        hooks = TwilioWebhooks(app.test_client())
        with time_machine.travel(NOON, tick=False) as clock:
            call = queued(hooks)
            taken = take(call)
            operator_leg(call, taken, "in-progress")
            status(call, "completed", 5, CallDuration="30")
            assert call.record().stage == CallStage.WRAP_UP
            clock.shift(timedelta(seconds=app.config["HOTLINE_STUCK_CALL_SECONDS"] + 60))
            assert close_stuck_calls() == 0
            stuck = queued(hooks, number="+77015559876")
            clock.shift(timedelta(seconds=app.config["HOTLINE_STUCK_CALL_SECONDS"] + 60))
            with pytest.raises(CallsStillOpen, match=stuck.sid) as raised:
                close_stuck_calls()
            assert call.sid not in str(raised.value)
