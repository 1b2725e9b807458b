"""A caller the operator just took may fetch the queue's hold music once more
before the redirect to their operator reaches the network (the console's
accept and the network's next turn of the wait loop cross): they hear the hold
music, not an application error that would drop them."""

from __future__ import annotations

import pytest

from tests.support.calls import twiml
from tests.support.legs import queued, take


@pytest.fixture
def line(app, staff, app_context, twilio):
    """Signed webhooks to the app with its staff, in an app context."""
    return twilio


HOLD = "/static/audio/hold.wav"


def test_a_caller_just_taken_hears_the_hold_music_not_an_error(line):
    call = queued(line)
    take(call)
    answer = call.post("/telephony/voice/wait", QueuePosition="1", QueueTime="5")
    assert answer.status_code == 200
    document = twiml(answer)
    assert [element.tag for element in document] == ["Play"]
    assert document.find("Play").text.endswith(HOLD)
    assert call.record().stage == "connected"


def test_a_caller_still_waiting_hears_their_place(line):
    call = queued(line)
    document = twiml(call.post("/telephony/voice/wait", QueuePosition="1", QueueTime="5"))
    assert "Say" in [element.tag for element in document.iter()]
