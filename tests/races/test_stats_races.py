"""Calls ending at once, over real HTTP to a threaded live server: their counts
go into the same rollup row together, and a call's repeated final status and
its queue result racing each other count it once."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import Call, StatsHour
from hotline.stats import rebuild
from tests.support.calls import Http, ScriptedCall, TwilioWebhooks
from tests.support.concurrency import at_once
from tests.support.live_server import serve

CALLERS = 6
STATUS = "/telephony/voice/status"
RESULT = "/telephony/voice/queue-result"


def test_calls_ending_at_once_are_each_counted_once(make_app):
    with serve(make_app, HOTLINE_LANGUAGES=["ru"]) as live, live.app.app_context():
        twilio = TwilioWebhooks(Http(live.url), base_url=live.url)
        calls = [ScriptedCall(twilio, f"+7705555{n:04d}") for n in range(CALLERS)]
        for call in calls:
            call.dial()
            call.press("/telephony/voice/menu?attempt=1", "3")
        ended = {"CallStatus": "completed", "SequenceNumber": "5", "CallDuration": "30"}
        posts = []
        for call in calls:
            # Twice the final status and the queue's result, all at once with the other calls'.
            posts += [partial(call.post, STATUS, **ended), partial(call.post, STATUS, **ended)]
            posts.append(partial(call.post, RESULT, QueueResult="hangup", QueueTime="20"))
        answers = at_once(posts)
        assert {answer.status_code for answer in answers} <= {200, 204}, [a.text for a in answers]
        db.session.rollback()
        # The rollups agree with the raw rows, and hold these calls once each beside
        # any call a thread of an earlier test may still have ended in this database.
        assert rebuild.verify() == []
        ours = [call.sid for call in calls]
        others = db.session.scalar(
            select(func.count())
            .select_from(Call)
            .where(Call.enqueued_at.is_not(None), Call.call_sid.not_in(ours))
        )
        assert db.session.scalar(select(func.sum(StatsHour.offered))) == CALLERS + others
        assert all(call.record().abandoned for call in calls)
