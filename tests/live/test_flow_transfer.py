"""End to end, a transfer: the operator of one queue sends the caller to another
(POST /api/v1/calls/<CallSid>/transfer); the caller re-enters that queue at its
head, ahead of those who waited there longer, with the same case, and is
offered to an operator of that queue, who talks with them. The first operator
is in wrap-up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from hotline import events
from hotline.accounts.users import create_user
from hotline.models import Role
from hotline.models.states import CallStage, Presence
from tests.support.flow import MEDICAL, audited, call_detail, case_events, desks, phoning, record_of, staying
from tests.support.live_server import serve
from tests.support.pages import PASSWORD


@pytest.fixture
def live(make_app):
    with serve(make_app, SIMULATOR_ANSWER_SECONDS=0) as server, server.app.app_context():
        yield server


def test_a_transferred_caller_is_first_in_the_new_queue_and_offered_there(live):
    create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
    create_user("dana", Role.OPERATOR, PASSWORD, queues=["medical"], languages=["ru"])
    with desks(live, "aigerim", "dana") as [aigerim, dana], ThreadPoolExecutor(2) as pool:
        first_device, second_device = aigerim.softphone(), dana.softphone()
        # A medical caller waits already (dana is away): the transferred caller goes ahead of them.
        waiting = phoning(pool, live, "+77015550707", staying(digits=("2", MEDICAL)))
        waiting_sid = dana.heard(events.CALLER_JOINED, lambda data: data["queue"] == "medical")["call_sid"]

        aigerim.available()
        caller = phoning(pool, live, "+77015550808", staying())
        offer = aigerim.offered()
        sid = offer["call_sid"]
        aigerim.accept(offer)
        assert first_device.incoming(timeout=10).parent_call_sid == sid
        first_device.accept()
        aigerim.heard_call(sid, "talking")

        answer = aigerim.send("POST", f"/api/v1/calls/{sid}/transfer", {"queue": "medical"})
        assert answer.status_code == 202, answer.text
        aigerim.heard_call(sid, "wrap_up")
        assert aigerim.me()["presence"] == Presence.WRAP_UP
        back = dana.heard(events.CALLER_JOINED, lambda data: data["call_sid"] == sid)
        assert (back["queue"], back["position"], back["case_reference"]) == (
            "medical",
            1,
            offer["case_reference"],
        )

        dana.available()
        second = dana.offered()
        assert (second["call_sid"], second["queue"], second["case_reference"]) == (
            sid,
            "medical",
            offer["case_reference"],
        )
        dana.accept(second)
        assert second_device.incoming(timeout=10).parent_call_sid == sid
        second_device.accept()
        dana.heard_call(sid, "talking")
        assert dana.send("POST", f"/api/v1/calls/{sid}/hangup").status_code == 202
        heard = caller.result(timeout=30)
        dana.heard_call(sid, "wrap_up")
        live.telephony.hang_up(waiting_sid)
        waiting.result(timeout=30)

    assert [line.kind for line in heard.transcript].count("connected") == 2
    assert dana.offers_heard() == [sid]
    record = record_of(sid)
    assert (record.queue, record.case.reference, record.stage) == (
        "medical",
        offer["case_reference"],
        CallStage.WRAP_UP,
    )
    assert call_detail(live, sid)["operator"] == "dana"
    kinds = case_events(sid)
    assert "transferred" in kinds and kinds.count("connected") == 2, kinds
    assert "call.transferred" in audited(sid)
