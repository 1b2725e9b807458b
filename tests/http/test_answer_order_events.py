"""The answer order as the server sends it: the waiting list's snapshot and the
caller_joined event say whether a caller went back to the queue (`returned`),
so a console places them where they will be answered, the head of their
priority, and never re-sorts on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hotline import events
from tests.support.clock import next_weekday_at
from tests.support.legs import dial_result, queued, take
from tests.support.pages import PASSWORD, log_in
from tests.support.published import Published


@pytest.fixture
def line(app, staff, app_context, twilio):
    """Signed webhooks to the app with its staff, in an app context."""
    return twilio


NOON = next_weekday_at(12)


def returned_to_the_queue(line, clock):
    """Two callers in legal; the first is taken, not answered, and goes back."""
    first = queued(line)
    clock.shift(timedelta(seconds=10))
    second = queued(line, number="+77015559876")
    clock.shift(timedelta(seconds=10))
    taken = take(first)
    first.post("/telephony/voice/queue-result", QueueResult="redirected", QueueTime="20")
    clock.shift(timedelta(seconds=20))
    dial_result(first, taken, "no-answer")
    return first, second


def test_a_new_caller_joins_not_returned_and_a_returned_one_returned_at_their_place(line, app):
    published = Published(app)
    with time_machine.travel(NOON, tick=False) as clock:
        first, second = returned_to_the_queue(line, clock)
    joined = published.named(events.CALLER_JOINED)
    assert [(data["call_sid"], data["returned"], data.get("position")) for data in joined] == [
        (first.sid, False, None),
        (second.sid, False, None),
        (first.sid, True, 1),
    ]


def test_the_snapshot_lists_the_returned_caller_first_and_says_so(line, app, client):
    with time_machine.travel(NOON, tick=False) as clock:
        first, second = returned_to_the_queue(line, clock)
        log_in(client, "aigerim", PASSWORD)
        body = client.get("/api/v1/queues/legal/waiting").get_json()
    assert [(c["call_sid"], c["position"], c["returned"]) for c in body["callers"]] == [
        (first.sid, 1, True),
        (second.sid, 2, False),
    ]
