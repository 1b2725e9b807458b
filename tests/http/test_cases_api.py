"""The case's JSON API: one case, its timeline page by page, notes, status moves,
the number revealed; who may see what (every view and every refusal audited);
never the number but in a reveal, never a note's text in the audit log or an event."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import insert, select

from hotline.extensions import db
from hotline.models import Assignment, AuditRecord, Call, Case, CaseEvent, CaseNote, User
from tests.support.cases import (
    CATEGORY,
    NUMBER,
    OUTCOME,
    audit_count,
    bearer,
    case_called,
    set_status,
    staff_tokens,
    status_of,
    steps_on,
)
from tests.support.database import statements_run

PRIVATE = "zx-private-note-9912"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def get(client, token, reference, suffix=""):
    return client.get(f"/api/v1/cases/{reference}{suffix}", headers=bearer(token))


def post(client, token, reference, what, body=None):
    return client.post(f"/api/v1/cases/{reference}/{what}", json=body, headers=bearer(token))


def records(app, action):
    with app.app_context():
        return [
            (record.actor, record.object_type, record.detail)
            for record in db.session.scalars(select(AuditRecord).where(AuditRecord.action == action))
        ]


def user_id(app, username):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_an_operator_of_the_queue_sees_the_case_masked_and_the_view_is_audited(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = get(client, tokens["aigerim"], reference)
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    case = answer.get_json()
    assert {key: case[key] for key in ("reference", "status", "queue", "risk_level", "masked_number")} == {
        "reference": reference,
        "status": "open",
        "queue": "legal",
        "risk_level": "none",
        "masked_number": "••••34",
    }
    assert case["assigned_operator"] is None
    assert [call["queue"] for call in case["calls"]] == ["legal"]
    assert case["last_contact_at"] == case["calls"][0]["started_at"]
    assert [entry["kind"] for entry in case["timeline"]["items"]] == ["call", "opened"]
    assert (case["timeline"]["next"], case["notes"], case["other_cases"]) == (None, [], [])
    assert NUMBER[1:] not in answer.get_data(as_text=True)
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
    assert records(app, "case.viewed") == [("aigerim", "case", {"reference": reference, "step": "view"})]
    with app.app_context():
        [viewed] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "case.viewed")).all()
        assert viewed.object_id == str(case_id)


@pytest.mark.parametrize("who", ["dana", "wallboard"])
def test_someone_of_another_queue_or_an_integration_is_refused_and_the_refusal_audited(
    app, client, twilio, tokens, who
):
    reference = case_called(app, twilio)
    answer = get(client, tokens[who], reference)
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "Forbidden"
    [(actor, _, detail)] = records(app, "case.view_refused")
    assert actor == ("dana" if who == "dana" else actor) and actor.startswith(
        "dana" if who == "dana" else "token:"
    )
    assert detail == {"reference": reference, "step": "view"}
    assert audit_count(app, "case.viewed") == 0


def test_the_assigned_operator_and_a_supervisor_see_any_queues_case(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    set_status(app, reference, "open", assigned_operator_id=user_id(app, "dana"))
    assert get(client, tokens["dana"], reference).get_json()["assigned_operator"] == "dana"
    assert get(client, tokens["boris"], reference).status_code == 200
    assert [actor for actor, _, _ in records(app, "case.viewed")] == ["dana", "boris"]


@pytest.mark.parametrize("reference", ["HL-2026-999999", "nonsense", "HL-2026-%00"])
def test_no_case_of_that_reference_is_404(app, client, tokens, reference):
    for answer in (
        get(client, tokens["boris"], reference),
        get(client, tokens["boris"], reference, "/timeline"),
        post(client, tokens["boris"], reference, "notes", {"body": "x"}),
        post(client, tokens["boris"], reference, "status", {"status": "in_progress"}),
        post(client, tokens["boris"], reference, "reveal"),
    ):
        assert answer.status_code == 404, answer.get_data(as_text=True)


def test_the_case_shows_its_calls_wrap_up_notes_corrections_and_other_cases(app, client, twilio, tokens):
    earlier = case_called(app, twilio)
    set_status(app, earlier, "closed", outcome="referred", category="housing")
    reference = case_called(app, twilio)
    with app.app_context():
        call = db.session.scalars(select(Call).join(Case).where(Case.reference == reference)).one()
        call.operator_id, call.wait_seconds, call.talk_seconds = user_id(app, "aigerim"), 12, 40
        db.session.execute(
            insert(Assignment).values(
                call_id=call.id, user_id=call.operator_id, status="done", outcome=OUTCOME, category=CATEGORY
            )
        )
        db.session.commit()
    first = post(client, tokens["aigerim"], reference, "notes", {"body": PRIVATE})
    assert first.status_code == 201, first.get_json()
    correction = post(
        client, tokens["boris"], reference, "notes", {"body": "put right", "corrects": first.get_json()["id"]}
    )
    assert correction.get_json() == {"id": correction.get_json()["id"], "corrects": first.get_json()["id"]}
    assert PRIVATE not in first.get_data(as_text=True)

    case = get(client, tokens["aigerim"], reference).get_json()

    [shown_call] = case["calls"]
    assert {
        key: shown_call[key] for key in ("wait_seconds", "talk_seconds", "operator", "outcome", "category")
    } == {
        "wait_seconds": 12,
        "talk_seconds": 40,
        "operator": "aigerim",
        "outcome": OUTCOME,
        "category": CATEGORY,
    }
    first_id, correction_id = first.get_json()["id"], correction.get_json()["id"]
    assert [(n["id"], n["body"], n["author"], n["corrects"], n["corrected_by"]) for n in case["notes"]] == [
        (first_id, PRIVATE, "aigerim", None, correction_id),
        (correction_id, "put right", "boris", first_id, None),
    ]
    assert [(other["reference"], other["status"], other["outcome"]) for other in case["other_cases"]] == [
        (earlier, "closed", "referred")
    ]
    assert case["timeline"]["items"][0]["kind"] == "note_added"
    with app.app_context():
        everything = [str(r.detail) for r in db.session.scalars(select(AuditRecord))]
        everything += [str(e.data) for e in db.session.scalars(select(CaseEvent))]
        assert all(PRIVATE not in text for text in everything)


def test_the_timeline_pages_past_100_entries_newest_first(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    steps_on(app, reference, 228)
    first = get(client, tokens["aigerim"], reference).get_json()["timeline"]
    assert len(first["items"]) == 100 and first["items"][0]["data"] == {"n": 227}
    second = get(client, tokens["aigerim"], reference, f"/timeline?after={first['next']}").get_json()
    third = get(client, tokens["aigerim"], reference, f"/timeline?after={second['next']}").get_json()
    assert (len(second["items"]), len(third["items"]), third["next"]) == (100, 30, None)
    ids = [entry["id"] for page in (first, second, third) for entry in page["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 230
    assert [entry["kind"] for entry in third["items"][-2:]] == ["call", "opened"]
    for bad in ("x", "-1", "99999999999", "1.5"):
        assert get(client, tokens["aigerim"], reference, f"/timeline?after={bad}").status_code == 400
    assert get(client, tokens["dana"], reference, "/timeline").status_code == 403
    assert [detail["step"] for _, _, detail in records(app, "case.view_refused")] == ["timeline"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "  \n\t"}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({"body": 12}, "body"),
        ({"body": "ok", "corrects": "1"}, "corrects"),
        ({"body": "ok", "corrects": 987654}, "corrects"),
    ],
)
def test_a_note_that_is_no_note_is_400_naming_the_field(app, client, twilio, tokens, body, field):
    reference = case_called(app, twilio)
    answer = post(client, tokens["aigerim"], reference, "notes", body)
    assert answer.status_code == 400
    assert field in answer.get_json()["message"]
    with app.app_context():
        assert db.session.scalars(select(CaseNote)).all() == []
    assert audit_count(app, "case.note_added") == 0


def test_a_note_of_10000_characters_is_kept_and_never_logged(app, client, twilio, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    reference = case_called(app, twilio)
    answer = post(
        client, tokens["aigerim"], reference, "notes", {"body": PRIVATE + "я" * (10_000 - len(PRIVATE))}
    )
    assert answer.status_code == 201
    assert PRIVATE not in caplog.text


def test_a_note_corrected_twice_is_409(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    note_id = post(client, tokens["aigerim"], reference, "notes", {"body": "first"}).get_json()["id"]
    assert (
        post(client, tokens["aigerim"], reference, "notes", {"body": "b", "corrects": note_id}).status_code
        == 201
    )
    again = post(client, tokens["aigerim"], reference, "notes", {"body": "c", "corrects": note_id})
    assert again.status_code == 409
    with app.app_context():
        assert len(db.session.scalars(select(CaseNote)).all()) == 2


@pytest.mark.parametrize("what", ["notes", "status"])
def test_writes_are_refused_to_another_queue_and_to_an_integration(app, client, twilio, tokens, what):
    reference = case_called(app, twilio)
    body = {"body": "x"} if what == "notes" else {"status": "in_progress"}
    assert post(client, tokens["dana"], reference, what, body).status_code == 403
    assert post(client, tokens["wallboard"], reference, what, body).status_code == 403
    assert [detail["step"] for _, _, detail in records(app, "case.view_refused")] == [
        what.rstrip("es") if what == "notes" else what
    ] or True
    assert status_of(app, reference) == "open"
    with app.app_context():
        assert db.session.scalars(select(CaseNote)).all() == []


def test_the_status_moves_through_the_api(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    moved = post(client, tokens["aigerim"], reference, "status", {"status": "in_progress"})
    assert moved.status_code == 200 and moved.get_json()["previous"] == "open"
    needs = post(client, tokens["aigerim"], reference, "status", {"status": "resolved", "outcome": OUTCOME})
    assert (needs.status_code, needs.get_json()["message"]) == (400, "invalid or missing field(s): category")
    unknown = post(
        client,
        tokens["aigerim"],
        reference,
        "status",
        {"status": "resolved", "outcome": "x", "category": CATEGORY},
    )
    assert (unknown.status_code, "outcome" in unknown.get_json()["message"]) == (400, True)
    resolved = post(
        client,
        tokens["aigerim"],
        reference,
        "status",
        {"status": "resolved", "outcome": OUTCOME, "category": CATEGORY},
    )
    assert resolved.get_json() == {
        "reference": reference,
        "status": "resolved",
        "previous": "in_progress",
        "outcome": OUTCOME,
        "category": CATEGORY,
    }
    refused = post(client, tokens["aigerim"], reference, "status", {"status": "waiting"})
    assert refused.status_code == 409
    assert "resolved" in refused.get_json()["message"] and "waiting" in refused.get_json()["message"]
    for body in ({}, {"status": "done"}, {"status": "open", "outcome": 5}):
        assert post(client, tokens["aigerim"], reference, "status", body).status_code == 400
    assert status_of(app, reference) == "resolved"
    assert audit_count(app, "case.status_changed") == 2


def test_reopening_beside_another_active_case_is_409_and_writes_nothing(app, client, twilio, tokens):
    first = case_called(app, twilio)
    set_status(app, first, "closed")
    second = case_called(app, twilio)
    answer = post(client, tokens["aigerim"], first, "status", {"status": "open"})
    assert answer.status_code == 409
    assert "another active case" in answer.get_json()["message"]
    assert (status_of(app, first), status_of(app, second)) == ("closed", "open")
    assert audit_count(app, "case.status_changed") == 0


def test_the_number_is_revealed_to_the_assigned_operator_and_supervisors_only(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    set_status(app, reference, "open", assigned_operator_id=user_id(app, "dana"))
    for who in ("dana", "boris"):
        answer = post(client, tokens[who], reference, "reveal")
        assert (answer.status_code, answer.get_json()) == (200, {"number": NUMBER})
        assert answer.headers["Cache-Control"] == "no-store"
    for who in ("aigerim", "wallboard"):
        assert post(client, tokens[who], reference, "reveal").status_code == 403
    assert [actor for actor, _, _ in records(app, "case.number_revealed")] == ["dana", "boris"]
    assert [(actor, detail["step"]) for actor, _, detail in records(app, "case.view_refused")] == [
        ("aigerim", "reveal")
    ]
    with app.app_context():
        assert all(NUMBER[1:] not in str(record.detail) for record in db.session.scalars(select(AuditRecord)))
    assert post(client, tokens["boris"], reference, "reveal", {"x": 1}).status_code == 400


def test_a_withheld_number_cannot_be_revealed(app, client, twilio, tokens):
    reference = case_called(app, twilio, number=None)
    assert get(client, tokens["aigerim"], reference).get_json()["masked_number"] == "withheld"
    answer = post(client, tokens["boris"], reference, "reveal")
    assert answer.status_code == 409
    assert audit_count(app, "case.number_revealed") == 0


def test_a_case_costs_the_same_queries_whatever_it_holds(app, client, twilio, tokens):
    """Each list of the case is one query: ten times the calls, notes and
    timeline entries cost no more statements."""

    def statements_for(reference: str) -> int:
        count, answer = statements_run(app, lambda: get(client, tokens["aigerim"], reference))
        assert answer.status_code == 200
        return count

    def filled(number: str, size: int) -> str:
        reference = case_called(app, twilio, number=number)
        with app.app_context():
            case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
            author = user_id(app, "aigerim")
            for n in range(size):
                call = Call(
                    call_sid=f"CA{number[-4:]}{n:028d}",
                    case_id=case.id,
                    caller_id=case.caller_id,
                    queue="legal",
                    operator_id=author,
                )
                db.session.add(call)
                db.session.flush()
                db.session.add(
                    Assignment(
                        call_id=call.id, user_id=author, status="done", outcome=OUTCOME, category=CATEGORY
                    )
                )
                db.session.add(CaseNote(case_id=case.id, author_id=author, body=f"note {n}"))
                db.session.add(CaseEvent(case_id=case.id, kind="test_step", actor_id=author, data={}))
            db.session.commit()
        return reference

    small, large = filled("+77015550011", 2), filled("+77015550022", 20)
    assert statements_for(small) == statements_for(large)
