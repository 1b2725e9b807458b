"""The publisher: events leave the request at once, are dropped and logged
(never with their payload) when they cannot be sent, and any process emits."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from redis import Redis

from hotline import events
from hotline.core.publisher import Publisher
from hotline.extensions import SOCKETIO_CHANNEL
from tests.support.calls import TwilioWebhooks
from tests.support.clock import recent
from tests.support.live_events import LiveScreen, frozen, integration_token, listening, private_redis
from tests.support.live_server import serve
from tests.support.servers import ROOT, environment, free_port
from tests.support.stuck_calls import queued_call, run_sweep, simulator_knows

CALL_SID = "CA" + "0" * 32
WAITING_SINCE = recent(minutes=5)


def waiting(call_sid: str = CALL_SID) -> events.WaitingCaller:
    return events.WaitingCaller(
        call_sid=call_sid,
        queue="legal",
        waiting_since=WAITING_SINCE,
        priority=2,
        crisis=False,
        language="ru",
        case_reference="HL-2026-000042",
        position=3,
    )


def test_a_waiting_caller_becomes_a_message_with_no_number():
    assert waiting().message() == {
        "call_sid": CALL_SID,
        "queue": "legal",
        "waiting_since": WAITING_SINCE.isoformat(),
        "priority": 2,
        "crisis": False,
        "language": "ru",
        "case_reference": "HL-2026-000042",
        "position": 3,
    }
    assert set(events.WaitingCaller.__dataclass_fields__) == {
        "call_sid", "queue", "waiting_since", "priority", "crisis", "language", "case_reference",
        "position", "repeat_caller", "returned",
    }  # fmt: skip


def test_an_unreachable_redis_drops_the_event_and_logs_it_without_its_payload(caplog):
    publisher = Publisher(f"redis://127.0.0.1:{free_port()}/0", SOCKETIO_CHANNEL)
    with caplog.at_level(logging.INFO, logger="hotline.core.publisher"):
        publisher.publish(events.CALLER_JOINED, waiting().message(), ["queue:legal"])
        assert publisher.drain(5)
    assert publisher.dropped == 1
    assert f"event queue.caller_joined for call {CALL_SID} dropped: Redis failed" in caplog.text
    assert "HL-2026-000042" not in caplog.text and WAITING_SINCE.isoformat() not in caplog.text


def test_a_full_queue_drops_at_once_and_the_publisher_recovers(tmp_path, caplog):
    with private_redis(tmp_path) as (process, url):
        publisher = Publisher(url, SOCKETIO_CHANNEL, capacity=2)
        assert publisher.drain(5)  # started and connected
        with caplog.at_level(logging.INFO, logger="hotline.core.publisher"):
            with frozen(process, url):
                for n in range(10):
                    publisher.publish(events.CALLER_JOINED, waiting(f"CA{n:032x}").message(), ["queue:legal"])
                # The queue holds 2; the thread, stuck publishing, holds what it took at once.
                assert publisher.dropped >= 6
            assert publisher.drain(5)
            publisher.publish(
                events.CALLER_LEFT, {"call_sid": CALL_SID, "queue": "legal", "reason": "ended"}, []
            )
            assert publisher.drain(5)
    assert publisher.dropped == 0
    assert caplog.text.count("dropped: the event queue is full") == 1
    assert "events published again after" in caplog.text


def test_a_burst_is_published_whole_and_in_order_with_the_endings_between(tmp_path):
    """Events that pile up go out together, in the order they were handed over;
    an ending of access keeps its place among them."""
    with private_redis(tmp_path) as (_process, url):
        subscriber = Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
        subscriber.subscribe(SOCKETIO_CHANNEL)
        subscriber.get_message(timeout=1)
        publisher = Publisher(url, SOCKETIO_CHANNEL)
        for n in range(300):
            publisher.publish(events.CALLER_JOINED, waiting(f"CA{n:032x}").message(), ["queue:legal"])
            if n == 150:
                publisher.end(("user:7",))
        assert publisher.drain(5)
        received = []
        while (message := subscriber.get_message(timeout=0.5)) is not None:
            body = json.loads(message["data"])
            received.append(body["data"][0]["call_sid"] if body["method"] == "emit" else body["room"])
    assert publisher.dropped == 0
    expected = [f"CA{n:032x}" for n in range(300)]
    assert received == [*expected[:151], "user:7", *expected[151:]]


def test_a_worker_process_emits_to_live_screens(make_app, database_url, redis_url):
    call_sid = TwilioWebhooks.new_call_sid()
    with serve(make_app) as live:
        screen = listening(redis_url, lambda: LiveScreen(live.url, integration_token(live.app)))
        try:
            live.app.extensions["rq"].enqueue("tests.support.published.announce_left", call_sid)
            env = environment(database_url, redis_url)
            command = [sys.executable, "-m", "flask", "--app", "hotline", "worker", "--burst"]
            worker = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                left = screen.wait_for(events.CALLER_LEFT, call_sid, timeout=10)
            finally:
                worker.kill()
                worker.wait(10)
        finally:
            screen.close()
    assert left == {"call_sid": call_sid, "queue": "legal", "reason": "ended"}


def test_a_stuck_call_closed_by_the_reconciler_leaves_the_queue_on_live_screens(make_app, redis_url):
    with serve(make_app, HOTLINE_STUCK_CALL_SECONDS=0) as live, live.app.app_context():
        screen = listening(redis_url, lambda: LiveScreen(live.url, integration_token(live.app)))
        try:
            call = queued_call(live)
            simulator_knows(call, "completed", duration=42)
            assert run_sweep(live).return_value() == 1
            left = screen.wait_for(events.CALLER_LEFT, call.sid)
        finally:
            screen.close()
    assert left == {"call_sid": call.sid, "queue": "legal", "reason": "ended"}
