"""The simulator end to end: the app served over real HTTP, the real twilio-python
client pointed at the simulator's REST API, and a simulated phone that plays the
caller's part through signed webhooks."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import time_machine
from cryptography.fernet import Fernet
from flask import Blueprint, Flask, request
from redis import Redis
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from hotline.cases.priority import Priority
from hotline.extensions import csrf, db
from hotline.models import Call, Callback
from hotline.telephony import TelephonyError
from telephony import prompts
from telephony.client import TwilioTelephony
from telephony.simulator import state
from telephony.simulator.device import SimulatedDevice
from telephony.simulator.phone import FlaskClientTransport, Script, SimulatedPhone
from tests.support.calls import AUTH_TOKEN
from tests.support.clock import next_saturday_at
from tests.support.devices import access_token
from tests.support.kept import everything_in
from tests.support.live_server import LiveServer, serve
from tests.support.servers import free_port

NUMBER = "+77015551234"
HOTLINE = "+77172000000"
CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")


class Operator:
    """Test routes standing in for the parts of the app not written yet: an operator's
    leg (connect TwiML), an outbound call's TwiML and its status callback."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict, bool]] = []

    def prepare(self, app: Flask) -> None:
        validator = RequestValidator(AUTH_TOKEN)
        # Signed by the simulator as Twilio signs: exempt from CSRF as telephony/'s own webhooks are.
        routes = Blueprint("test_twiml", __name__)
        csrf.exempt(routes)

        def twiml(body: str):
            signed = validator.validate(
                request.url, request.form, request.headers.get("X-Twilio-Signature", "")
            )
            self.received.append((request.path, request.form.to_dict(), signed))
            return f"<Response>{body}</Response>", 200, {"Content-Type": "application/xml"}

        routes.add_url_rule(
            "/test/operator",
            "test_operator",
            lambda: twiml("<Say>Оператор на линии.</Say><Dial><Client>operator-7</Client></Dial><Hangup/>"),
            methods=["POST"],
        )
        routes.add_url_rule(
            "/test/outbound",
            "test_outbound",
            lambda: twiml(
                '<Say>Это горячая линия.</Say><Gather numDigits="1" action="/test/pressed">'
                "<Say>Нажмите 1.</Say></Gather><Say>Не слышно.</Say>"
            ),
            methods=["POST"],
        )
        routes.add_url_rule(
            "/test/pressed", "test_pressed", lambda: twiml("<Say>Соединяю.</Say><Hangup/>"), methods=["POST"]
        )
        routes.add_url_rule("/test/status", "test_status", lambda: twiml(""), methods=["POST"])
        app.register_blueprint(routes)

    def forms(self, path: str) -> list[dict]:
        return [form for received, form, _ in self.received if received == path]


@pytest.fixture
def operator() -> Operator:
    return Operator()


@pytest.fixture
def live(make_app, operator) -> LiveServer:
    with serve(make_app, prepare=operator.prepare) as server:
        yield server


def record_of(live: LiveServer, call_sid: str) -> Call:
    with live.app.app_context():
        call = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
        db.session.expunge(call)
        return call


# --- the REST subset, through telephony.client.Telephony ---------------------------------


def test_placed_call_has_a_call_sid_the_api_knows(live):
    with live.phone().answers_for(NUMBER):  # it waits for this phone: nothing answers it yet
        call_sid = live.telephony.place_call(NUMBER, HOTLINE, live.url + "/test/outbound")
    assert CALL_SID.match(call_sid)
    call = live.telephony.client.calls(call_sid).fetch()
    assert (call.status, call.direction, call.to, call._from) == ("queued", "outbound-api", NUMBER, HOTLINE)
    assert call.date_created is not None


