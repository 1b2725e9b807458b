"""The simulator's <Dial>: the caller put through to an operator's softphone (a
simulated device) or phone, as Twilio does it: the child leg, its signed status
callbacks, the Dial action, and the REST API ending or redirecting the caller.

The hotline's side is a stand-in here (`FakeHotline`): test routes on the real app,
served over real HTTP, answering the contract's TwiML and recording what Twilio
(the simulator) posts to them, signature checked.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
import time_machine
from redis import Redis

from telephony.simulator.ids import new_sid
from telephony.simulator.phone import Line, Script, SimulatedPhone
from telephony.simulator.player import Player
from tests.support.devices import IDENTITY, OPERATOR_PHONE, FakeHotline, device_for
from tests.support.live_server import LiveServer, serve
from tests.support.waiting import eventually

CALLER = "+77015551234"
HOTLINE = "+77172000000"


@pytest.fixture
def hotline() -> FakeHotline:
    return FakeHotline()


@pytest.fixture
def live(make_app, hotline) -> LiveServer:
    with serve(make_app, prepare=hotline.prepare, SIMULATOR_ANSWER_SECONDS=0) as server:
        yield server


class Caller:
    """A caller whose call goes straight to the hotline's connect TwiML, in a thread."""

    def __init__(self, live: LiveServer, script: Script) -> None:
        self.lines: list[Line] = []
        self.phone = SimulatedPhone.for_app(live.app.config, live.url, listener=self.lines.append)
        self.call_sid = new_sid("CA")
        self.phone.network(self.call_sid, "ring", **{"from": CALLER, "to": HOTLINE})
        params = {"From": CALLER, "To": HOTLINE, "Direction": "inbound"}
        player = Player(self.phone, self.call_sid, params, script, live.url + "/test/status")
        self.executor = ThreadPoolExecutor(1)
        self.future: Future = self.executor.submit(player.play, live.url + "/test/connect", "POST", "ringing")

    def result(self):
        try:
            return self.future.result(timeout=15)
        finally:
            self.executor.shutdown()

    def heard(self, kind: str) -> list[str]:
        return [line.text for line in self.lines if line.kind == kind]


def test_answered_client_talks_until_the_operator_hangs_up_then_the_dial_action_is_told(live, hotline):
    with time_machine.travel(time.time(), tick=True) as clock:
        caller = Caller(live, Script(talk_seconds=None))
        device = device_for(live)
        offered = device.incoming(timeout=10)
        assert offered.parent_call_sid == caller.call_sid and offered.status == "ringing"
        device.accept()
        eventually(lambda: hotline.leg_statuses() == ["ringing", "in-progress"])
        device.mute(True)
        eventually(lambda: "the operator muted the call" in caller.heard("note"))
        clock.shift(42)
        device.disconnect()
        result = caller.result()

    assert caller.heard("connected") == [f"client {IDENTITY}"]
    assert caller.heard("ended")[0].startswith("the operator hung up after 42 s")
    assert hotline.all_signed()
    legs = hotline.forms("/test/operator-leg")
    assert [leg["CallStatus"] for leg in legs] == ["ringing", "in-progress", "completed"]
    assert [leg["SequenceNumber"] for leg in legs] == ["0", "1", "2"]
    for leg in legs:
        assert (leg["CallSid"], leg["ParentCallSid"]) == (offered.sid, caller.call_sid)
        assert (leg["Direction"], leg["To"], leg["From"]) == ("outbound-dial", f"client:{IDENTITY}", CALLER)
        assert leg["AccountSid"] == live.app.config["TWILIO_ACCOUNT_SID"] and leg["ApiVersion"]
    assert legs[-1]["CallDuration"] == "42"
    (dialled,) = hotline.forms("/test/dial-result")
    assert dialled["CallSid"] == caller.call_sid
    assert (dialled["DialCallStatus"], dialled["DialCallSid"]) == ("completed", offered.sid)
    assert dialled["DialCallDuration"] == "42"
    assert result.outcome == "the hotline's instructions ended"
    child = live.telephony.client.calls(offered.sid).fetch()
    assert (child.status, child.parent_call_sid) == ("completed", caller.call_sid)
    assert child.direction == "outbound-dial"
    assert hotline.forms("/test/status")[-1]["CallStatus"] == "completed"


def test_a_client_who_never_answers_is_no_answer_after_the_timeout(live, hotline):
    hotline.timeout = 1
    with time_machine.travel(time.time(), tick=True) as clock:
        caller = Caller(live, Script(talk_seconds=None))
        eventually(lambda: hotline.leg_statuses() == ["ringing"])
        clock.shift(2)
        caller.result()

    assert hotline.leg_statuses() == ["ringing", "no-answer"]
    (dialled,) = hotline.forms("/test/dial-result")
    assert (dialled["DialCallStatus"], dialled["DialCallDuration"]) == ("no-answer", "0")
    assert caller.heard("connected") == []
    assert caller.heard("ended") == [f"client {IDENTITY} did not answer (no-answer)"]
    assert device_for(live).incoming(timeout=0) is None


def test_a_device_that_rejects_the_call_makes_the_dial_busy(live, hotline):
    """Twilio ends a <Client> leg the SDK rejects as busy, and tells the Dial action so."""
    caller = Caller(live, Script(talk_seconds=None))
    device = device_for(live)
    device.incoming(timeout=10)
    assert device.reject().status == "busy"
    caller.result()

    assert hotline.leg_statuses() == ["ringing", "busy"]
    assert hotline.forms("/test/dial-result")[0]["DialCallStatus"] == "busy"


