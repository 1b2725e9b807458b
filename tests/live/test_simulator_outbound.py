"""Calls the hotline places, through the real twilio client pointed at the simulator:
the simulator plays the far end as SIMULATOR_OUTBOUND says (answer, no-answer and
busy after SIMULATOR_RING_SECONDS, failed at once, a machine with AnsweredBy), the
n-th call to a number getting the n-th outcome; the status callback hears each event
in order, signed. The hotline's side is a stand-in on test routes (`FakeDialler`)."""

from __future__ import annotations

import time

import pytest
import requests
import time_machine
from redis import Redis
from twilio.base.exceptions import TwilioException

from telephony.client import TwilioTelephony
from telephony.simulator import handset
from telephony.simulator.phone import Script
from telephony.vocabulary import FINAL_STATUSES
from tests.support.far_end import HOTLINE, PERSON, TOPIC, ended, place
from tests.support.live_server import LiveServer
from tests.support.servers import tail, web_processes
from tests.support.waiting import eventually

OTHER = "+77015550011"


def heard(live: LiveServer, call_sid: str) -> str:
    redis: Redis = live.app.extensions["redis"]
    return handset.heard(redis, call_sid)


def test_an_answered_call_follows_its_url_and_reports_each_event_in_order(dialling, dialler):
    with dialling() as live:
        call_sid = place(live)
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
        said = heard(live, call_sid)
        call = live.telephony.client.calls(call_sid).fetch()

    assert dialler.statuses() == ["initiated", "ringing", "in-progress", "completed"]
    callbacks = dialler.forms("/test/status")
    assert [form["SequenceNumber"] for form in callbacks] == ["0", "1", "2", "3"]
    for form in callbacks:
        assert (form["CallSid"], form["Direction"], form["To"], form["From"]) == (
            call_sid,
            "outbound-api",
            PERSON,
            HOTLINE,
        )
        assert "AnsweredBy" not in form  # no machine detection was asked
    assert "CallDuration" in callbacks[-1] and "CallDuration" not in callbacks[0]
    (asked,) = dialler.forms("/test/person")
    assert (asked["CallSid"], asked["CallStatus"], asked["Direction"]) == (
        call_sid,
        "in-progress",
        "outbound-api",
    )
    assert dialler.all_signed()
    assert said == f"The hotline calls you back about your {TOPIC}."
    assert (call.status, call.direction, call.answered_by) == ("completed", "outbound-api", None)


@pytest.mark.parametrize("outcome", ["no-answer", "busy"])
def test_no_answer_and_busy_are_reported_once_the_ring_seconds_have_passed(dialling, dialler, outcome):
    with (
        dialling(SIMULATOR_RING_SECONDS=30, SIMULATOR_OUTBOUND=f"{PERSON}={outcome}") as live,
        time_machine.travel(time.time(), tick=True) as clock,
    ):
        call_sid = place(live)
        eventually(lambda: dialler.statuses() == ["initiated", "ringing"])
        assert live.telephony.client.calls(call_sid).fetch().status == "ringing"
        clock.shift(31)
        eventually(lambda: dialler.statuses()[-1:] == [outcome])
        assert ended(live, call_sid) == outcome

    assert dialler.statuses() == ["initiated", "ringing", outcome]
    assert dialler.forms("/test/status")[-1]["CallDuration"] == "0"
    assert dialler.forms("/test/person") == []  # nobody answered: the Url is never asked


def test_a_failed_call_fails_at_once_without_ringing(dialling, dialler):
    with dialling(SIMULATOR_RING_SECONDS=600, SIMULATOR_OUTBOUND=f"{PERSON}=failed") as live:
        call_sid = place(live)
        assert ended(live, call_sid, timeout=5) == "failed"
        eventually(lambda: dialler.statuses() == ["initiated", "failed"])
    assert dialler.forms("/test/person") == []


