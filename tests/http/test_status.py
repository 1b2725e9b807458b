"""POST /telephony/voice/status: late, repeated and out-of-order callbacks are harmless."""

from datetime import timedelta

import time_machine

from tests.support.calls import ScriptedCall
from tests.support.clock import later

START = later()


def status(call, state: str, sequence: str | None = None, duration: str | None = None):
    fields = {"CallStatus": state}
    if sequence is not None:
        fields["SequenceNumber"] = sequence
    if duration is not None:
        fields["CallDuration"] = duration
    response = call.post("/telephony/voice/status", **fields)
    assert response.status_code == 204
    return call.record()


def test_a_completed_call_records_its_duration(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    status(call, "in-progress", "1")
    record = status(call, "completed", "2", "42")
    assert (record.status, record.stage, record.duration_seconds) == ("completed", "ended", 42)
    assert record.ended_at is not None and not record.abandoned


def test_a_finished_call_never_goes_back(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    status(call, "completed", "3", "60")
    assert status(call, "in-progress", "2").status == "completed"
    assert status(call, "ringing", "4").status == "completed"
    record = status(call, "completed", "5", "999")
    assert record.duration_seconds == 60


def test_an_older_sequence_number_is_ignored(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    status(call, "in-progress", "2")
    record = status(call, "ringing", "1")
    assert (record.status, record.status_sequence) == ("in-progress", 2)


def test_without_sequence_numbers_states_only_move_forward(twilio, app_context):
    call = ScriptedCall(twilio)
    call.dial()
    status(call, "in-progress")
    assert status(call, "ringing").status == "in-progress"
    assert status(call, "completed", duration="5").status == "completed"


def test_hanging_up_while_queued_with_no_queue_result_is_abandoned(twilio, app_context):
    with time_machine.travel(START, tick=False) as clock:
        call = ScriptedCall(twilio)
        call.to_queue(need="1")
        clock.shift(timedelta(seconds=50))
        record = status(call, "completed", "3", "65")
    assert (record.stage, record.abandoned, record.wait_seconds) == ("ended", True, 50)
    # A late queue result completes the record with Twilio's own figure.
    call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="49")
    record = call.record()
    assert (record.stage, record.queue_result, record.abandoned, record.wait_seconds) == (
        "ended",
        "hangup",
        True,
        49,
    )


def test_talk_time_of_a_bridged_call(twilio, app_context):
    with time_machine.travel(START, tick=False) as clock:
        call = ScriptedCall(twilio)
        call.dial()
        clock.shift(timedelta(seconds=20))
        call.press("/telephony/voice/language?attempt=1", "2")
        call.press("/telephony/voice/menu?attempt=1", "2")
        clock.shift(timedelta(seconds=30))
        status(call, "in-progress", "1")
        clock.shift(timedelta(seconds=200))
        call.post("/telephony/voice/queue-result", QueueResult="bridged", QueueTime="30")
        record = status(call, "completed", "2", "250")
    # 20 s in the menu, 30 s waiting, then 200 s talking.
    assert (record.wait_seconds, record.talk_seconds, record.abandoned) == (30, 200, False)


def test_a_bridged_result_arriving_after_the_final_status_corrects_the_record(twilio, app_context):
    with time_machine.travel(START, tick=False) as clock:
        call = ScriptedCall(twilio)
        call.to_queue()
        clock.shift(timedelta(seconds=130))
        assert status(call, "completed", "2", "130").abandoned
        call.post("/telephony/voice/queue-result", QueueResult="bridged", QueueTime="30")
    record = call.record()
    assert (record.queue_result, record.abandoned, record.wait_seconds, record.talk_seconds) == (
        "bridged",
        False,
        30,
        100,
    )