def test_answered_outbound_call_follows_its_url_and_reports_its_status(live, operator):
    status_url = live.url + "/test/status"
    phone = live.phone()
    with phone.answers_for(NUMBER):
        call_sid = live.telephony.place_call(
            NUMBER, HOTLINE, live.url + "/test/outbound", status_callback=status_url
        )
        result = phone.answer(call_sid, Script(digits=("1",), talk_seconds=0))

    assert result.said() == "Это горячая линия. Нажмите 1. Соединяю."
    assert result.pressed == ["1"]
    assert all(signed for _, _, signed in operator.received), "every webhook carries a valid signature"
    first = operator.forms("/test/outbound")[0]
    assert (first["CallSid"], first["Direction"], first["CallStatus"]) == (
        call_sid,
        "outbound-api",
        "in-progress",
    )
    assert (first["From"], first["To"]) == (HOTLINE, NUMBER)
    assert operator.forms("/test/pressed")[0]["Digits"] == "1"
    [status] = operator.forms("/test/status")
    assert (status["CallSid"], status["CallStatus"]) == (call_sid, "completed")
    assert live.telephony.client.calls(call_sid).fetch().status == "completed"


def test_unanswered_outbound_call_reports_no_answer(live, operator):
    phone = live.phone()
    with phone.answers_for(NUMBER):
        call_sid = live.telephony.place_call(
            NUMBER, HOTLINE, live.url + "/test/outbound", status_callback=live.url + "/test/status"
        )
        phone.decline(call_sid, "no-answer")
    assert [form["CallStatus"] for form in operator.forms("/test/status")] == ["no-answer"]
    assert live.telephony.client.calls(call_sid).fetch().status == "no-answer"


def test_hanging_up_a_call_not_yet_answered_cancels_it(live):
    with live.phone().answers_for(NUMBER):
        call_sid = live.telephony.place_call(NUMBER, HOTLINE, live.url + "/test/outbound")
    live.telephony.redirect_call(call_sid, live.url + "/test/operator")  # allowed before it is answered
    live.telephony.hang_up(call_sid)
    assert live.telephony.client.calls(call_sid).fetch().status == "canceled"
    with pytest.raises(TelephonyError) as error:
        live.telephony.redirect_call(call_sid, live.url + "/test/operator")
    cause = error.value.__cause__
    assert (cause.status, cause.code) == (400, 21220)


def test_queue_sizes_name_the_four_queues(live):
    assert live.telephony.queue_sizes() == {"psychologist": 0, "medical": 0, "legal": 0, "general": 0}


def test_send_sms_returns_a_message_sid(live):
    message_sid = live.telephony.send_sms(NUMBER, "Мы перезвоним вам завтра.")
    assert re.match(r"^SM[0-9a-f]{32}$", message_sid)
    message = live.telephony.client.messages(message_sid).fetch()
    assert (message.to, message.body, message.status) == (NUMBER, "Мы перезвоним вам завтра.", "queued")


def test_a_wrong_auth_token_is_refused_as_twilio_refuses_it(live):
    config = live.app.config
    wrong = TwilioTelephony.from_config({**config, "TWILIO_AUTH_TOKEN": "not-the-token"})
    with pytest.raises(TelephonyError) as error:
        wrong.send_sms(NUMBER, "x")
    cause = error.value.__cause__
    assert (cause.status, cause.code) == (401, 20003)
    bare = requests.get(
        f"{live.url}/simulator/2010-04-01/Accounts/{config['TWILIO_ACCOUNT_SID']}/Queues.json"
    )
    assert bare.status_code == 401 and bare.headers["WWW-Authenticate"].startswith("Basic")
    assert bare.json()["code"] == 20003 and set(bare.json()) == {"code", "message", "more_info", "status"}


