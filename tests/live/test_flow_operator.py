"""The operator's whole day with one caller, end to end through the real pieces: a
live server, the built-in simulator, a simulated caller's phone in a thread,
the operator's logged-in browser (its session, CSRF token and Socket.IO
console over the real Redis message queue) and their simulated softphone,
registered with the token from /api/v1/me/voice-token.

The operator says they are available, is offered the caller, accepts; the
softphone rings and answers; the caller hears the connection; the operator
hangs up, records the wrap-up, is available again and at once offered the next
caller who waited meanwhile. The API, the case and the audit log tell the same story.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import select

from hotline import events
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import CaseNote, Role
from hotline.models.states import CallStage, Presence
from telephony.simulator.phone import CallResult
from tests.support.flow import (
    audited,
    call_detail,
    case_events,
    desks,
    phoning,
    record_of,
    staying,
)
from tests.support.live_server import LiveServer, serve
from tests.support.pages import PASSWORD


@pytest.fixture
def live(make_app):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as server, server.app.app_context():
        yield server


def test_an_operator_takes_a_caller_talks_wraps_up_and_is_offered_the_next(live):
    create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    with desks(live, "aigerim") as [desk], ThreadPoolExecutor(2) as pool:
        device = desk.softphone()
        assert desk.available()["presence"] == Presence.AVAILABLE
        first = phoning(pool, live, "+77015550101", staying())

        offer = desk.offered()
        sid = offer["call_sid"]
        assert (offer["queue"], offer["language"]) == ("legal", "ru")
        taken = desk.accept(offer)
        assert taken["call_sid"] == sid
        ringing = device.incoming(timeout=10)
        assert ringing is not None and ringing.parent_call_sid == sid
        device.accept()
        talking = desk.heard_call(sid, "talking")
        assert talking["case_reference"] == offer["case_reference"]
        assert talking["masked_number"].endswith("01") and "5550101" not in talking["masked_number"]
        assert desk.me()["presence"] == Presence.BUSY
        detail = call_detail(live, sid)
        assert (detail["stage"], detail["operator"]) == (CallStage.CONNECTED, "aigerim")

        # The next caller rings while the operator talks: they wait, offered to nobody.
        second = phoning(pool, live, "+77015550202", staying())
        joined = desk.heard(events.CALLER_JOINED, lambda data: data["call_sid"] != sid)
        next_sid = joined["call_sid"]

        answer = desk.send("POST", f"/api/v1/calls/{sid}/hangup")
        assert answer.status_code == 202, answer.text
        heard = first.result(timeout=30)
        wrap_up = desk.heard_call(sid, "wrap_up")
        assert wrap_up["wrap_up_until"]
        assert desk.me()["presence"] == Presence.WRAP_UP
        detail = call_detail(live, sid)
        assert (detail["stage"], detail["operator"]) == (CallStage.WRAP_UP, "aigerim")
        assert [
            offer["call_sid"] for name, offer in desk.console.received if name == events.OFFER_CREATED
        ] == [sid]

        saved = desk.send(
            "POST",
            f"/api/v1/calls/{sid}/wrap-up",
            {"outcome": "referred", "category": "documents", "note": "asked about her passport"},
        )
        assert saved.status_code == 200, saved.text
        desk.heard_call(sid, "done")
        following = desk.offered(lambda data: data["call_sid"] == next_sid, timeout=5)
        assert desk.me()["presence"] == Presence.AVAILABLE
        hang_up_caller_by_sid(live, next_sid, second)

    assert heard.queue_result == "redirected"
    assert heard.call_sid == sid
    assert any(line.kind == "connected" for line in heard.transcript), heard.transcript
    assert heard.transcript[-1].kind == "ended"
    detail = call_detail(live, sid)
    assert (detail["stage"], detail["operator"]) == (CallStage.ENDED, "aigerim")
    record = record_of(sid)
    assert record.abandoned is False and record.talk_seconds is not None
    assert following["case_reference"] != offer["case_reference"]
    kinds = case_events(sid)
    assert [kind for kind in kinds if kind in {"accepted", "connected", "wrap_up"}] == [
        "accepted",
        "connected",
        "wrap_up",
    ], kinds
    actions = audited(sid)
    for action in ("call.accepted", "call.connected", "call.hung_up", "call.wrapped_up"):
        assert action in actions, actions
    assert db.session.scalars(select(CaseNote.body).where(CaseNote.call_id == record.id)).all() == [
        "asked about her passport"
    ]


def hang_up_caller_by_sid(live: LiveServer, call_sid: str, future: Future[CallResult]) -> CallResult:
    """End a caller still waiting, as the network would (the test's cleanup)."""
    live.telephony.hang_up(call_sid)
    return future.result(timeout=30)
