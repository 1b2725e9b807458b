"""The call's lifecycle: a step out of place is refused with 409 and writes
nothing; a change made meanwhile by another process is never overwritten."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select, update

from hotline.calls import service as calls
from hotline.extensions import db
from hotline.models import AuditRecord, Call, Callback, Caller, Case, CaseEvent
from hotline.models.states import TRANSITIONS, CallStage, LeftQueue, Progress
from hotline.operators import departures
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.clock import next_saturday_at, next_weekday_at

WEEKDAY_NOON = next_weekday_at(12)  # open on weekday hours
SATURDAY_NOON = next_saturday_at(12, after=WEEKDAY_NOON)  # closed, the same week
RECORDING = {"RecordingSid": "RE" + "a" * 32, "RecordingUrl": "https://api.twilio.com/rec/RE1"}

STEPS = {
    "language": ("/telephony/voice/language?attempt=1", {"Digits": "2"}),
    "menu": ("/telephony/voice/menu?attempt=1", {"Digits": "3"}),
    "wait": ("/telephony/voice/wait", {"QueuePosition": "1", "QueueTime": "5"}),
    "wait_choice": ("/telephony/voice/wait/choice", {"Digits": "1"}),
    "queue_result": ("/telephony/voice/queue-result", {"QueueResult": "hangup", "QueueTime": "5"}),
    "after_hours": ("/telephony/voice/after-hours?attempt=1", {"Digits": "1"}),
    "message": ("/telephony/voice/message", RECORDING),
}

# Each step, and the stages of a call it makes no sense for.
OUT_OF_PLACE = [
    ("language", ["queued", "after_hours", "left_queue", "ended"]),
    ("menu", ["left_queue", "ended"]),
    ("wait", ["menu", "after_hours", "left_queue", "ended"]),
    ("wait_choice", ["menu", "after_hours", "left_queue", "ended"]),
    ("queue_result", ["menu", "after_hours", "ended_at_menu"]),
    ("after_hours", ["menu", "queued", "left_queue", "ended"]),
    ("message", ["menu", "queued", "left_queue", "ended"]),
]


@pytest.fixture
def office(make_app):
    app = make_app(HOTLINE_HOURS="mon-fri 09:00-18:00")
    with app.app_context():
        yield TwilioWebhooks(app.test_client())


def call_at(twilio: TwilioWebhooks, stage: str) -> ScriptedCall:
    call = ScriptedCall(twilio)
    when = SATURDAY_NOON if stage == "after_hours" else WEEKDAY_NOON
    with time_machine.travel(when, tick=False):
        if stage in ("menu", "ended_at_menu"):
            call.dial()
            call.press("/telephony/voice/language?attempt=1", "2")
        else:
            call.to_queue(need="3")
        if stage == "left_queue":
            call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="5")
        if stage in ("ended", "ended_at_menu"):
            call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9")
    assert call.record().stage == stage.removesuffix("_at_menu")
    return call


def snapshot(call: ScriptedCall) -> tuple:
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Call, Caller, Case, CaseEvent, Callback, AuditRecord)
    )
    record = call.record()
    return counts, record.version, record.stage, record.queue_result, record.recording_sid


@pytest.mark.parametrize(
    ("step", "stage"), [(step, stage) for step, stages in OUT_OF_PLACE for stage in stages]
)
def test_a_step_out_of_place_is_409_and_writes_nothing(office, step, stage):
    call = call_at(office, stage)
    before = snapshot(call)
    path, fields = STEPS[step]
    with time_machine.travel(WEEKDAY_NOON, tick=False):
        response = call.post(path, **fields)
    assert response.status_code == 409
    assert "does not apply to a call at stage" in response.get_data(as_text=True)
    assert snapshot(call) == before


def test_every_stage_leads_forward_but_back_to_the_queue():
    """The only way back is to the queue: an offer declined or lapsed, an
    operator's phone not answered, a transfer."""
    order = list(CallStage)
    for stage, onward in TRANSITIONS.items():
        back = {later for later in onward if order.index(later) <= order.index(stage)}
        assert back <= {CallStage.QUEUED}
    assert {stage for stage, onward in TRANSITIONS.items() if CallStage.QUEUED in onward} == {
        CallStage.MENU,
        CallStage.OFFERED,
        CallStage.CONNECTED,
    }
    assert TRANSITIONS[CallStage.ENDED] == frozenset()


def test_a_change_made_meanwhile_by_another_process_is_kept(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    stale = call.record()
    version = stale.version
    # Another process ends the call between our read and our write.
    with db.engine.begin() as other:
        other.execute(
            update(Call)
            .where(Call.id == stale.id)
            .values(
                stage=CallStage.ENDED,
                status="completed",
                progress=Progress.FINISHED,
                ended_at=datetime.now(UTC),
                version=Call.version + 1,
            )
        )
    assert stale.stage == CallStage.QUEUED

    assert calls.leave_queue(stale, "hangup", LeftQueue.HUNG_UP, 10, datetime.now(UTC))

    fresh = call.record()
    assert (fresh.stage, fresh.status, fresh.queue_result, fresh.wait_seconds) == (
        "ended",
        "completed",
        "hangup",
        10,
    )
    assert fresh.version == version + 2


def test_a_stale_status_read_before_a_newer_one_changes_nothing(twilio, app_context):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    call.post("/telephony/voice/status", CallStatus="in-progress", SequenceNumber="1")
    stale = call.record()
    with db.engine.begin() as other:
        other.execute(
            update(Call)
            .where(Call.id == stale.id)
            .values(
                status="canceled",
                status_sequence=3,
                progress=Progress.FINISHED,
                stage=CallStage.ENDED,
                version=Call.version + 1,
            )
        )

    # Newer than what this session read (sequence 2 > 1), older than what was written meanwhile.
    _call, applied = departures.status_reported(
        call.sid, "completed", Progress.FINISHED, 2, 99, datetime.now(UTC)
    )

    assert not applied
    fresh = call.record()
    assert (fresh.status, fresh.status_sequence, fresh.duration_seconds) == ("canceled", 3, None)
