"""A call back as the hotline will most likely place it, against the simulator: the
operator's leg is a REST-created call To client:<identity>, which rings the operator's
simulated softphone; once it accepts, the simulator follows that call's TwiML on the
operator's behalf, whose <Dial><Number machineDetection url statusCallback> reaches
the person as SIMULATOR_OUTBOUND says. The hotline's side is `FakeDialler`."""

from __future__ import annotations

import time

import pytest
import time_machine

from telephony.simulator import handset
from tests.support.devices import IDENTITY, device_for
from tests.support.far_end import HOTLINE, PERSON, TOPIC, ended, place
from tests.support.kept import everything_in
from tests.support.waiting import eventually


def call_operator(live) -> str:
    return place(live, to=f"client:{IDENTITY}", url="/test/operator")


def transcript(live, call_sid: str) -> list[dict]:
    return handset.read(live.app.extensions["redis"], call_sid).lines


def test_the_operator_answers_then_the_person_then_the_person_hangs_up(dialling, dialler):
    with (
        dialling(SIMULATOR_TALK_SECONDS=40) as live,
        time_machine.travel(time.time(), tick=True) as clock,
    ):
        call_sid = call_operator(live)
        device = device_for(live)
        offered = device.incoming(timeout=10)
        assert (offered.sid, offered.parent_call_sid, offered.status) == (call_sid, None, "ringing")
        device.accept()
        eventually(lambda: dialler.statuses("/test/leg-status")[-1:] == ["in-progress"])
        clock.shift(41)  # the person talks SIMULATOR_TALK_SECONDS, then hangs up
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
        assert device.status().status == "completed"
        operator_heard = transcript(live, call_sid)
        (dialled,) = dialler.forms("/test/dial-result")
        person_heard = handset.heard(live.app.extensions["redis"], dialled["DialCallSid"])
        kept = everything_in(live.app.extensions["redis"])

    assert dialler.statuses() == ["initiated", "ringing", "in-progress", "completed"]
    legs = dialler.forms("/test/leg-status")
    assert [leg["CallStatus"] for leg in legs] == ["initiated", "ringing", "in-progress", "completed"]
    assert {leg["From"] for leg in legs} == {HOTLINE} and {leg["To"] for leg in legs} == {PERSON}
    assert {leg["ParentCallSid"] for leg in legs} == {call_sid}
    assert [leg.get("AnsweredBy") for leg in legs] == [None, None, "human", "human"]
    (screened,) = dialler.forms("/test/screen")
    assert (screened["AnsweredBy"], screened["Direction"], screened["To"]) == (
        "human",
        "outbound-dial",
        PERSON,
    )
    assert (dialled["DialCallStatus"], dialled["DialBridged"]) == ("completed", "true")
    assert int(dialled["DialCallDuration"]) >= 40
    assert {"kind": "connected", "text": "the number dialled"} in operator_heard
    assert {"kind": "hears", "text": "Calling the person back."} in operator_heard
    assert person_heard == f"A call back about your {TOPIC}."
    assert dialler.all_signed()
    for form in (PERSON, PERSON[1:], "8" + PERSON[2:], PERSON[-10:]):
        assert form.encode() not in kept, "no number in the simulator's keys or values, but encrypted"


def test_a_machine_at_the_persons_number_hears_nothing_and_is_never_put_through(dialling, dialler):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}=machine") as live:
        call_sid = call_operator(live)
        device = device_for(live)
        device.incoming(timeout=10)
        device.accept()
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
        (dialled,) = dialler.forms("/test/dial-result")
        machine = transcript(live, dialled["DialCallSid"])
        operator_heard = transcript(live, call_sid)

    (screened,) = dialler.forms("/test/screen")
    assert screened["AnsweredBy"] == "machine_start"
    assert (dialled["DialCallStatus"], dialled["DialBridged"]) == ("completed", "false")
    assert machine == []  # the url's <Hangup/>: nothing said, and never connected
    assert {"kind": "connected", "text": "the number dialled"} not in operator_heard
    assert dialler.forms("/test/leg-status")[-1]["AnsweredBy"] == "machine_start"


@pytest.mark.parametrize("outcome", ["no-answer", "busy", "failed"])
def test_a_person_not_reached_is_the_dial_actions_status(dialling, dialler, outcome):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}={outcome}") as live:
        call_operator(live)
        device = device_for(live)
        device.incoming(timeout=10)
        device.accept()
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
    (dialled,) = dialler.forms("/test/dial-result")
    assert (dialled["DialCallStatus"], dialled["DialCallDuration"], dialled["DialBridged"]) == (
        outcome,
        "0",
        "false",
    )
    assert dialler.forms("/test/screen") == []


def test_a_dialled_number_waits_the_ring_seconds_before_no_answer(dialling, dialler):
    with (
        dialling(SIMULATOR_RING_SECONDS=30, SIMULATOR_OUTBOUND=f"{PERSON}=no-answer") as live,
        time_machine.travel(time.time(), tick=True) as clock,
    ):
        call_operator(live)
        device = device_for(live)
        device.incoming(timeout=10)
        device.accept()
        eventually(lambda: dialler.statuses("/test/leg-status") == ["initiated", "ringing"])
        clock.shift(31)
        eventually(lambda: dialler.forms("/test/dial-result"))
    assert dialler.forms("/test/dial-result")[0]["DialCallStatus"] == "no-answer"


def test_rest_calls_and_dialled_legs_share_the_count_of_calls_to_a_number(dialling, dialler):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}=busy,answer") as live:
        first = ended(live, place(live))
        call_operator(live)
        device = device_for(live)
        device.incoming(timeout=10)
        device.accept()
        eventually(lambda: dialler.statuses("/test/leg-status")[-1:] == ["in-progress"])  # answered
        device.disconnect()
    assert first == "busy"


def test_the_operator_hanging_up_ends_the_persons_leg_too(dialling, dialler):
    with dialling() as live:
        call_sid = call_operator(live)
        device = device_for(live)
        device.incoming(timeout=10)
        device.accept()
        eventually(lambda: dialler.statuses("/test/leg-status")[-1:] == ["in-progress"])
        device.disconnect()
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
        assert ended(live, call_sid) == "completed"
    assert dialler.statuses("/test/leg-status")[-1] == "completed"
    assert dialler.forms("/test/dial-result") == []  # the operator's side ended the Dial


def test_an_operator_who_rejects_is_busy_and_one_who_never_answers_is_no_answer(dialling, dialler):
    with dialling() as live, time_machine.travel(time.time(), tick=True) as clock:
        rejected = call_operator(live)
        device = device_for(live)
        device.incoming(timeout=10)
        device.reject()
        assert ended(live, rejected) == "busy"
        unanswered = place(live, to=f"client:{IDENTITY}", url="/test/operator", timeout=20)
        eventually(lambda: dialler.statuses().count("ringing") == 2)
        clock.shift(21)
        assert ended(live, unanswered) == "no-answer"
        eventually(lambda: dialler.statuses()[-1:] == ["no-answer"])
    by_call = {
        sid: [form["CallStatus"] for form in dialler.forms("/test/status") if form["CallSid"] == sid]
        for sid in (rejected, unanswered)
    }
    assert by_call == {
        rejected: ["initiated", "ringing", "busy"],
        unanswered: ["initiated", "ringing", "no-answer"],
    }
    assert dialler.forms("/test/operator") == []
