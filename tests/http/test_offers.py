"""Call offers through HTTP: who is offered a waiting caller, in which order,
the language fallback, decline, and lapse through the sweep."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Call, CaseEvent, User
from hotline.operators import offer_endings, offers, presence
from tests.support import desk
from tests.support.calls import TwilioWebhooks
from tests.support.clock import next_weekday_at
from workers import sweep

T0 = next_weekday_at(11)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def line(app, client, clock, monkeypatch):
    """The app with its REST client on the in-process simulator, in an app context."""
    monkeypatch.setitem(app.extensions, "telephony", desk.in_process_telephony(app))
    with app.app_context():
        yield TwilioWebhooks(client)


def bearer(username: str) -> dict:
    """The headers of a request with `username`'s own API token."""
    return {"Authorization": "Bearer " + auth.create_token(f"{username}-console", username)}


def ago(seconds: int) -> datetime:
    return T0 - timedelta(seconds=seconds)


def test_a_caller_is_offered_to_the_longest_available_operator_with_skill_and_language(line, app):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(30))
    desk.operator("bolat", ["legal"], ["ru", "kk"], available_since=ago(60))
    desk.operator("kazbek", ["legal"], ["kk"], available_since=ago(90))  # no Russian
    desk.operator("dana", ["general"], ["ru"], available_since=ago(120))  # another queue
    desk.operator("erlan", ["legal"], ["ru"])  # away

    sid = desk.queued(line)  # Russian, legal

    offer = desk.offer_of(sid)
    assert desk.open_offers() == [(sid, "bolat")]
    assert offer.expires_at == T0 + timedelta(seconds=20)
    assert desk.stage_of(sid) == "offered"
    kinds = db.session.scalars(select(CaseEvent.kind).order_by(CaseEvent.id)).all()
    assert kinds[-1] == "offered"
    assert db.session.scalar(select(func.count()).where(AuditRecord.action == "offer.created")) == 1


def test_a_caller_with_no_language_matches_anyone_of_the_queue(line, app):
    kazbek = desk.operator("kazbek", ["legal"], ["kk"])
    sid = desk.queued(line)
    db.session.execute(db.update(Call).where(Call.call_sid == sid).values(language=None))
    db.session.execute(db.update(User).where(User.id == kazbek).values(presence="available"))
    db.session.commit()
    assert len(offers.distribute(T0)) == 1
    assert desk.open_offers() == [(sid, "kazbek")]


def test_one_open_offer_per_operator_and_the_rest_wait(line, app):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(30))
    first, second = desk.queued(line), desk.queued(line)
    assert desk.open_offers() == [(first, "asel")]
    assert desk.stage_of(second) == "queued"


def test_highest_priority_first_then_longest_waiting(line, app):
    user_id = desk.operator("asel", ["legal"], ["ru"])
    earlier = desk.queued(line, number="+77015550001")  # opens a case
    plain = desk.queued(line, number="+77015550002")
    repeat = desk.queued(line, number="+77015550001")  # the open case: priority 10
    assert desk.open_offers() == []

    user = db.session.get(User, user_id)
    presence.move(user, "available", T0, actor="asel", reason="chosen")
    db.session.commit()
    offers.operator_ready(user_id, T0)
    assert desk.open_offers() == [(repeat, "asel")]

    offer_endings.decline(desk.offer_of(repeat).id, user, T0)
    assert desk.open_offers() == [(earlier, "asel")], "same priority: the longest waiting"
    offer_endings.decline(desk.offer_of(earlier).id, user, T0)
    assert desk.open_offers() == [(plain, "asel")]


def test_nobody_speaks_the_language_then_anyone_after_the_fallback(line, app, clock):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(30))
    sid = desk.queued(line, language="1")  # Kazakh
    assert desk.open_offers() == []

    clock.shift(59)
    sweep.sweep()
    assert desk.open_offers() == []

    clock.shift(1)
    sweep.sweep()
    assert desk.open_offers() == [(sid, "asel")]