@pytest.mark.parametrize(
    ("outcome", "detection", "answered_by"),
    [
        ("machine", "Enable", "machine_start"),
        ("machine", "DetectMessageEnd", "machine_end_beep"),
        ("answer", "Enable", "human"),
    ],
)
def test_machine_detection_tells_answered_by_as_twilio_does(
    dialling, dialler, outcome, detection, answered_by
):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}={outcome}") as live:
        call_sid = place(live, machine_detection=detection)
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
        said = heard(live, call_sid)
        call = live.telephony.client.calls(call_sid).fetch()

    (asked,) = dialler.forms("/test/person")
    assert asked["AnsweredBy"] == answered_by
    answered, completed = dialler.forms("/test/status")[2:]
    assert answered["AnsweredBy"] == completed["AnsweredBy"] == answered_by
    assert call.answered_by == answered_by
    if outcome == "machine":
        assert said == "Hello. We will call again."
        assert TOPIC not in said  # what the machine heard names nothing
    else:
        assert TOPIC in said


def test_a_machine_with_no_detection_asked_is_just_answered(dialling, dialler):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}=machine") as live:
        call_sid = place(live)
        eventually(lambda: dialler.statuses()[-1:] == ["completed"])
        said = heard(live, call_sid)
    assert "AnsweredBy" not in dialler.forms("/test/person")[0]
    assert TOPIC in said  # the hotline could not tell: it spoke as to a person


def test_the_nth_call_to_a_number_gets_the_nth_outcome_and_the_last_repeats(dialling, dialler):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}=no-answer,busy,answer;{OTHER}=busy") as live:
        statuses = [ended(live, place(live)) for _ in range(4)]
        others = [ended(live, place(live, to=OTHER)) for _ in range(2)]
        elsewhere = ended(live, place(live, to="+77015550022"))
    assert statuses == ["no-answer", "busy", "completed", "completed"]
    assert others == ["busy", "busy"]
    assert elsewhere == "completed"  # a number the setting does not name answers


def test_the_rest_api_hanging_up_a_ringing_call_cancels_it(dialling, dialler):
    with dialling(SIMULATOR_RING_SECONDS=600, SIMULATOR_OUTBOUND=f"{PERSON}=no-answer") as live:
        call_sid = place(live)
        eventually(lambda: dialler.statuses() == ["initiated", "ringing"])
        live.telephony.hang_up(call_sid)
        assert ended(live, call_sid) == "canceled"
        eventually(lambda: dialler.statuses()[-1:] == ["canceled"])
    assert dialler.statuses() == ["initiated", "ringing", "canceled"]


def test_a_call_placed_with_twiml_is_heard_and_the_default_events_are_completed_only(dialling, dialler):
    with dialling() as live:
        call = live.telephony.client.calls.create(
            to=PERSON,
            from_=HOTLINE,
            twiml="<Response><Say>Straight from the API.</Say><Pause/><Hangup/></Response>",
            status_callback=live.url + "/test/status",
        )
        eventually(lambda: dialler.statuses() == ["completed"])
        said = heard(live, call.sid)
    assert said == "Straight from the API."


# --- the list resources ------------------------------------------------------------------


def test_calls_are_listed_newest_first_with_twilios_filters_and_paging(dialling, dialler):
    with dialling(SIMULATOR_OUTBOUND=f"{PERSON}=busy") as live:
        busy = place(live)
        answered = place(live, to=OTHER)
        for call_sid in (busy, answered):
            ended(live, call_sid)
        inbound = live.phone().call("+77015551234", Script(digits=("2", "3"), in_queue="hangup")).call_sid
        client = live.telephony.client

        def sids(**filters) -> list[str]:
            return [call.sid for call in client.calls.list(**filters)]

        assert sids() == [inbound, answered, busy]
        assert sids(to=PERSON) == [busy]
        assert sids(to="8 701 555 77 88") == [busy]  # a number however written
        assert sids(from_=HOTLINE) == [answered, busy]
        assert sids(to=HOTLINE) == [inbound]
        assert sids(status="busy") == [busy]
        assert sids(status="completed", to=OTHER) == [answered]
        assert sids(to="+77019990000") == []
        assert sids(page_size=1) == [inbound, answered, busy]  # the client follows next_page_uri
        first = client.calls.page(page_size=2)
        assert ([call.sid for call in first], first.next_page_url is not None) == ([inbound, answered], True)
        assert [call.sid for call in first.next_page()] == [busy]
        direction = by_direction(live, "outbound-api")
        assert (direction.status_code, [call["sid"] for call in direction.json()["calls"]]) == (
            200,
            [answered, busy],
        )
        listed = direction.json()
        assert (listed["page"], listed["page_size"], listed["next_page_uri"]) == (0, 50, None)
        assert listed["first_page_uri"].startswith("/2010-04-01/Accounts/")


