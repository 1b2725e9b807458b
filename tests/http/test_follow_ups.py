"""Monitoring: the follow-up check-ins after release and after resolution are
callbacks (source follow_up), planned once whatever the saves, moved with the
release date, cancelled with the consent; the answer of a follow-up call."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline import events
from hotline.accounts import auth
from hotline.callbacks import follow_up_answers
from hotline.callbacks import follow_ups as planning
from hotline.cases import passport
from hotline.extensions import db
from hotline.models import (
    AuditRecord,
    Callback,
    CallbackAttempt,
    Case,
    CaseEvent,
    FollowUpAnswer,
    Offer,
    Referral,
    Role,
    User,
    utcnow,
)
from hotline.models.states import CallbackStatus, Presence
from hotline.operators import callbacks, desk, offers
from tests.support.accompaniment import put_passport
from tests.support.callbacks import NEEDS
from tests.support.calls import ScriptedCall
from tests.support.cases import CATEGORY, OUTCOME, audit_count, bearer, case_called, set_status, staff_tokens
from tests.support.follow_ups import answer, follow_up_callback, follow_ups, local_today, released
from tests.support.pages import PASSWORD
from tests.support.partners import a_partner, move, refer

GOOD = {"reached": True, "housing": "stable", "work": "looking", "documents": None, "still_in_contact": True}


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def consented(client, tokens, reference, days_ago=10):
    saved = put_passport(
        client, tokens["aigerim"], reference, {"release_date": released(days_ago), "follow_up_consent": True}
    )
    assert saved.status_code == 200, saved.get_json()


def test_consent_and_a_release_date_plan_the_check_ins_once_the_past_ones_skipped(
    app, client, twilio, tokens
):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    planned = follow_ups(app)
    # Released ten days ago: the week's check-in is past, skipped; only the next has its callback.
    assert planned == [
        ("release", 30, False, "scheduled", "follow_up"),
        ("release", 90, False, None, None),
        ("release", 180, False, None, None),
        ("release", 365, False, None, None),
    ]
    consented(client, tokens, reference)
    again = put_passport(client, tokens["boris"], reference, {"follow_up_consent": True, "work": "looking"})
    assert again.status_code == 200
    assert follow_ups(app) == planned


def test_a_new_release_date_moves_those_not_made_and_cancels_those_now_past(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    with app.app_context():
        first = db.session.scalars(select(Callback).where(Callback.source == "follow_up")).one()
        first_due = first.due_at
    consented(client, tokens, reference, days_ago=40)
    assert follow_ups(app) == [
        ("release", 30, True, "cancelled", "follow_up"),
        ("release", 90, False, "scheduled", "follow_up"),
        ("release", 180, False, None, None),
        ("release", 365, False, None, None),
    ]
    consented(client, tokens, reference, days_ago=2)
    planned = follow_ups(app)
    assert [row[:3] for row in planned] == [
        ("release", 7, False),
        ("release", 30, False),
        ("release", 90, False),
        ("release", 180, False),
        ("release", 365, False),
    ]
    assert [row[3] for row in planned].count("scheduled") == 1
    assert planned[0][3] == "scheduled"
    with app.app_context():
        due = db.session.scalar(
            select(Callback.due_at).where(Callback.source == "follow_up", Callback.status == "scheduled")
        )
    assert due < first_due


def test_consent_withdrawn_cancels_the_open_ones(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    withdrawn = put_passport(client, tokens["aigerim"], reference, {"follow_up_consent": False})
    assert withdrawn.status_code == 200
    planned = follow_ups(app)
    assert all(cancelled for _, _, cancelled, _, _ in planned)
    assert [status for *_, status, _ in planned] == ["cancelled", None, None, None]
    assert audit_count(app, "callback.cancelled") == 1


def test_no_consent_no_check_ins(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    put_passport(client, tokens["aigerim"], reference, {"release_date": released(3)})
    assert follow_ups(app) == []


def resolve(client, token, reference):
    return client.post(
        f"/api/v1/cases/{reference}/status",
        json={"status": "resolved", "outcome": OUTCOME, "category": CATEGORY},
        headers=bearer(token),
    )


def test_resolving_a_case_plans_the_check_in_after_it(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    put_passport(client, tokens["aigerim"], reference, {"follow_up_consent": True})
    set_status(app, reference, "in_progress")
    resolved = resolve(client, tokens["aigerim"], reference)
    assert resolved.status_code == 200, resolved.get_json()
    assert follow_ups(app) == [("resolved", 14, False, "scheduled", "follow_up")]
    with app.app_context():
        callback = db.session.scalars(select(Callback).where(Callback.source == "follow_up")).one()
        assert (callback.due_at - utcnow()).days in (13, 14)


def test_resolving_without_consent_plans_nothing(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    set_status(app, reference, "in_progress")
    assert resolve(client, tokens["aigerim"], reference).status_code == 200
    assert follow_ups(app) == []


def test_the_answer_is_a_row_an_event_and_an_audit_record_once(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    callback_id = follow_up_callback(app)
    first = answer(client, tokens["aigerim"], callback_id, GOOD)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["kind"], body["offset_days"], body["reached"], body["housing"]) == (
        "release",
        30,
        True,
        "stable",
    )
    assert audit_count(app, "follow_up.answered") == 1
    with app.app_context():
        detail = db.session.scalars(
            select(AuditRecord.detail).where(AuditRecord.action == "follow_up.answered")
        ).one()
        assert "stable" not in repr(detail) and "looking" not in repr(detail)
        assert db.session.scalar(select(CaseEvent.kind).where(CaseEvent.kind == "follow_up_answered"))
    twice = answer(client, tokens["boris"], callback_id, GOOD)
    assert twice.status_code == 409
    assert "recorded already" in twice.get_json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "housing": "palace"}, "housing"),
        ({**GOOD, "reached": "yes"}, "reached"),
        ({"housing": "stable"}, "reached"),
        ({**GOOD, "still_in_contact": 1}, "still_in_contact"),
        ({**GOOD, "referral_id": 5}, "service_received"),
        ({**GOOD, "service_received": True}, "referral_id"),
        ({"reached": False, "work": "employed"}, "work"),
    ],
)
def test_a_bad_answer_is_400_naming_the_field_and_writes_nothing(app, client, twilio, tokens, body, field):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    refused = answer(client, tokens["aigerim"], follow_up_callback(app), body)
    assert refused.status_code == 400
    assert field in refused.get_json()["message"]
    with app.app_context():
        assert db.session.scalars(select(FollowUpAnswer)).all() == []


def test_a_callback_that_is_no_follow_up_is_409(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    asked = client.post(
        f"/api/v1/cases/{reference}/callbacks",
        json={"due_at": utcnow().isoformat()},
        headers=bearer(tokens["aigerim"]),
    )
    assert asked.status_code == 201, asked.get_json()
    refused = answer(client, tokens["aigerim"], asked.get_json()["id"], GOOD)
    assert refused.status_code == 409
    assert "not a follow-up" in refused.get_json()["message"]


def test_an_operator_of_another_queue_is_403_and_an_unknown_callback_404(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    assert answer(client, tokens["dana"], follow_up_callback(app), GOOD).status_code == 403
    assert answer(client, tokens["aigerim"], 987654, GOOD).status_code == 404


def test_not_reached_after_the_attempts_is_a_case_event_and_the_next_check_in(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    callback_id = follow_up_callback(app)
    with app.app_context():
        db.session.execute(
            Callback.__table__.update()
            .where(Callback.id == callback_id)
            .values(status=CallbackStatus.FAILED.value)
        )
        follow_up_answers.not_reached(db.session.get(Callback, callback_id), utcnow())
        db.session.commit()
    assert audit_count(app, "follow_up.not_reached") == 1
    assert [row[3] for row in follow_ups(app)] == ["failed", "scheduled", None, None]


def test_a_service_received_moves_the_referral_and_a_refused_move_writes_nothing(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    partner = a_partner(app)
    made = refer(client, tokens["aigerim"], reference, partner).get_json()["id"]
    other = refer(client, tokens["aigerim"], reference, partner).get_json()["id"]
    assert move(client, tokens["aigerim"], made, "accepted").status_code == 200
    callback_id = follow_up_callback(app)
    # The other referral was never accepted: its service cannot be received yet.
    refused = answer(
        client, tokens["aigerim"], callback_id, {**GOOD, "referral_id": other, "service_received": True}
    )
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalars(select(FollowUpAnswer)).all() == []
    done = answer(
        client, tokens["aigerim"], callback_id, {**GOOD, "referral_id": made, "service_received": True}
    )
    assert done.status_code == 201, done.get_json()
    with app.app_context():
        assert db.session.get(Referral, made).status == "service_received"
    assert audit_count(app, "case.referral_status_changed") == 2


def test_a_follow_up_failed_after_its_last_attempt_tells_its_operator_and_the_supervisors(
    app, twilio, monkeypatch
):
    call = ScriptedCall(twilio)
    call.to_queue(need=NEEDS["legal"])
    call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9")  # the caller hung up
    with app.app_context():
        reference = call.record().case.reference
    published = []
    monkeypatch.setattr(
        events, "_after_commit", lambda name, data, rooms, *marks: published.append((name, rooms))
    )
    with app.app_context():
        monkeypatch.setitem(
            app.extensions, "callback_policy", replace(app.extensions["callback_policy"], attempts=1)
        )
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        case.assigned_operator_id = user.id
        db.session.commit()
        values = {"release_date": local_today() - timedelta(days=7), "follow_up_consent": True}
        passport.save(case, values, user, utcnow(), local_today(), then=planning.passport_saved)
        desk.choose_presence(user, Presence.AVAILABLE, None, utcnow())
        offers.distribute(utcnow())
        offer_id = db.session.scalars(select(Offer.id).where(Offer.callback_id.is_not(None))).one()
        attempt_id = desk.take_callback(offer_id, user, utcnow()).attempt_id
        callbacks.operator_answered(db.session.get(CallbackAttempt, attempt_id), utcnow())
        callbacks.dial_ended(db.session.get(CallbackAttempt, attempt_id), "no-answer", False, utcnow(), None)
    assert [row[3] for row in follow_ups(app)] == ["failed", "scheduled", None, None, None]
    assert audit_count(app, "follow_up.not_reached") == 1
    alerts = [rooms for name, rooms in published if name == "follow_up.not_reached"]
    assert len(alerts) == 1 and set(alerts[0]) == {"supervisors", f"user:{user.id}"}


def test_a_follow_up_callback_cancelled_by_hand_hands_on_to_the_next_check_in(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    consented(client, tokens, reference)
    callback_id = follow_up_callback(app)
    cancelled = client.post(f"/api/v1/callbacks/{callback_id}/cancel", headers=bearer(tokens["aigerim"]))
    assert cancelled.status_code == 200, cancelled.get_json()
    assert [row[3] for row in follow_ups(app)] == ["cancelled", "scheduled", None, None]
