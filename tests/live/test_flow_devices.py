"""End to end, where the operator's call rings: their own phone (a <Dial><Number>
the simulator answers after SIMULATOR_ANSWER_SECONDS), and a softphone that
rejects, which sends the caller back to the head of the queue, to the next
operator, and the operator who let it ring away."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from hotline import events
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import Assignment, Role
from hotline.models.states import AssignmentStatus, CallStage, Presence
from telephony import prompts
from tests.support.flow import audited, call_detail, case_events, desks, phoning, record_of, staying
from tests.support.live_server import serve
from tests.support.pages import PASSWORD


@pytest.fixture
def live(make_app):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as server, server.app.app_context():
        yield server


OPERATOR_PHONE = "+77019998877"


def assignments_of(call_sid: str) -> list[Assignment]:
    call = record_of(call_sid)
    return db.session.scalars(
        select(Assignment).where(Assignment.call_id == call.id).order_by(Assignment.id)
    ).all()


def test_an_operator_on_their_own_phone_talks_until_the_caller_hangs_up(live):
    create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"], phone=OPERATOR_PHONE)
    with desks(live, "aigerim") as [desk], ThreadPoolExecutor(1) as pool:
        assert desk.available(device="phone")["device"] == "phone"
        caller = phoning(pool, live, "+77015550303", staying(talk_seconds=0.3))
        offer = desk.offered()
        sid = offer["call_sid"]
        assert desk.accept(offer)["device"] == "phone"
        desk.heard_call(sid, "talking")
        heard = caller.result(timeout=30)
        desk.heard_call(sid, "wrap_up")
        assert desk.me()["presence"] == Presence.WRAP_UP

    assert heard.queue_result == "redirected"
    assert any(line.kind == "connected" for line in heard.transcript), heard.transcript
    assert prompts.text("connecting", "ru") in heard.said()
    assert not any(OPERATOR_PHONE[-7:] in line.text for line in heard.transcript)
    [held] = assignments_of(sid)
    assert (held.device, held.status, held.user.username) == ("phone", AssignmentStatus.WRAP_UP, "aigerim")
    assert held.talk_seconds is not None and held.wrap_up_until is not None
    detail = call_detail(live, sid)
    assert (detail["stage"], detail["operator"]) == (CallStage.WRAP_UP, "aigerim")
    assert "connected" in case_events(sid)
    assert "call.connected" in audited(sid)


def test_a_rejecting_softphone_sends_the_caller_to_the_head_of_the_queue_and_the_next_operator(live):
    create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    create_user("bolat", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    with desks(live, "aigerim", "bolat") as [aigerim, bolat], ThreadPoolExecutor(2) as pool:
        first_device, second_device = aigerim.softphone(), bolat.softphone()
        aigerim.available()
        caller = phoning(pool, live, "+77015550404", staying())
        offer = aigerim.offered()
        sid = offer["call_sid"]
        # Another caller joins while the first is offered: they waited longer than
        # the first will have once back, and still come after them.
        later = phoning(pool, live, "+77015550505", staying())
        other_sid = bolat.heard(events.CALLER_JOINED, lambda data: data["call_sid"] != sid)["call_sid"]

        aigerim.accept(offer)
        ringing = first_device.incoming(timeout=10)
        assert ringing is not None and ringing.parent_call_sid == sid
        first_device.reject()
        aigerim.heard_call(sid, "missed")
        assert aigerim.me()["presence"] == Presence.AWAY
        back = bolat.heard(
            events.CALLER_JOINED, lambda data: data["call_sid"] == sid and data.get("position") == 1
        )
        assert back["case_reference"] == offer["case_reference"]

        bolat.available()
        second = bolat.offered()
        assert second["call_sid"] == sid and second["case_reference"] == offer["case_reference"]
        bolat.accept(second)
        assert second_device.incoming(timeout=10).parent_call_sid == sid
        second_device.accept()
        bolat.heard_call(sid, "talking")
        second_device.disconnect()
        heard = caller.result(timeout=30)
        bolat.heard_call(sid, "wrap_up")
        live.telephony.hang_up(other_sid)
        later.result(timeout=30)

    assert aigerim.offers_heard() == [sid]
    assert bolat.offers_heard() == [sid]
    assert heard.said().count(prompts.text("connecting", "ru")) >= 2
    assert [line.kind for line in heard.transcript].count("connected") == 1
    missed, talked = assignments_of(sid)
    assert (missed.user.username, missed.status) == ("aigerim", AssignmentStatus.MISSED)
    assert (talked.user.username, talked.status) == ("bolat", AssignmentStatus.WRAP_UP)
    record = record_of(sid)
    assert record.returned_at is not None and record.stage == CallStage.WRAP_UP
    assert call_detail(live, sid)["operator"] == "bolat"
    kinds = case_events(sid)
    assert kinds.count("accepted") == 2 and "returned_to_queue" in kinds, kinds
    assert "call.returned" in audited(sid)
