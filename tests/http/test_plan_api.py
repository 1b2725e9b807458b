"""The support route: POST /api/v1/cases/<reference>/plan, GET …/plan, PATCH
/api/v1/plan-steps/<id>, GET /api/v1/me/plan-steps?due=week; overdue steps
flagged; the case's `accompanied` while a step is open; every step a case
event and an audit record, never the goal or the result; 400/403/404/409."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.cases.route import week_end
from hotline.extensions import db
from hotline.models import AuditRecord
from tests.support.accompaniment import PRIVATE, add_step, nowhere_but_its_row, patch_step, written
from tests.support.cases import audit_count, bearer, case_called, set_status, staff_tokens


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def today():
    return datetime.now(ZoneInfo("Asia/Almaty")).date()


def case_of(client, token, reference):
    return client.get(f"/api/v1/cases/{reference}", headers=bearer(token)).get_json()


def test_a_step_added_makes_the_person_accompanied_until_none_is_open(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    assert case_of(client, tokens["aigerim"], reference)["accompanied"] is False
    answer = add_step(client, tokens["aigerim"], reference, goal=PRIVATE)
    assert answer.status_code == 201, answer.get_json()
    step = answer.get_json()
    assert {
        key: step[key] for key in ("case", "goal", "category", "owner", "status", "result", "overdue")
    } == {
        "case": reference,
        "goal": PRIVATE,
        "category": "documents",
        "owner": "aigerim",
        "status": "open",
        "result": None,
        "overdue": False,
    }
    assert case_of(client, tokens["aigerim"], reference)["accompanied"] is True
    done = patch_step(
        client, tokens["aigerim"], step["id"], {"status": "done", "result": PRIVATE + "-result"}
    )
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["result"]) == ("done", PRIVATE + "-result")
    assert done.get_json()["closed_at"] is not None
    case = case_of(client, tokens["aigerim"], reference)
    assert case["accompanied"] is False
    kinds = [entry["kind"] for entry in case["timeline"]["items"]]
    assert kinds[:2] == ["plan_step_moved", "plan_step_added"]
    with app.app_context():
        moved = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "case.plan_step_moved")
        ).one()
    assert moved.actor == "aigerim"
    assert moved.detail == {"step_id": step["id"], "result_written": True, "from": "open", "to": "done"}
    nowhere_but_its_row(app, PRIVATE)


def test_the_route_is_the_persons_across_their_cases(app, client, twilio, tokens):
    first = case_called(app, twilio)
    add_step(client, tokens["aigerim"], first, due_date=(today() + timedelta(days=9)).isoformat())
    add_step(
        client,
        tokens["aigerim"],
        first,
        due_date=(today() - timedelta(days=1)).isoformat(),
        category="housing",
    )
    set_status(app, first, "closed")
    second = case_called(app, twilio)
    assert case_of(client, tokens["aigerim"], second)["accompanied"] is True
    route = client.get(f"/api/v1/cases/{second}/plan", headers=bearer(tokens["aigerim"])).get_json()["items"]
    assert [(step["category"], step["overdue"], step["case"]) for step in route] == [
        ("housing", True, first),
        ("documents", False, first),
    ]


def test_an_owner_is_a_username_and_partners_are_to_come(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = add_step(client, tokens["boris"], reference, owner="aigerim")
    assert (answer.status_code, answer.get_json()["owner"]) == (201, "aigerim")
    before = written(app)
    for owner in ("nobody", "partner:1"):
        refused = add_step(client, tokens["boris"], reference, owner=owner)
        assert refused.status_code == 400
        assert "owner" in refused.get_json()["message"]
    assert written(app) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"goal": "   "}, "goal"),
        ({"goal": "x" * 1001}, "goal"),
        ({"category": "no_such_category"}, "category"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_wrong_step_is_a_400_naming_the_field(app, client, twilio, tokens, body, field):
    reference = case_called(app, twilio)
    before = written(app)
    answer = add_step(client, tokens["aigerim"], reference, **body)
    assert answer.status_code == 400
    assert field in answer.get_json()["message"]
    assert written(app) == before


def test_a_step_done_or_dropped_moves_no_more_409_naming_both(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    step_id = add_step(client, tokens["aigerim"], reference).get_json()["id"]
    assert patch_step(client, tokens["aigerim"], step_id, {"status": "dropped"}).status_code == 200
    before = written(app)
    for to in ("done", "open", "dropped"):
        refused = patch_step(client, tokens["aigerim"], step_id, {"status": to})
        assert refused.status_code == 409
        assert "dropped" in refused.get_json()["message"] and to in refused.get_json()["message"]
    assert written(app) == before
    result = patch_step(client, tokens["aigerim"], step_id, {"result": "moved to another city"})
    assert (result.status_code, result.get_json()["result"]) == (200, "moved to another city")
    assert audit_count(app, "case.plan_step_updated") == 1


def test_a_patch_of_nothing_changes_nothing_and_a_wrong_one_is_a_400(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    step_id = add_step(client, tokens["aigerim"], reference).get_json()["id"]
    before = written(app)
    for body in ({}, {"status": None, "result": None}):
        answer = patch_step(client, tokens["aigerim"], step_id, body)
        assert (answer.status_code, answer.get_json()["status"]) == (200, "open")
    for body in ({"status": "finished"}, {"result": " "}, {"result": "x" * 10_001}, []):
        assert patch_step(client, tokens["aigerim"], step_id, body).status_code == 400, body
    assert written(app) == before


def test_access_as_for_the_case_and_the_owner_may_move_their_step(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    before = written(app)
    assert add_step(client, tokens["dana"], reference).status_code == 403
    assert client.get(f"/api/v1/cases/{reference}/plan", headers=bearer(tokens["dana"])).status_code == 403
    assert written(app) == before
    mine = add_step(client, tokens["boris"], reference, owner="dana").get_json()["id"]
    theirs = add_step(client, tokens["boris"], reference).get_json()["id"]
    assert patch_step(client, tokens["dana"], theirs, {"status": "done"}).status_code == 403
    assert patch_step(client, tokens["dana"], mine, {"status": "done"}).status_code == 200
    assert patch_step(client, tokens["wallboard"], theirs, {"status": "done"}).status_code == 403
    # The read-only token is refused before the case is looked at (as on every write).
    assert audit_count(app, "case.view_refused") == 3


def test_unknown_steps_and_cases_are_404(app, client, tokens):
    assert patch_step(client, tokens["boris"], 999999, {"status": "done"}).status_code == 404
    assert patch_step(client, tokens["boris"], 10**30, {"status": "done"}).status_code == 404
    assert add_step(client, tokens["boris"], "HL-2026-000404").status_code == 404


def test_my_steps_due_this_week_with_the_overdue(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    day = today()
    dues = {
        "overdue": day - timedelta(days=2),
        "today": day,
        "sunday": week_end(day),
        "later": day + timedelta(days=8),
    }
    ids = {
        name: add_step(client, tokens["aigerim"], reference, due_date=due.isoformat()).get_json()["id"]
        for name, due in dues.items()
    }
    add_step(client, tokens["boris"], reference, owner="boris", due_date=day.isoformat())
    patch_step(client, tokens["aigerim"], ids["today"], {"status": "done"})
    answer = client.get("/api/v1/me/plan-steps?due=week", headers=bearer(tokens["aigerim"]))
    assert answer.status_code == 200
    assert [(step["id"], step["overdue"]) for step in answer.get_json()["items"]] == [
        (ids["overdue"], True),
        (ids["sunday"], False),
    ]
    assert client.get("/api/v1/me/plan-steps", headers=bearer(tokens["aigerim"])).status_code == 200
    assert client.get("/api/v1/me/plan-steps?due=year", headers=bearer(tokens["aigerim"])).status_code == 400
    assert client.get("/api/v1/me/plan-steps", headers=bearer(tokens["wallboard"])).status_code == 403


def test_the_search_finds_the_accompanied(app, client, twilio, tokens):
    accompanied = case_called(app, twilio)
    other = case_called(app, twilio, number="+77019990033")
    step_id = add_step(client, tokens["aigerim"], accompanied).get_json()["id"]

    def found(wanted):
        answer = client.get(f"/api/v1/cases?accompanied={wanted}", headers=bearer(tokens["boris"]))
        return [item["reference"] for item in answer.get_json()["items"]]

    assert (found("true"), found("false")) == ([accompanied], [other])
    patch_step(client, tokens["aigerim"], step_id, {"status": "done"})
    assert found("true") == []
