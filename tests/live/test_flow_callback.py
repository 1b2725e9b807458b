"""A callback made, end to end through the real pieces: a live server, the built-in
simulator as the operator's softphone network and the person called back, the
operator's logged-in browser session and Socket.IO console, and the worker's job
that places the call (run here as the worker runs it, a plain function of ids).

The callback waits in the list; the operator is offered it, accepts; their
softphone rings and answers; the person's phone is dialled from the hotline's
number and answered; they talk; the person hangs up; the operator wraps up. And
when the person is not reached: the operator is free at once, the callback waits
for its next attempt, and after the last one it has failed and one SMS went out.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.accounts.users import create_user
from hotline.callbacks import schedule, service
from hotline.extensions import db
from hotline.models import Callback, CallbackAttempt, Caller, Role, utcnow
from hotline.models.states import CallbackSource, Presence
from hotline.operators import offers
from telephony.simulator import handset
from tests.support.flow import desks
from tests.support.live_server import serve
from tests.support.pages import PASSWORD
from tests.support.waiting import eventually
from workers.callbacks import place_attempt

PERSON = "+77015557788"


@pytest.fixture
def live(make_app):
    settings = {
        "SIMULATOR_ANSWER_SECONDS": 0,
        "SIMULATOR_RING_SECONDS": 0,
        "SIMULATOR_TALK_SECONDS": 1,
        "HOTLINE_CALLBACK_HOURS": "always",
    }

    def serving(**more):
        return serve(make_app, **settings, **more)

    return serving


def callback_waiting(number: str = PERSON) -> int:
    policy, vault = service.settings()
    caller = Caller(number_hash=vault.digest(number), number_encrypted=vault.encrypt(number))
    db.session.add(caller)
    db.session.commit()
    request = service.Request(
        caller_id=caller.id, queue="legal", source=CallbackSource.WEB, asked_at=utcnow(), language="ru"
    )
    return service.record(request, utcnow(), policy, vault, actor="web").callback_id


def callback(callback_id: int) -> Callback:
    db.session.expire_all()
    return db.session.get(Callback, callback_id)


def attempts(callback_id: int) -> list[CallbackAttempt]:
    db.session.expire_all()
    return db.session.scalars(
        select(CallbackAttempt)
        .where(CallbackAttempt.callback_id == callback_id)
        .order_by(CallbackAttempt.number)
    ).all()


def offered_and_accepted(desk, callback_id: int, seen: set[int] | None = None) -> dict:
    """The callback offered to `desk` (an offer other than those `seen`), accepted."""
    seen = seen if seen is not None else set()
    offers.distribute(utcnow())
    offer = desk.offered(lambda data: data.get("callback_id") == callback_id and data["offer_id"] not in seen)
    seen.add(offer["offer_id"])
    assert (offer["kind"], offer["call_sid"], offer["queue"]) == ("callback", None, "legal")
    taken = desk.accept(offer)
    assert (taken["kind"], taken["callback_id"], taken["state"]) == ("callback", callback_id, "connecting")
    return taken


def placed(callback_id: int) -> str:
    (attempt,) = [a for a in attempts(callback_id) if a.ended_at is None]
    call_sid = place_attempt(attempt.id)
    assert call_sid is not None
    # A second job for the same attempt places nothing.
    assert place_attempt(attempt.id) is None
    return call_sid


def test_a_callback_is_made_by_an_operator_and_wrapped_up(live):
    with live() as server, server.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        callback_id = callback_waiting()
        with desks(server, "aigerim") as [desk]:
            device = desk.softphone()
            desk.available()
            offered_and_accepted(desk, callback_id)
            assert desk.me()["presence"] == Presence.BUSY
            call_sid = placed(callback_id)
            ringing = device.incoming(timeout=10)
            assert ringing is not None and ringing.sid == call_sid
            device.accept()
            desk.heard_call(call_sid, "talking")
            mine = desk.send("GET", "/api/v1/me/call").json()["call"]
            assert (mine["call_sid"], mine["kind"], mine["callback_id"]) == (
                call_sid,
                "callback",
                callback_id,
            )
            assert mine["masked_number"].endswith("88") and "7788" not in mine["masked_number"]
            # The person talks SIMULATOR_TALK_SECONDS and hangs up: the operator's wrap-up.
            desk.heard_call(call_sid, "wrap_up", timeout=15)
            completed = desk.heard("callback.completed", lambda d: d["id"] == callback_id)
            assert completed["status"] == "completed" and "7788" not in str(completed)
            saved = desk.send(
                "POST",
                f"/api/v1/calls/{call_sid}/wrap-up",
                {"outcome": "support_given", "category": "housing", "note": "called back"},
            )
            assert saved.status_code == 200, saved.text
            assert desk.me()["presence"] == Presence.AVAILABLE
        done = callback(callback_id)
        assert (done.status, done.attempts, done.closed_at is not None) == ("completed", 1, True)
        [attempt] = attempts(callback_id)
        assert (attempt.outcome, attempt.call_sid, attempt.dialled) == ("answered", call_sid, True)
        # The person's phone saw the hotline's number, never the operator's.
        person_legs = server.telephony.client.calls.list(to=PERSON)
        assert {leg.from_formatted for leg in person_legs} == {server.app.config["HOTLINE_NUMBER"]}


def test_a_person_not_reached_is_tried_again_and_after_the_last_attempt_gets_one_sms(live):
    with (
        live(SIMULATOR_OUTBOUND=f"{PERSON}=no-answer,machine", HOTLINE_CALLBACK_ATTEMPTS=2) as server,
        server.app.app_context(),
    ):
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        callback_id = callback_waiting()
        with desks(server, "aigerim") as [desk]:
            device = desk.softphone()
            desk.available()

            seen: set[int] = set()
            offered_and_accepted(desk, callback_id, seen)
            first_sid = placed(callback_id)
            device.incoming(timeout=10)
            device.accept()
            desk.heard_call(first_sid, "not_reached", timeout=15)
            eventually(lambda: callback(callback_id).status == "scheduled")
            assert desk.me()["presence"] == Presence.AVAILABLE  # at once, no wrap-up
            again = callback(callback_id)
            assert again.due_at - attempts(callback_id)[0].ended_at == timedelta(seconds=900)

            # Its next attempt falls due; a machine answers it.
            db.session.execute(
                Callback.__table__.update().where(Callback.id == callback_id).values(due_at=utcnow())
            )
            db.session.commit()
            assert schedule.queue_due(utcnow()) == [callback_id]
            offered_and_accepted(desk, callback_id, seen)
            second_sid = placed(callback_id)
            device.incoming(timeout=10)
            device.accept()
            desk.heard_call(second_sid, "not_reached", timeout=15)
            eventually(lambda: callback(callback_id).status == "failed")
        outcomes = [(a.number, a.outcome) for a in attempts(callback_id)]
        assert outcomes == [(1, "no-answer"), (2, "machine")]
        # The SMS is sent once the failure is committed: it may follow the status by a moment.
        eventually(
            lambda: server.telephony.client.messages.list(to=PERSON), what="the SMS after the last attempt"
        )
        messages = server.telephony.client.messages.list(to=PERSON)
        assert len(messages) == 1
        assert "legal" not in messages[0].body.lower() and "юрист" not in messages[0].body.lower()
        # The machine heard nothing at all, so nothing that names the topic or the queue.
        dialled = server.telephony.client.calls.list(to=PERSON)
        assert sorted(leg.status for leg in dialled) == ["completed", "no-answer"]
        (machine,) = [leg for leg in dialled if leg.status == "completed"]
        assert handset.read(server.app.extensions["redis"], machine.sid).lines == []


def test_an_operator_whose_softphone_does_not_answer_is_away_and_the_callback_waits_again(live):
    with live() as server, server.app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        callback_id = callback_waiting()
        with desks(server, "aigerim") as [desk]:
            device = desk.softphone()
            desk.available()
            offered_and_accepted(desk, callback_id)
            call_sid = placed(callback_id)
            assert device.incoming(timeout=10).sid == call_sid
            device.reject()
            desk.heard_call(call_sid, "missed", timeout=15)
            # Not offered the callback again at once: away, as after a caller's call not picked up.
            eventually(lambda: desk.me()["presence"] == Presence.AWAY)
        waiting = callback(callback_id)
        assert (waiting.status, waiting.attempts) == ("queued", 0)
        [attempt] = attempts(callback_id)
        assert (attempt.outcome, attempt.dialled, attempt.ended_at is not None) == (None, False, True)
        # Nobody dialled the person.
        assert server.telephony.client.calls.list(to=PERSON) == []
