"""GET /api/v1/audit: the audit log for supervisors and admins, newest first, a
page at a time, by case (its own records and its calls'), user, action and
local day; operators and a token of no user 403; 400 for a value not of its
form; reading the log is no view of a case; no number and no note in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline import audit_log
from hotline.extensions import db
from hotline.models import AuditRecord
from tests.support.callbacks import OTHER_NUMBER
from tests.support.calls import ScriptedCall
from tests.support.cases import NUMBER, bearer, case_called, staff_tokens
from tests.support.clock import ZONE, recent

NOTE = "zx-private-note-5521"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def records(client, token, **query):
    answer = client.get("/api/v1/audit", query_string=query, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()


def total(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditRecord))


def test_a_supervisor_reads_a_case_s_views_refusals_and_calls_by_its_reference(app, client, twilio, tokens):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    with app.app_context():
        reference = call.record().case.reference
    assert call.post("/telephony/voice/status", CallStatus="completed", SequenceNumber="9").status_code == 204
    other = case_called(app, twilio, number=OTHER_NUMBER)
    client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["aigerim"]))
    client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["dana"]))
    client.post(f"/api/v1/cases/{reference}/notes", json={"body": NOTE}, headers=bearer(tokens["aigerim"]))
    page = records(client, tokens["boris"], case=reference)
    items = page["items"]
    assert {item["case"] for item in items} == {reference}
    actions = [item["action"] for item in items]
    assert actions[:3] == ["case.note_added", "case.view_refused", "case.viewed"]
    assert "call.ended" in actions
    assert [item["actor"] for item in items[:3]] == ["aigerim", "dana", "aigerim"]
    # The call's records are the case's too (the caller's call, in the case's name).
    assert any(item["object_type"] == "call" for item in items)
    assert set(items[0]) == {"at", "actor", "action", "case", "object_type", "object_id"}
    assert page["next"] is None
    text = client.get("/api/v1/audit", headers=bearer(tokens["boris"])).get_data(as_text=True)
    assert NOTE not in text and NUMBER[1:] not in text
    assert other in text


def test_filters_by_user_action_and_day(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["aigerim"]))
    client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["dana"]))
    boris = tokens["boris"]
    assert [item["actor"] for item in records(client, boris, user="dana")["items"]] == ["dana"]
    viewed = records(client, boris, action="case.viewed")["items"]
    assert [(item["actor"], item["case"]) for item in viewed] == [("aigerim", reference)]
    today = recent().astimezone(ZONE).date()
    assert len(records(client, boris, **{"from": today.isoformat(), "to": today.isoformat()})["items"]) > 2
    assert records(client, boris, to=(today - timedelta(days=1)).isoformat())["items"] == []
    assert records(client, boris, case="HL-2000-000001")["items"] == []


def test_reading_the_log_is_no_view_and_writes_nothing(app, client, twilio, tokens):
    case_called(app, twilio)
    before = total(app)
    records(client, tokens["boris"])
    records(client, tokens["boris"], action="case.viewed")
    assert total(app) == before


def test_pages_follow_next_newest_first(app, client, twilio, tokens, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 3)
    case_called(app, twilio)
    for _ in range(4):
        client.get("/api/v1/cases", headers=bearer(tokens["aigerim"]), query_string={"number": NUMBER})
    seen, after = [], None
    while True:
        page = records(client, tokens["boris"], **({"after": after} if after else {}))
        assert len(page["items"]) <= 3
        seen += page["items"]
        after = page["next"]
        if after is None:
            break
    assert len(seen) == total(app)
    assert [item["at"] for item in seen] == sorted((item["at"] for item in seen), reverse=True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("case", "HL-1"),
        ("case", "hl-2026-000001"),
        ("user", "x" * 65),
        ("user", "a\x00"),
        ("action", "case.viewed\n"),
    ],
)
def test_a_name_no_record_could_hold_finds_nothing(app, client, twilio, tokens, name, value):
    case_called(app, twilio)
    assert records(client, tokens["boris"], **{name: value})["items"] == []


@pytest.mark.parametrize("who", ["aigerim", "wallboard"])
def test_operators_and_a_token_of_no_user_are_refused(app, client, tokens, who):
    answer = client.get("/api/v1/audit", headers=bearer(tokens[who]), query_string={"from": "nonsense"})
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "Forbidden"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("from", "2026-13-01"),
        ("to", "today"),
        ("after", "1.5"),
    ],
)
def test_a_value_not_of_its_form_is_a_400(app, client, tokens, name, value):
    answer = client.get("/api/v1/audit", query_string={name: value}, headers=bearer(tokens["boris"]))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "Bad Request", "message": f"invalid query parameter: {name}"}
