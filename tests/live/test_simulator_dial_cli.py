"""`flask simulate-call` put through to an operator: it stays on the line, says who
answered, and never prints a number."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.devices import OPERATOR_PHONE, FakeHotline, device_for
from tests.support.live_server import LiveServer, serve
from tests.support.waiting import eventually

CALLER = "+77015551234"


@pytest.fixture
def hotline() -> FakeHotline:
    return FakeHotline()


@pytest.fixture
def live(make_app, hotline) -> LiveServer:
    with serve(make_app, prepare=hotline.prepare, SIMULATOR_ANSWER_SECONDS=0) as server:
        yield server


def simulate_call(live: LiveServer, *options: str):
    """Run the command in a thread; once the caller waits in the legal queue, the
    hotline takes them to the operator (the fake connect TwiML), as an accept does."""
    args = ["simulate-call", "--from", CALLER, "--digits", "2,3", "--url", live.url, "--then", "wait"]
    args += ["--wait-loops", "100", "--hold", "0.05", *options]
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(live.app.test_cli_runner().invoke, args=args)
        members: list = []

        def waiting() -> bool:
            queue = next(q for q in live.telephony.client.queues.list() if q.friendly_name == "legal")
            members[:] = live.telephony.client.queues(queue.sid).members.list()
            return bool(members)

        eventually(waiting)
        live.telephony.redirect_call(members[0].call_sid, live.url + "/test/connect")
        yield members[0].call_sid
        yield running.result(timeout=20)


def numbers_in(output: str) -> list[str]:
    forms = [CALLER, CALLER[1:], CALLER[-10:], OPERATOR_PHONE, OPERATOR_PHONE[1:], OPERATOR_PHONE[-10:]]
    return [form for form in forms if form in output]


def test_simulate_call_with_talk_hangs_up_after_so_long_and_says_the_operators_phone_answered(live, hotline):
    hotline.dial_number(OPERATOR_PHONE)
    steps = simulate_call(live, "--talk", "0")
    next(steps)
    result = next(steps)

    assert result.exit_code == 0, result.output
    assert "connected: the number dialled" in result.output
    assert "the caller hung up" in result.output
    assert numbers_in(result.output) == []
    assert hotline.leg_statuses() == ["ringing", "in-progress", "completed"]


def test_simulate_call_stays_on_the_line_until_the_operator_hangs_up(live, hotline):
    steps = simulate_call(live)
    call_sid = next(steps)
    device = device_for(live)
    assert device.incoming(timeout=10).parent_call_sid == call_sid
    device.accept()
    eventually(lambda: hotline.leg_statuses()[-1:] == ["in-progress"])
    started = time.monotonic()
    while time.monotonic() - started < 0.3:  # the caller stays: nothing ends the call meanwhile
        assert device.status().status == "in-progress"
    device.disconnect()
    result = next(steps)

    assert result.exit_code == 0, result.output
    assert "connected: the operator's softphone" in result.output
    assert "the operator hung up" in result.output
    assert numbers_in(result.output) == []
    assert hotline.forms("/test/dial-result")[0]["DialCallStatus"] == "completed"