def test_errors_are_twilio_shaped(live):
    client = live.telephony.client
    with pytest.raises(TwilioRestException) as unknown:
        client.calls("CA" + "0" * 32).fetch()
    assert (unknown.value.status, unknown.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as no_to:
        client.calls.create(to="", from_=HOTLINE, url=live.url + "/test/outbound")
    assert (no_to.value.status, no_to.value.code) == (400, 21201)
    with pytest.raises(TwilioRestException) as relative:
        client.calls.create(to=NUMBER, from_=HOTLINE, url="/test/outbound")
    assert (relative.value.status, relative.value.code) == (400, 21205)
    with pytest.raises(TwilioRestException) as no_body:
        client.messages.create(to=NUMBER, from_=HOTLINE, body="")
    assert (no_body.value.status, no_body.value.code) == (400, 21602)


# --- whole calls through the live server -----------------------------------------------------


def test_caller_who_hangs_up_in_the_queue_is_abandoned(live):
    result = live.phone().call(NUMBER, Script(digits=("2", "3"), in_queue="hangup"))

    assert CALL_SID.match(result.call_sid)
    assert result.pressed == ["2", "3"]
    assert prompts.text("notice", "ru") in result.said()
    assert prompts.text("position", "ru", position=1) in result.said()
    assert (result.queue, result.queue_result, result.status) == ("legal", "hangup", "completed")
    assert result.outcome == "the caller hung up while waiting"
    assert result.problems == []  # the hold audio the wait TwiML plays exists
    call = record_of(live, result.call_sid)
    assert (call.queue, call.queue_result, call.abandoned) == ("legal", "hangup", True)
    assert (call.status, call.stage) == ("completed", "ended")
    assert live.telephony.queue_sizes()["legal"] == 0


def test_caller_who_presses_1_while_waiting_is_called_back(live):
    result = live.phone().call(NUMBER, Script(digits=("2", "3"), in_queue="callback"))

    assert result.pressed == ["2", "3", "1", "1"]
    assert result.queue_result == "leave"
    assert prompts.text("callback_soon", "ru") in result.said()
    assert prompts.text("callback_confirmed", "ru") in result.said()
    assert result.outcome == "the hotline hung up"
    call = record_of(live, result.call_sid)
    assert (call.queue_result, call.abandoned) == ("leave", False)
    with live.app.app_context():
        callback = db.session.scalars(select(Callback)).one()
        assert (callback.call_id, callback.queue, callback.source) == (call.id, "legal", "ivr")


def test_withheld_caller_pressing_1_for_their_own_number_is_told_it_cannot_be_called(live):
    result = live.phone().call(None, Script(digits=("2", "1"), in_queue="callback", wait_loops=2))

    assert prompts.text("callback_number_withheld", "ru") in result.said()
    assert prompts.text("number_not_callable", "ru") in result.said()
    assert result.pressed == ["2", "1", "1", "1"]
    assert (result.queue, result.queue_result) == ("psychologist", "hangup")
    call = record_of(live, result.call_sid)
    assert call.abandoned
    with live.app.app_context():
        assert db.session.get(Call, call.id).caller.withheld
        assert db.session.scalars(select(Callback)).all() == []


def test_crisis_digit_reads_the_emergency_number_and_jumps_the_queue(live):
    result = live.phone().call(NUMBER, Script(digits=("2", "9")))

    assert prompts.text("emergency", "ru", number="1 1 2") in result.said()
    assert result.queue == "psychologist"
    call = record_of(live, result.call_sid)
    assert (call.crisis, call.priority) == (True, Priority.CRISIS)


def test_no_input_runs_through_the_retries_to_the_general_queue(live):
    result = live.phone().call(NUMBER, Script(digits=()))

    assert result.pressed == []
    assert result.said().count(prompts.text("not_understood", "ru")) >= 2
    assert result.queue == "general"


def test_waiting_caller_is_seen_and_taken_through_the_rest_api(live):
    """An operator's accept: the REST API sees the caller in the queue and
    redirects that call, by CallSid, to the operator's TwiML, and their softphone answers."""
    seen = {}
    softphone = SimulatedDevice(live.url, access_token(live.app.config, "operator-7"), poll_seconds=0.02)
    answering = ThreadPoolExecutor(1)

    def operator_accepts(call_sid: str, turn: int) -> None:
        if turn == 2:
            seen["sizes"] = live.telephony.queue_sizes()
            queue = next(q for q in live.telephony.client.queues.list() if q.friendly_name == "medical")
            seen["members"] = [
                (m.call_sid, m.position) for m in live.telephony.client.queues(queue.sid).members.list()
            ]
            live.telephony.redirect_call(call_sid, live.url + "/test/operator")
            seen["answered"] = answering.submit(lambda: softphone.incoming(timeout=10) and softphone.accept())

    script = Script(
        digits=("2", "2"), in_queue="wait", wait_loops=10, talk_seconds=0, while_waiting=operator_accepts
    )
    result = live.phone().call(NUMBER, script)

    assert seen["sizes"]["medical"] == 1
    assert seen["members"] == [(result.call_sid, 1)]
    assert result.queue_result == "redirected"
    assert "Оператор на линии." in result.said()
    assert any(line.kind == "connected" and line.text == "client operator-7" for line in result.transcript)
    assert seen["answered"].result(timeout=15).status == "in-progress"
    answering.shutdown()
    call = record_of(live, result.call_sid)
    assert (call.queue_result, call.abandoned, call.status) == ("redirected", False, "completed")
    assert live.telephony.client.calls(result.call_sid).fetch().status == "completed"
    assert live.telephony.queue_sizes()["medical"] == 0


def test_hanging_up_a_waiting_call_through_the_rest_api_ends_it(live):
    script = Script(
        digits=("2", "4"),
        in_queue="wait",
        wait_loops=10,
        while_waiting=lambda sid, _turn: live.telephony.hang_up(sid),
    )
    result = live.phone().call(NUMBER, script)

    assert result.outcome == "the hotline hung up through the REST API"
    assert live.telephony.client.calls(result.call_sid).fetch().status == "completed"
    assert record_of(live, result.call_sid).status == "completed"
    assert live.telephony.queue_sizes()["general"] == 0


def test_after_hours_voice_message_is_recorded(make_app):
    with (
        serve(make_app, HOTLINE_HOURS="mon-fri 09:00-18:00") as live,
        time_machine.travel(next_saturday_at(12), tick=True),  # closed on weekday hours
    ):
        result = live.phone().call(NUMBER, Script(digits=("2", "3", "2"), message_seconds=12))
        call = record_of(live, result.call_sid)
        audio = requests.get(call.recording_url)

    assert prompts.text("message_saved", "ru") in result.said()
    assert any(line.kind == "records" for line in result.transcript)
    assert re.match(r"^RE[0-9a-f]{32}$", call.recording_sid) and call.recording_seconds == 12
    assert call.recording_url.startswith(live.url + "/simulator/")
    assert audio.status_code == 200 and audio.headers["Content-Type"] == "audio/x-wav"


def test_the_phone_also_plays_against_a_flask_test_client(app, client):
    phone = SimulatedPhone.for_app(app.config, "http://localhost", transport=FlaskClientTransport(client))
    result = phone.call(NUMBER, Script(digits=("2", "1")))
    assert (result.queue, result.queue_result) == ("psychologist", "hangup")
    with app.app_context():
        call = db.session.scalars(select(Call).where(Call.call_sid == result.call_sid)).one()
        assert (call.status, call.abandoned) == ("completed", True)


# --- what the simulator keeps in Redis -----------------------------------------------------------

NUMBER_FORMS = (NUMBER, NUMBER[1:], "8" + NUMBER[2:], NUMBER[-10:])  # E.164, without +, national
SMS = "Мы перезвоним вам завтра."


def assert_private(redis: Redis) -> None:
    kept = everything_in(redis)
    assert kept, "nothing in Redis to look at"
    for form in (*NUMBER_FORMS, SMS):
        assert form.encode() not in kept


def test_numbers_and_messages_are_kept_encrypted_and_the_api_still_reads_them(live):
    redis = live.app.extensions["redis"]
    seen_waiting = []

    def look_while_waiting(call_sid: str, turn: int) -> None:
        seen_waiting.append(redis.zcard(state.key("queue", "legal")))
        assert_private(redis)

    inbound = live.phone().call(
        NUMBER, Script(digits=("2", "3"), in_queue="wait", wait_loops=2, while_waiting=look_while_waiting)
    )
    phone = live.phone()
    with phone.answers_for(NUMBER):
        outbound = live.telephony.place_call(
            NUMBER, HOTLINE, live.url + "/test/outbound", live.url + "/test/status"
        )
        phone.answer(outbound, Script(digits=("1",), talk_seconds=0))
    message_sid = live.telephony.send_sms(NUMBER, SMS)

    assert seen_waiting == [1, 1]
    assert_private(redis)
    simulator_keys = {key.decode() for key in redis.scan_iter(state.PREFIX + "*")}
    records = {
        state.key("call", inbound.call_sid),
        state.key("call", outbound),
        state.key("message", message_sid),
    }
    indexes = {state.PREFIX + "index:call", state.PREFIX + "index:message"}
    assert simulator_keys == records | indexes | {state.QUEUES_KEY}
    for call_sid in (inbound.call_sid, outbound):
        assert 0 < redis.ttl(state.key("call", call_sid)) <= state.ENDED_TTL_SECONDS
        assert {b"from", b"to"} <= set(redis.hkeys(state.key("call", call_sid)))
    assert not set(state.PLACED) & {name.decode() for name in redis.hkeys(state.key("call", outbound))}
    client = live.telephony.client
    fetched = client.calls(inbound.call_sid).fetch()
    assert (fetched.status, fetched._from, fetched.to) == ("completed", NUMBER, HOTLINE)
    assert client.calls(outbound).fetch().to == NUMBER
    message = client.messages(message_sid).fetch()
    assert (message.to, message.body) == (NUMBER, SMS)


def test_a_record_the_apps_key_cannot_read_is_not_found(live, make_app):
    with live.phone().answers_for(NUMBER):
        call_sid = live.telephony.place_call(NUMBER, HOTLINE, live.url + "/test/outbound")
    with (
        serve(make_app, PHONE_ENCRYPTION_KEY=Fernet.generate_key().decode()) as other,
        pytest.raises(TwilioRestException) as missing,
    ):
        other.telephony.client.calls(call_sid).fetch()
    assert missing.value.status == 404


# --- flask simulate-call ------------------------------------------------------------------------


def test_simulate_call_prints_the_transcript_and_never_the_number(live):
    runner = live.app.test_cli_runner()
    args = ["simulate-call", "--from", NUMBER, "--digits", "2,3", "--url", live.url, "--then", "hangup"]
    result = runner.invoke(args=[*args, "--hold", "0"])

    assert result.exit_code == 0, result.output
    assert prompts.text("notice", "ru") in result.output
    assert "presses    2" in result.output and "presses    3" in result.output
    call_sid = re.search(r"CallSid:\s+(CA[0-9a-f]{32})", result.output).group(1)
    assert "Queue:     legal (left: hangup)" in result.output
    with live.app.app_context():
        reference = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one().case.reference
    assert f"Case:      {reference}" in result.output
    for form in (NUMBER, NUMBER[1:], "8" + NUMBER[2:], NUMBER[-10:]):
        assert form not in result.output


def test_simulate_call_with_a_blank_digit_and_a_withheld_number(live):
    args = ["simulate-call", "--from", "anonymous", "--digits", "2,,4", "--url", live.url, "--hold", "0"]
    result = live.app.test_cli_runner().invoke(args=[*args, "--then", "wait", "--wait-loops", "2"])
    assert result.exit_code == 0, result.output
    assert "a withheld number" in result.output
    assert prompts.text("not_understood", "ru") in result.output  # the blank item: no input, asked again
    assert "Queue:     general (left: hangup)" in result.output


def test_simulate_call_says_when_the_app_is_not_running(app):
    url = f"http://127.0.0.1:{free_port()}"
    result = app.test_cli_runner().invoke(args=["simulate-call", "--url", url, "--digits", "2,3"])
    assert result.exit_code == 1
    assert f"nothing answers at {url}: is the app running?" in result.output
    assert "Traceback" not in result.output


def test_simulate_call_says_when_the_auth_token_differs(live, make_app):
    other = make_app(TWILIO_AUTH_TOKEN="another-token")
    result = other.test_cli_runner().invoke(args=["simulate-call", "--url", live.url, "--digits", "2,3"])
    assert result.exit_code == 1
    assert "TWILIO_AUTH_TOKEN" in result.output and "Traceback" not in result.output


def test_simulate_call_refuses_digits_that_are_not_keys(app):
    result = app.test_cli_runner().invoke(args=["simulate-call", "--digits", "2,x"])
    assert result.exit_code == 2 and "keypad keys" in result.output


def test_simulate_call_says_when_the_app_has_no_simulator(make_app, app):
    with serve(make_app, TELEPHONY_SIMULATOR=False) as bare:
        result = app.test_cli_runner().invoke(args=["simulate-call", "--url", bare.url, "--digits", "2,3"])
    assert result.exit_code == 1
    assert "is TELEPHONY_SIMULATOR on there?" in result.output