def test_the_operators_phone_answers_after_simulator_answer_seconds(make_app, hotline, caplog):
    caplog.set_level(logging.DEBUG)
    hotline.dial_number(OPERATOR_PHONE)
    with (
        serve(make_app, prepare=hotline.prepare, SIMULATOR_ANSWER_SECONDS=5) as live,
        time_machine.travel(time.time(), tick=True) as clock,
    ):
        caller = Caller(live, Script(talk_seconds=None))
        eventually(lambda: hotline.leg_statuses() == ["ringing"])
        child_sid = hotline.forms("/test/operator-leg")[0]["CallSid"]
        assert live.telephony.client.calls(child_sid).fetch().status == "ringing"
        clock.shift(6)
        eventually(lambda: hotline.leg_statuses() == ["ringing", "in-progress"])
        live.telephony.hang_up(child_sid)  # the hotline ends the operator's leg
        caller.result()
        redis = Redis.from_url(live.app.config["REDIS_URL"])
        stored = b"".join(
            value for key in redis.keys("simulator:call:*") for value in redis.hgetall(key).values()
        )

    assert caller.heard("connected") == ["the number dialled"]
    assert all(OPERATOR_PHONE not in line.text and CALLER not in line.text for line in caller.lines)
    assert OPERATOR_PHONE.encode() not in stored and OPERATOR_PHONE[1:].encode() not in stored
    assert "dials" in caplog.text and OPERATOR_PHONE[-10:] not in caplog.text
    assert hotline.forms("/test/operator-leg")[0]["To"] == OPERATOR_PHONE  # as Twilio posts it
    assert hotline.forms("/test/dial-result")[0]["DialCallStatus"] == "completed"


def test_the_rest_api_hanging_up_the_caller_mid_talk_ends_both_legs_without_a_dial_action(live, hotline):
    caller = Caller(live, Script(talk_seconds=None))
    device = device_for(live)
    device.incoming(timeout=10)
    device.accept()
    eventually(lambda: caller.heard("connected"))
    live.telephony.hang_up(caller.call_sid)
    result = caller.result()

    assert result.outcome == "the hotline hung up through the REST API"
    assert device.status().status == "completed"
    assert hotline.leg_statuses() == ["ringing", "in-progress", "completed"]
    assert hotline.forms("/test/dial-result") == []
    assert live.telephony.client.calls(caller.call_sid).fetch().status == "completed"
    assert hotline.forms("/test/status")[-1]["CallStatus"] == "completed"


def test_the_rest_api_redirecting_the_caller_mid_talk_ends_the_operators_leg(live, hotline):
    caller = Caller(live, Script(talk_seconds=None))
    device = device_for(live)
    device.incoming(timeout=10)
    device.accept()
    eventually(lambda: caller.heard("connected"))
    live.telephony.redirect_call(caller.call_sid, live.url + "/test/elsewhere")
    result = caller.result()

    assert "Elsewhere." in result.said()
    assert result.outcome == "the hotline hung up"
    assert device.status().status == "completed"
    assert hotline.leg_statuses()[-1] == "completed"
    assert hotline.forms("/test/dial-result") == []


def test_the_caller_who_hangs_up_mid_talk_ends_the_operators_leg(live, hotline):
    hotline.dial_number(OPERATOR_PHONE)
    caller = Caller(live, Script(talk_seconds=0))
    result = caller.result()

    assert result.outcome == "the caller hung up"
    assert caller.heard("ended")[0].startswith("the caller hung up")
    assert hotline.leg_statuses() == ["ringing", "in-progress", "completed"]
    assert hotline.forms("/test/dial-result") == []


def test_a_dial_action_answering_enqueue_puts_the_caller_back_in_the_queue(live, hotline):
    hotline.after_dial = '<Say>Sorry.</Say><Enqueue waitUrl="/test/wait">general</Enqueue>'
    caller = Caller(live, Script(talk_seconds=None, in_queue="wait", wait_loops=2))
    device = device_for(live)
    device.incoming(timeout=10)
    device.reject()
    result = caller.result()

    assert result.queue == "general" and result.queue_result == "hangup"
    assert "Sorry. Please hold." in result.said()
    assert caller.heard("waits")[0] == "in queue general"


def test_a_dial_with_a_caller_id_shows_it_from_the_first_event(live, hotline):
    hotline.dial_number(OPERATOR_PHONE)
    hotline.noun = hotline.noun.replace('Event="ringing', 'Event="initiated ringing')
    hotline.dial_attributes = f' callerId="{HOTLINE}"'
    Caller(live, Script(talk_seconds=0)).result()

    legs = hotline.forms("/test/operator-leg")
    assert [leg["CallStatus"] for leg in legs] == ["initiated", "ringing", "in-progress", "completed"]
    assert {leg["From"] for leg in legs} == {HOTLINE}
    assert live.telephony.client.calls(legs[0]["CallSid"]).fetch()._from == HOTLINE


def test_the_hotline_hanging_up_a_ringing_operator_leg_cancels_the_dial(live, hotline):
    caller = Caller(live, Script(talk_seconds=None))
    eventually(lambda: hotline.leg_statuses() == ["ringing"])
    live.telephony.hang_up(hotline.forms("/test/operator-leg")[0]["CallSid"])
    caller.result()

    assert hotline.leg_statuses() == ["ringing", "canceled"]
    (dialled,) = hotline.forms("/test/dial-result")
    assert (dialled["DialCallStatus"], dialled["DialCallDuration"]) == ("canceled", "0")
    assert device_for(live).incoming(timeout=0) is None
