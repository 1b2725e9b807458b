"""Races on the operator's leg, with real threads against the threaded live
server: the network's reports that cross (the operator answers as the caller
hangs up; the Dial gives up as the caller hangs up) leave one consistent story."""

from __future__ import annotations

from functools import partial

import pytest
import requests
from sqlalchemy import select, update

from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Assignment, Role, User
from hotline.models.states import AssignmentStatus, CallStage, Presence
from tests.support.calls import Http, ScriptedCall, TwilioWebhooks
from tests.support.concurrency import at_once
from tests.support.legs import LEG_SID, assignment, take
from tests.support.live_server import serve
from tests.support.pages import PASSWORD

TRIALS = 5


@pytest.fixture
def live(make_app):
    with serve(make_app, HOTLINE_LANGUAGES=["ru"]) as server, server.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        yield server


def taken_call(live, trial: int) -> tuple[ScriptedCall, int]:
    hooks = TwilioWebhooks(Http(live.url), base_url=live.url)
    call = ScriptedCall(hooks, f"+7701666{trial:04d}")
    call.dial()
    call.press("/telephony/voice/menu?attempt=1", "3")
    user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
    # The previous trial's wrap-up, done (the wrap-up branch's part).
    db.session.execute(
        update(Assignment)
        .where(Assignment.status == AssignmentStatus.WRAP_UP)
        .values(status=AssignmentStatus.DONE)
    )
    user.presence = Presence.AVAILABLE
    db.session.commit()
    return call, take(call)


def presence() -> str:
    db.session.expire_all()
    return db.session.scalars(select(User.presence).where(User.username == "aigerim")).one()


def test_the_operator_answering_as_the_caller_hangs_up(live):
    for trial in range(TRIALS):
        call, taken = taken_call(live, trial)
        leg = {"CallSid": LEG_SID, "ParentCallSid": call.sid, "CallStatus": "in-progress"}
        answers = at_once(
            [
                partial(call.twilio.post, f"/telephony/voice/operator-leg/{taken}", leg),
                partial(call.post, "/telephony/voice/status", CallStatus="completed", SequenceNumber="9"),
            ]
        )
        assert [answer.status_code for answer in answers] == [204, 204], [a.text for a in answers]
        story = (assignment(taken).status, call.record().stage, presence())
        assert story in {
            (AssignmentStatus.WRAP_UP, CallStage.WRAP_UP, Presence.WRAP_UP),
            (AssignmentStatus.MISSED, CallStage.ENDED, Presence.AVAILABLE),
        }, story


def test_the_dial_giving_up_as_the_caller_hangs_up(live):
    for trial in range(TRIALS):
        call, taken = taken_call(live, trial)
        answers = at_once(
            [
                partial(call.post, f"/telephony/voice/dial-result/{taken}", DialCallStatus="no-answer"),
                partial(call.post, "/telephony/voice/status", CallStatus="completed", SequenceNumber="9"),
            ]
        )
        assert [answer.status_code for answer in answers] == [200, 204], [a.text for a in answers]
        record = call.record()
        story = (assignment(taken).status, record.stage, presence())
        assert story in {
            (AssignmentStatus.MISSED, CallStage.ENDED, Presence.AWAY),
            (AssignmentStatus.MISSED, CallStage.ENDED, Presence.AVAILABLE),
        }, story
        assert record.progress == 3


def test_the_network_s_late_figures_crossing_the_operator_s_wrap_up(live):
    """The wrap-up locks the assignment, then the call; the late report the call,
    then the assignment: on PostgreSQL one of them may lose a deadlock, and tries again."""
    from hotline.accounts import auth

    token = auth.create_token("aigerim's", "aigerim")
    for trial in range(TRIALS):
        call, taken = taken_call(live, trial)
        leg = {"CallSid": LEG_SID, "ParentCallSid": call.sid, "CallStatus": "in-progress"}
        call.twilio.post(f"/telephony/voice/operator-leg/{taken}", leg)
        call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9", CallDuration="30")
        assert assignment(taken).status == AssignmentStatus.WRAP_UP
        save = partial(
            requests.post,
            f"{live.url}/api/v1/calls/{call.sid}/wrap-up",
            json={"outcome": "referred", "category": "documents"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
        late = {**leg, "CallStatus": "completed", "CallDuration": "28"}
        answers = at_once([save, partial(call.twilio.post, f"/telephony/voice/operator-leg/{taken}", late)])
        assert [answer.status_code for answer in answers] == [200, 204], [a.text for a in answers]
        held = assignment(taken)
        assert (held.status, held.talk_seconds) == (AssignmentStatus.DONE, 28)
        assert call.record().stage == CallStage.ENDED
        assert presence() == Presence.AVAILABLE
