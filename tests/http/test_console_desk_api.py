"""GET /api/v1/me/call and /api/v1/me/offer: what a console (re)loading needs
to show: the operator's call (nothing, the call being talked with the number
masked, its wrap-up with its limit) and the caller offered to them; never
someone else's, never a full number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Call, Caller, Offer, User, utcnow
from hotline.models.states import AssignmentStatus
from tests.support.pages import PASSWORD, log_in
from tests.support.wrapup import bearer, in_wrap_up

NUMBER = "+77015554321"


def test_no_call_is_null(app, client, staff):
    log_in(client, "aigerim", PASSWORD)
    answer = client.get("/api/v1/me/call")
    assert (answer.status_code, answer.json) == (200, {"call": None})


def test_a_call_in_wrap_up_carries_its_limit_and_no_number(app, client, staff):
    with app.app_context():
        call_sid = in_wrap_up("aigerim", seconds_left=90)
    log_in(client, "aigerim", PASSWORD)
    shown = client.get("/api/v1/me/call").json["call"]
    assert shown["call_sid"] == call_sid
    assert (shown["state"], shown["queue"], shown["language"]) == ("wrap_up", "legal", "ru")
    assert shown["case_reference"].startswith("HL-2026-")
    assert shown["wrap_up_until"] is not None and shown["masked_number"] is None
    # The supervisor holds no call of their own.
    with app.app_context():
        boris = bearer("boris")
    assert client.get("/api/v1/me/call", headers=boris).json == {"call": None}


def test_a_call_being_talked_shows_the_number_masked(app, client, staff):
    with app.app_context():
        call_sid = in_wrap_up("aigerim", status=AssignmentStatus.TALKING)
        vault = app.extensions["phone_vault"]
        call = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
        call.caller = Caller(number_hash=vault.digest(NUMBER), number_encrypted=vault.encrypt(NUMBER))
        db.session.commit()
        headers = bearer("aigerim")
    answer = client.get("/api/v1/me/call", headers=headers)
    shown = answer.json["call"]
    assert (shown["state"], shown["masked_number"], shown["wrap_up_until"]) == ("talking", "••••21", None)
    assert shown["answered_at"] is not None
    assert "5554321" not in answer.get_data(as_text=True)


def test_an_integration_s_token_has_no_call(app, client, staff):
    with app.app_context():
        headers = bearer(None)
    answer = client.get("/api/v1/me/call", headers=headers)
    assert answer.status_code == 403


def test_the_answer_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert "/api/v1/me/call" in document["paths"]


def test_the_open_offer_is_shown_as_the_event_shows_it(app, client, staff):
    with app.app_context():
        call_sid = in_wrap_up("aigerim", status=AssignmentStatus.TALKING)
        call = db.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
        boris = db.session.scalars(select(User).where(User.username == "boris")).one()
        expires = utcnow() + timedelta(seconds=20)
        db.session.add(Offer(call_id=call.id, user_id=boris.id, status="open", expires_at=expires))
        db.session.commit()
        mine, theirs = bearer("boris"), bearer("aigerim")
    shown = client.get("/api/v1/me/offer", headers=mine).json["offer"]
    assert (shown["call_sid"], shown["queue"], shown["language"]) == (call_sid, "legal", "ru")
    assert shown["case_reference"].startswith("HL-2026-") and shown["expires_at"]
    assert client.get("/api/v1/me/offer", headers=theirs).json == {"offer": None}
