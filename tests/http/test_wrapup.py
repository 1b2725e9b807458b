"""Wrap-up through HTTP: the operator whose call ended saves an outcome, a
category and a note (POST /api/v1/calls/<CallSid>/wrap-up), by session or by
their token, and is available again; everyone else is refused; the note goes
to the case and nowhere else."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from hotline import events
from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, CaseNote, Role, User
from hotline.models.states import AssignmentStatus, CallStage, Presence
from tests.support.desk import presence_of
from tests.support.pages import PASSWORD, csrf_token, log_in
from tests.support.published import published_by
from tests.support.wrapup import VALID, assignment_of, bearer, call_of, in_wrap_up, post

NOTE = "Говорит, что паспорт забрали при освобождении; zx-private-7781"


@pytest.fixture
def operator(app, staff):
    """aigerim (staff's legal operator), logged in, in wrap-up of one call: its CallSid."""
    with app.app_context():
        return in_wrap_up("aigerim")


def session_post(client, call_sid: str, body):
    log_in(client, "aigerim", PASSWORD)
    token = csrf_token(client, "/console")
    return post(client, call_sid, body, {"X-CSRFToken": token})


def test_saving_the_wrap_up_ends_it_and_makes_the_operator_available(
    app, client, operator, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    published = published_by(app, monkeypatch)
    with app.app_context():
        aigerim_id = db.session.scalar(select(User.id).where(User.username == "aigerim"))

    answer = session_post(client, operator, {**VALID, "note": NOTE})

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    with app.app_context():
        assignment = assignment_of(operator)
        call = call_of(operator)
        assert body == {
            "call_sid": operator,
            "case_reference": call.case.reference,
            "outcome": "referred",
            "category": "documents",
            "wrapped_up_at": assignment.wrapped_up_at.isoformat(),
        }
        assert (assignment.status, assignment.outcome, assignment.category) == (
            "done",
            "referred",
            "documents",
        )
        assert call.stage == CallStage.ENDED
        assert presence_of("aigerim") == Presence.AVAILABLE
        [note] = db.session.scalars(select(CaseNote)).all()
        assert (note.body, note.case_id, note.call_id, note.author_id) == (
            NOTE,
            call.case_id,
            call.id,
            aigerim_id,
        )
        [event] = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "wrap_up")).all()
        assert (event.case_id, event.call_id, event.actor_id) == (call.case_id, call.id, aigerim_id)
        assert event.data == {"outcome": "referred", "category": "documents"}
        records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        wrapped = [r for r in records if r.action == "call.wrapped_up"]
        assert [(r.actor, r.object_id, r.detail) for r in wrapped] == [
            (
                "aigerim",
                operator,
                {"outcome": "referred", "category": "documents"},
            )
        ]
        moved = [r.detail for r in records if r.action == "presence.changed"]
        assert moved == [{"presence": "available", "reason": "wrapped_up"}]
        assert all(NOTE not in str(r.detail) for r in records)
    assert (
        events.OPERATOR_CALL,
        {"call_sid": operator, "state": "done"},
        [events.user_room(aigerim_id)],
    ) in (published)
    assert [data["presence"] for event, data, _ in published if event == events.PRESENCE_CHANGED] == [
        "available"
    ]
    assert all(NOTE not in str(data) for _, data, _ in published)
    assert NOTE not in answer.get_data(as_text=True)
    assert "zx-private-7781" not in caplog.text
    assert operator in caplog.text  # the log carries the CallSid, the note never


def test_the_note_is_optional_and_a_blank_one_is_not_kept(app, client, operator):
    assert session_post(client, operator, {**VALID, "note": "  \n "}).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(CaseNote)).all() == []
        second = in_wrap_up("aigerim")
    assert post(client, second, VALID, {"X-CSRFToken": csrf_token(client, "/console")}).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(CaseNote)).all() == []
        assert assignment_of(second).outcome == "referred"


def test_the_operator_s_own_token_may_save_and_an_integration_s_may_not(app, client, operator):
    with app.app_context():
        integration, own = bearer(None, "wallboard"), bearer("aigerim")
    refused = post(client, operator, VALID, integration)
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "Forbidden", "message": "this token is read-only"}
    assert post(client, operator, VALID).status_code == 401
    assert post(client, operator, VALID, own).status_code == 200


