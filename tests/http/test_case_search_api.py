"""GET /api/v1/cases: the cases one may see that match, newest first, a page at
a time; a number in any usual form found by its keyed hash (the search by number
audited, never the number); 400 for a value not of its form; 403 for a token of
no user; the number in no answer and no log line."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.cases import search
from hotline.extensions import db
from hotline.models import Assignment, AuditRecord, Call, Case, Offer, User, utcnow
from tests.support.callbacks import OTHER_NUMBER
from tests.support.cases import NUMBER, audit_count, bearer, case_called, set_status, staff_tokens
from tests.support.clock import ZONE, recent
from tests.support.database import statements_run


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def found(client, token, **query):
    answer = client.get("/api/v1/cases", query_string=query, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()


def references(client, token, **query) -> list[str]:
    return [item["reference"] for item in found(client, token, **query)["items"]]


def test_an_operator_sees_only_their_queues_cases_a_supervisor_all(app, client, twilio, tokens):
    legal = case_called(app, twilio, "legal")
    medical = case_called(app, twilio, "medical", OTHER_NUMBER)
    assert references(client, tokens["aigerim"]) == [legal]
    assert references(client, tokens["dana"]) == [medical]
    assert references(client, tokens["boris"]) == [medical, legal]
    # Another queue's case is simply absent, asked by its reference or its queue too.
    assert references(client, tokens["aigerim"], reference=medical) == []
    assert references(client, tokens["aigerim"], queue="medical") == []


def test_an_operator_sees_a_case_assigned_to_them_in_another_queue(app, client, twilio, tokens):
    medical = case_called(app, twilio, "medical")
    with app.app_context():
        aigerim = db.session.scalar(select(User.id).where(User.username == "aigerim"))
    set_status(app, medical, "open", assigned_operator_id=aigerim)
    assert references(client, tokens["aigerim"]) == [medical]
    assert references(client, tokens["aigerim"], operator="aigerim") == [medical]
    assert references(client, tokens["boris"], operator="dana") == []


@pytest.mark.parametrize("part", ["offer", "assignment"])
def test_an_operator_finds_the_case_of_a_caller_offered_to_them_or_on_their_line_as_may_see_says(
    app, client, twilio, tokens, part
):
    """The list's rule in SQL is may_see's: the case of a caller offered to an
    operator of another queue, or on the line with them, is in their list while
    that lasts, and may_see agrees at each step."""
    reference = case_called(app, twilio)
    assert references(client, tokens["dana"]) == []
    with app.app_context():
        dana = db.session.scalar(select(User.id).where(User.username == "dana"))
        call_id = db.session.scalar(select(Call.id).join(Case).where(Case.reference == reference))
        row = (
            Offer(call_id=call_id, user_id=dana, status="open", expires_at=utcnow())
            if part == "offer"
            else Assignment(call_id=call_id, user_id=dana, status="talking")
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    assert references(client, tokens["dana"]) == [reference]
    assert client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["dana"])).status_code == 200
    with app.app_context():
        row = db.session.get(Offer if part == "offer" else Assignment, row_id)
        row.status = "declined" if part == "offer" else "done"
        db.session.commit()
    assert references(client, tokens["dana"]) == []
    assert client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["dana"])).status_code == 403


def test_a_page_costs_the_same_queries_whatever_it_holds(app, client, twilio, tokens):
    def statements() -> int:
        count, answer = statements_run(
            app, lambda: client.get("/api/v1/cases", headers=bearer(tokens["boris"]))
        )
        assert answer.status_code == 200
        return count

    case_called(app, twilio)
    one = statements()
    for n in range(6):
        case_called(app, twilio, queue=("legal", "medical", "general")[n % 3], number=f"+7701555100{n}")
    assert statements() == one


def test_each_item_says_the_case_masked_and_never_the_number(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = client.get("/api/v1/cases", headers=bearer(tokens["aigerim"]))
    [item] = answer.get_json()["items"]
    assert set(item) == {
        "reference",
        "status",
        "queue",
        "priority",
        "risk_level",
        "opened_at",
        "last_contact_at",
        "masked_number",
    }
    assert (item["reference"], item["status"], item["queue"], item["risk_level"]) == (
        reference,
        "open",
        "legal",
        "none",
    )
    assert item["masked_number"] == "••••34" and item["last_contact_at"] is not None
    assert NUMBER[1:] not in answer.get_data(as_text=True)
    withheld = case_called(app, twilio, number=None)
    items = found(client, tokens["aigerim"], reference=withheld)["items"]
    assert [item["masked_number"] for item in items] == ["withheld"]


@pytest.mark.parametrize(
    "typed", [NUMBER, "+7 701 555 12 34", "87015551234", "8-701-555-12-34", "8 (701) 555-1234"]
)
def test_the_number_in_any_usual_form_finds_the_same_case_and_the_search_is_audited(
    app, client, twilio, tokens, typed, caplog
):
    reference = case_called(app, twilio)
    case_called(app, twilio, number=OTHER_NUMBER)
    with caplog.at_level(logging.DEBUG):
        assert references(client, tokens["aigerim"], number=typed) == [reference]
    assert NUMBER[2:] not in caplog.text and NUMBER[-7:] not in caplog.text
    with app.app_context():
        [record] = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == search.SEARCHED_BY_NUMBER)
        ).all()
        assert (record.actor, record.detail) == ("aigerim", {"found": 1})
        assert NUMBER[-7:] not in str(record.detail) + record.object_id


def test_a_number_nobody_called_from_finds_nothing(app, client, twilio, tokens):
    case_called(app, twilio)
    assert references(client, tokens["boris"], number="+77019990000") == []


def test_filters_narrow_the_list(app, client, twilio, tokens):
    first = case_called(app, twilio)
    second = case_called(app, twilio, number=OTHER_NUMBER)
    set_status(app, first, "resolved", outcome="support_given", category="documents", risk_level="high")
    boris = tokens["boris"]
    assert references(client, boris, status="resolved") == [first]
    assert references(client, boris, status="open,resolved") == [second, first]
    assert references(client, boris, category="documents") == [first]
    assert references(client, boris, category="no_such_category") == []
    assert references(client, boris, risk="high,imminent") == [first]
    assert references(client, boris, risk="none") == [second]
    assert references(client, boris, queue="legal", status="open") == [second]
    today = recent().astimezone(ZONE).date()
    assert references(client, boris, opened_from=today.isoformat(), opened_to=today.isoformat()) == [
        second,
        first,
    ]
    assert references(client, boris, opened_to=(today - timedelta(days=1)).isoformat()) == []
    assert references(client, boris, opened_from=(today + timedelta(days=1)).isoformat()) == []
    # Nobody here has a support route (tests/http/test_plan_api.py finds those who have).
    assert references(client, boris, accompanied="true") == []
    assert references(client, boris, accompanied="false") == [second, first]


def test_pages_are_newest_first_and_follow_next(app, client, twilio, tokens, monkeypatch):
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    made = [case_called(app, twilio, number=f"+7701555000{n}") for n in range(5)]
    seen, after, pages = [], None, 0
    while True:
        page = found(client, tokens["boris"], **({"after": after} if after else {}))
        assert len(page["items"]) <= 2
        seen += [item["reference"] for item in page["items"]]
        pages, after = pages + 1, page["next"]
        if after is None:
            break
    assert (seen, pages) == (made[::-1], 3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("number", "call me"),
        ("number", "anonymous"),
        ("number", "+7 ٧٠١ 555 12 34"),
        ("number", "1" * 40),
        ("status", "done"),
        ("status", "open,open,open,open,open,open"),
        ("queue", "crisis"),
        ("risk", "severe"),
        ("opened_from", "2026-02-30"),
        ("opened_to", "yesterday"),
        ("opened_from", "2026-1-1"),
        ("accompanied", "yes"),
        ("after", "-1"),
        ("after", "99999999999"),
    ],
)
def test_a_value_not_of_its_form_is_a_400_naming_the_parameter_not_its_value(
    app, client, tokens, name, value
):
    answer = client.get("/api/v1/cases", query_string={name: value}, headers=bearer(tokens["boris"]))
    assert answer.status_code == 400
    body = answer.get_json()
    assert body == {"error": "Bad Request", "message": f"invalid query parameter: {name}"}
    assert audit_count(app, search.SEARCHED_BY_NUMBER) == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("reference", "HL-26-1"), ("reference", "x" * 100), ("operator", "a\x00b"), ("category", "Bad Code!")],
)
def test_a_name_no_record_could_hold_finds_nothing(app, client, twilio, tokens, name, value):
    case_called(app, twilio)
    assert references(client, tokens["boris"], **{name: value}) == []


def test_a_token_of_no_user_is_refused_and_nobody_logged_in_is_401(app, client, tokens):
    answer = client.get("/api/v1/cases", headers=bearer(tokens["wallboard"]))
    assert answer.status_code == 403 and answer.get_json()["error"] == "Forbidden"
    assert client.get("/api/v1/cases").status_code == 401


def test_a_search_is_no_view_of_a_case(app, client, twilio, tokens):
    case_called(app, twilio)
    found(client, tokens["aigerim"])
    assert audit_count(app, "case.viewed") == 0
    with app.app_context():
        assert db.session.scalar(select(Case.reference)) is not None