def test_a_declined_caller_goes_to_the_next_operator_never_back(line, app, client):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    desk.operator("bolat", ["legal"], ["ru"], available_since=ago(30))
    sid = desk.queued(line)
    offer = desk.offer_of(sid)
    assert offer.user.username == "asel"

    headers = bearer("asel")
    answer = client.post(f"/api/v1/offers/{offer.id}/decline", headers=headers)
    assert answer.status_code == 200, answer.json
    assert answer.json == {"offer_id": offer.id, "status": "declined"}

    assert desk.open_offers() == [(sid, "bolat")]
    assert desk.presence_of("asel") == "available"
    assert desk.offer_status(offer.id) == "declined"

    bolat_offer = desk.offer_of(sid)
    headers = bearer("bolat")
    assert (
        client.post(f"/api/v1/offers/{bolat_offer.id}/decline", json={}, headers=headers).status_code == 200
    )
    sweep.sweep()
    assert desk.open_offers() == [], "neither who declined is offered the caller again"
    assert desk.stage_of(sid) == "queued"


def test_an_offer_not_answered_lapses_through_the_sweep(line, app, clock):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    desk.operator("bolat", ["legal"], ["ru"], available_since=ago(30))
    sid = desk.queued(line)
    assert desk.open_offers() == [(sid, "asel")]
    first = desk.offer_of(sid).id

    clock.shift(19)
    sweep.sweep()
    assert desk.open_offers() == [(sid, "asel")]

    clock.shift(1)
    sweep.sweep()
    assert desk.offer_status(first) == "lapsed"
    assert desk.presence_of("asel") == "away"
    assert desk.open_offers() == [(sid, "bolat")]
    assert db.session.scalar(select(func.count()).where(AuditRecord.action == "offer.lapsed")) == 1

    clock.shift(20)
    sweep.sweep()
    assert desk.open_offers() == []
    assert desk.stage_of(sid) == "queued"
    assert (desk.presence_of("asel"), desk.presence_of("bolat")) == ("away", "away")


def test_lapse_survives_a_new_web_process(line, app, make_app, clock):
    """The deadline is in the database: a sweep in another app (a restarted
    process) lapses an offer made by this one."""
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    sid = desk.queued(line)
    clock.shift(25)
    with make_app().app_context():
        sweep.sweep()
    assert desk.open_offers() == []
    assert desk.presence_of("asel") == "away"
    assert desk.stage_of(sid) == "queued"


def test_offering_when_nobody_is_available_costs_one_query(line, app):
    desk.operator("asel", ["legal"], ["ru"])  # away
    sid = desk.queued(line)
    call_id = db.session.scalar(select(Call.id).where(Call.call_sid == sid))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert offers.offer_caller(call_id, T0) is None
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_a_caller_who_left_frees_the_operator_offered_them(line, app):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    gone, waiting = desk.queued(line), desk.queued(line)
    offer = desk.offer_of(gone).id
    line.post("/telephony/voice/queue-result", {"CallSid": gone, "QueueResult": "hangup", "QueueTime": "5"})
    assert desk.offer_status(offer) == "withdrawn"
    assert desk.open_offers() == [(waiting, "asel")]


def test_a_call_that_ended_while_offered_frees_the_operator(line, app):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    gone, waiting = desk.queued(line), desk.queued(line)
    line.post("/telephony/voice/status", {"CallSid": gone, "CallStatus": "completed", "SequenceNumber": "5"})
    assert desk.open_offers() == [(waiting, "asel")]
    assert sweep.sweep() is None
    assert desk.open_offers() == [(waiting, "asel")]


def test_the_sweep_withdraws_an_offer_whose_caller_left_unseen(line, app):
    """A web process that died between the caller leaving and withdrawing the offer."""
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    gone, waiting = desk.queued(line), desk.queued(line)
    db.session.execute(db.update(Call).where(Call.call_sid == gone).values(stage="left_queue"))
    db.session.commit()
    assert desk.open_offers() == [(gone, "asel")]
    sweep.sweep()
    assert desk.open_offers() == [(waiting, "asel")]