def test_a_session_without_the_csrf_token_is_refused(app, client, operator):
    log_in(client, "aigerim", PASSWORD)
    refused = post(client, operator, VALID)
    assert refused.status_code == 400
    with app.app_context():
        assert assignment_of(operator).status == AssignmentStatus.WRAP_UP


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "documents"}, "outcome"),
        ({"outcome": "referred"}, "category"),
        ({"outcome": "nonsense-code-x1", "category": "documents"}, "outcome"),
        ({"outcome": "referred", "category": "nonsense-code-x1"}, "category"),
        ({"outcome": "documents", "category": "documents"}, "outcome"),  # a category is no outcome
        ({"outcome": "referred", "category": "referred"}, "category"),
        ({"outcome": "", "category": "documents"}, "outcome"),
        ({"outcome": 7, "category": "documents"}, "outcome"),
        ({"outcome": None, "category": "documents"}, "outcome"),
        ({**VALID, "note": "x" * 4001}, "note"),
        ({**VALID, "note": "nul\x00-nonsense-code-x1"}, "note"),
        ({**VALID, "note": 12}, "note"),
        ({**VALID, "nonsense-code-x1": "y"}, "nonsense-code-x1"),
    ],
)
def test_a_missing_or_unknown_field_is_a_400_naming_it(app, client, operator, body, field):
    with app.app_context():
        headers = bearer("aigerim")
    refused = post(client, operator, body, headers)
    assert refused.status_code == 400
    assert refused.get_json() == {"error": "Bad Request", "message": f"invalid or missing field(s): {field}"}
    assert "nonsense" not in refused.get_json()["message"].replace(field, "")
    with app.app_context():
        assert assignment_of(operator).status == AssignmentStatus.WRAP_UP
        assert presence_of("aigerim") == Presence.WRAP_UP


def test_a_note_of_the_largest_size_is_kept(app, client, operator):
    with app.app_context():
        headers = bearer("aigerim")
    assert post(client, operator, {**VALID, "note": "я" * 4000}, headers).status_code == 200
    with app.app_context():
        assert len(db.session.scalars(select(CaseNote.body)).one()) == 4000


def test_a_body_that_is_no_json_object_is_a_400(app, client, operator):
    with app.app_context():
        headers = bearer("aigerim")
    for data in ("[]", "not json", '"referred"'):
        refused = client.post(
            f"/api/v1/calls/{operator}/wrap-up",
            data=data,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert refused.status_code == 400


def test_an_inactive_code_is_unknown(app, client, operator):
    with app.app_context():
        headers = bearer("aigerim")
        from hotline.models import Disposition

        db.session.add(Disposition(kind="outcome", code="retired_x", labels={"en": "Retired"}, active=False))
        db.session.commit()
    try:
        refused = post(client, operator, {"outcome": "retired_x", "category": "documents"}, headers)
        assert refused.get_json()["message"] == "invalid or missing field(s): outcome"
    finally:
        with app.app_context():
            db.session.delete(db.session.get(Disposition, ("outcome", "retired_x")))
            db.session.commit()


def test_another_operator_s_call_is_403_and_an_unknown_one_404(app, client, operator):
    with app.app_context():
        auth.create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"])
        dana = bearer("dana")
        boris = bearer("boris")
    for headers in (dana, boris):
        refused = post(client, operator, VALID, headers)
        assert refused.status_code == 403
        assert refused.get_json()["message"] == "this call is not yours to wrap up"
    unknown = post(client, "CA" + "0" * 32, VALID, dana)
    assert unknown.status_code == 404
    assert post(client, "CA%00x", VALID, dana).status_code == 404
    with app.app_context():
        assert assignment_of(operator).status == AssignmentStatus.WRAP_UP


def test_a_saved_wrap_up_cannot_be_saved_again(app, client, operator):
    with app.app_context():
        headers = bearer("aigerim")
    assert post(client, operator, {**VALID, "note": "first"}, headers).status_code == 200
    again = post(
        client, operator, {"outcome": "no_contact", "category": "housing", "note": "second"}, headers
    )
    assert again.status_code == 409
    assert (
        again.get_json()["message"] == "this call is not in wrap-up: saved already, ran out, or still going"
    )
    with app.app_context():
        assert assignment_of(operator).outcome == "referred"
        assert db.session.scalars(select(CaseNote.body)).all() == ["first"]
        assert len(db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "wrap_up")).all()) == 1


def test_a_call_still_going_is_not_in_wrap_up(app, client, staff):
    with app.app_context():
        talking = in_wrap_up("aigerim", status=AssignmentStatus.TALKING)
        headers = bearer("aigerim")
    assert post(client, talking, VALID, headers).status_code == 409
    with app.app_context():
        assert (assignment_of(talking).status, call_of(talking).stage) == ("talking", "connected")
        assert presence_of("aigerim") == Presence.BUSY


def test_the_operator_is_available_again_even_when_the_call_moved_on(app, client, operator):
    """A call no longer in wrap-up (another step ended it first) is left as it is."""
    with app.app_context():
        call = call_of(operator)
        call.stage = CallStage.ENDED
        db.session.commit()
        headers = bearer("aigerim")
    assert post(client, operator, VALID, headers).status_code == 200
    with app.app_context():
        assert (assignment_of(operator).status, call_of(operator).stage) == ("done", "ended")
        assert presence_of("aigerim") == Presence.AVAILABLE