def by_direction(live: LiveServer, direction: str) -> requests.Response:
    """Twilio's list has no Direction filter; the simulator's does (twilio-python cannot send it)."""
    config = live.app.config
    account = config["TWILIO_ACCOUNT_SID"]
    return requests.get(
        f"{live.url}/simulator/2010-04-01/Accounts/{account}/Calls.json",
        params={"Direction": direction},
        auth=(account, config["TWILIO_AUTH_TOKEN"]),
        timeout=5,
    )


def test_messages_are_listed_with_the_to_filter(dialling):
    with dialling() as live:
        client = live.telephony.client
        mine = live.telephony.send_sms(PERSON, "Мы не дозвонились до вас.")
        other = live.telephony.send_sms(OTHER, "Другое.")
        assert [message.sid for message in client.messages.list(to=PERSON)] == [mine]
        assert [message.sid for message in client.messages.list()] == [other, mine]
        assert [message.body for message in client.messages.list(to=PERSON)] == ["Мы не дозвонились до вас."]
        assert client.messages.list(to="+77019990000") == []


def test_a_page_size_out_of_range_is_refused_as_twilio_refuses_it(dialling):
    with dialling() as live, pytest.raises(TwilioException) as refused:
        live.telephony.client.calls.page(page_size=1001)
    assert "HTTP 400" in str(refused.value) and '"code":20001' in str(refused.value)


def test_a_far_end_slower_than_the_calls_timeout_is_no_answer_at_the_timeout(dialling, dialler):
    with (
        dialling(SIMULATOR_ANSWER_SECONDS=30) as live,
        time_machine.travel(time.time(), tick=True) as clock,
    ):
        call_sid = place(live, timeout=5)
        eventually(lambda: dialler.statuses() == ["initiated", "ringing"])
        clock.shift(6)
        assert ended(live, call_sid) == "no-answer"
    assert dialler.forms("/test/person") == []


def test_a_gunicorn_web_process_plays_the_far_end_in_its_gevent_worker(
    app, database_url, redis_url, tmp_path
):
    settings = {"SIMULATOR_OUTBOUND": f"{PERSON}=no-answer,answer"}
    quick = {"SIMULATOR_RING_SECONDS": "0", "SIMULATOR_ANSWER_SECONDS": "0"}
    with web_processes(1, database_url, redis_url, tmp_path, **settings, **quick) as (web,):
        client = TwilioTelephony.from_config(
            {**app.config, "TWILIO_API_BASE_URL": web.url + "/simulator"}
        ).client

        def final(call_sid: str) -> str | None:
            status = client.calls(call_sid).fetch().status
            return status if status in FINAL_STATUSES else None

        twiml = "<Response><Say>Hello from gunicorn.</Say></Response>"
        sids = [client.calls.create(to=PERSON, from_=HOTLINE, twiml=twiml).sid for _ in range(2)]
        statuses = [eventually(lambda sid=sid: final(sid), what=lambda: tail(web.log)) for sid in sids]
    assert statuses == ["no-answer", "completed"]
    assert handset.heard(app.extensions["redis"], sids[1]) == "Hello from gunicorn."
