"""wallboard.queue, live: a real python-socketio client in the supervisors' room
(the wallboard's read-only token) on a live server, with `flask cron` and a
`flask worker` running the every-second job (workers/wallboard.py) on the test
database and Redis. The queue's figures come after a caller is queued,
answered (taken by an operator) and abandons; under a burst of callers, at most
once a second per queue."""

from __future__ import annotations

import time
from itertools import pairwise

from hotline import events
from tests.live.test_callbacks_woken import processes
from tests.support.callbacks import bearer
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.live_events import LiveScreen, listening
from tests.support.live_server import serve
from tests.support.stats import status
from tests.support.waiting import eventually
from tests.support.wallboard import staff

# The job runs every second: a change waits for the next run, then the run's own time.
WITHIN_SECONDS = 2.5


def legal(
    screen: LiveScreen, since: float, matches=lambda data: True, timeout: float = WITHIN_SECONDS
) -> dict:
    def fresh():
        return next(
            (
                data
                for at, (name, data) in screen.timed
                if at >= since
                and name == events.WALLBOARD_QUEUE
                and data["queue"] == "legal"
                and matches(data)
            ),
            None,
        )

    return eventually(
        fresh, timeout=timeout, what=lambda: f"no wallboard.queue; got {screen.received}", every=0.02
    )


class TimedScreen(LiveScreen):
    def __init__(self, url: str, token: str) -> None:
        self.timed: list[tuple[float, tuple[str, dict]]] = []
        super().__init__(url, token)
        self.client.on("*", lambda event, data: self._keep(event, data))

    def _keep(self, event, data) -> None:
        self.received.append((event, data))
        self.timed.append((time.monotonic(), (event, data)))


def on_the_wall(live, redis_url: str):
    """The staff's tokens, the wallboard's screen and the webhooks, once aigerim's
    becoming available is on the wall: the cron and the worker are up."""
    with live.app.app_context():
        tokens = staff()
    screen = listening(redis_url, lambda: TimedScreen(live.url, tokens["wallboard"]))
    twilio = TwilioWebhooks(live.app.test_client())
    available = twilio.client.put(
        "/api/v1/me/presence", json={"presence": "available"}, headers=bearer(tokens["aigerim"])
    )
    assert available.status_code == 200, available.get_json()
    legal(screen, 0, lambda data: data["available"] == 1, timeout=30)
    return tokens, screen, twilio


class PutThrough:
    """The network's side of taking a caller: carried out (nothing else is asked here)."""

    def put_through(self, call_sid: str, assignment_id: int) -> None:
        return None


def test_the_wallboard_hears_a_caller_queued_answered_and_abandoning(
    make_app, database_url, redis_url, tmp_path, monkeypatch
):
    with (
        serve(make_app, HOTLINE_CALLBACK_HOURS="always") as live,
        processes(database_url, redis_url, tmp_path, workers=1),
    ):
        monkeypatch.setitem(live.app.extensions, "telephony", PutThrough())
        tokens, screen, twilio = on_the_wall(live, redis_url)
        try:
            queued_at = time.monotonic()
            first = ScriptedCall(twilio, "+77015556001")
            first.to_queue()
            joined = legal(screen, queued_at, lambda data: data["waiting"] == 1)
            heard_queued = time.monotonic() - queued_at
            taken_at = time.monotonic()
            accepted = twilio.client.post(
                f"/api/v1/calls/{first.sid}/accept", headers=bearer(tokens["aigerim"])
            )
            assert accepted.status_code == 200, accepted.get_json()
            answered = legal(screen, taken_at, lambda data: data["waiting"] == 0 and data["busy"] == 1)
            heard_answered = time.monotonic() - taken_at
            second = ScriptedCall(twilio, "+77015556002")
            second.to_queue()
            left_at = time.monotonic()
            second.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="40")
            status(second, "completed", 9, CallDuration="40")
            abandoned = legal(
                screen, left_at, lambda data: data["waiting"] == 0 and data["abandon_rate_today"] is not None
            )
            heard_abandoned = time.monotonic() - left_at
        finally:
            screen.close()
    assert joined["longest_wait_seconds"] >= 0
    assert (answered["busy"], answered["available"]) == (1, 0)
    assert abandoned["waiting"] == 0
    assert max(heard_queued, heard_answered, heard_abandoned) < WITHIN_SECONDS


def test_a_burst_of_callers_is_at_most_one_message_a_second(make_app, database_url, redis_url, tmp_path):
    with serve(make_app) as live, processes(database_url, redis_url, tmp_path, workers=2):
        _tokens, screen, twilio = on_the_wall(live, redis_url)
        try:
            started = time.monotonic()
            for n in range(12):
                ScriptedCall(twilio, f"+770155562{n:02d}").to_queue()
            legal(screen, started, lambda data: data["waiting"] == 12, timeout=10)
        finally:
            screen.close()
    moments = [
        at for at, (name, data) in screen.timed if name == events.WALLBOARD_QUEUE and data["queue"] == "legal"
    ]
    gaps = [later - earlier for earlier, later in pairwise(moments)]
    # Sent a second apart at the least (the gate is Redis's); heard within a tenth of that.
    assert all(gap >= 0.9 for gap in gaps), gaps
