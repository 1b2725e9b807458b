"""The social passport: GET/PUT /api/v1/cases/<reference>/passport. One per
person (a second case of the same caller finds it); every change a version
(who, when, which fields) on the timeline and in the audit log, never the
values; access as for the case (403 audited); 400 naming the field; 404."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent
from tests.support.accompaniment import PRIVATE, get_passport, nowhere_but_its_row, put_passport, written
from tests.support.cases import audit_count, bearer, case_called, set_status, staff_tokens


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def test_a_new_person_has_a_blank_passport_and_no_versions(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = get_passport(client, tokens["aigerim"], reference)
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert (body["version"], body["versions"], body["documents_held"], body["region"]) == (0, [], [], None)
    assert audit_count(app, "case.viewed") == 1


def test_each_change_is_a_version_naming_its_fields_never_their_values(app, client, twilio, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    reference = case_called(app, twilio)
    first = put_passport(
        client,
        tokens["aigerim"],
        reference,
        {
            "region": "karaganda",
            "release_date": "2026-10-01",
            "documents_held": ["passport", "registration", "passport"],
            "documents_missing": ["identity_card"],
            "housing": PRIVATE,
        },
    )
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["documents_held"] == ["registration", "passport"]
    assert (body["region"], body["release_date"], body["housing"], body["version"]) == (
        "karaganda",
        "2026-10-01",
        PRIVATE,
        1,
    )
    second = put_passport(
        client, tokens["boris"], reference, {"housing": None, "work": "looking", "region": "karaganda"}
    )
    assert second.status_code == 200
    body = second.get_json()
    assert (body["housing"], body["work"], body["region"], body["version"]) == (
        None,
        "looking",
        "karaganda",
        2,
    )
    assert [(v["version"], v["actor"], v["changed"]) for v in body["versions"]] == [
        (2, "boris", ["housing", "work"]),
        (1, "aigerim", ["region", "release_date", "documents_held", "documents_missing", "housing"]),
    ]
    with app.app_context():
        details = [
            r.detail
            for r in db.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "case.passport_changed")
            )
        ]
        kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.kind == "passport_changed")).all()
    assert details[1] == {"version": 2, "fields": ["housing", "work"]}
    assert len(kinds) == 2
    nowhere_but_its_row(app, PRIVATE)
    nowhere_but_its_row(app, "looking")
    assert PRIVATE not in caplog.text


def test_a_put_that_changes_nothing_writes_no_version(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    put_passport(client, tokens["aigerim"], reference, {"region": "astana"})
    before = written(app)
    answer = put_passport(client, tokens["aigerim"], reference, {"region": "astana"})
    assert answer.status_code == 200
    assert answer.get_json()["version"] == 1
    assert written(app) == before


def test_the_passport_is_the_persons_whichever_of_their_cases_it_is_read_through(app, client, twilio, tokens):
    first = case_called(app, twilio)
    put_passport(client, tokens["aigerim"], first, {"region": "akmola"})
    set_status(app, first, "closed")
    second = case_called(app, twilio)
    assert second != first
    answer = get_passport(client, tokens["aigerim"], second)
    assert (answer.get_json()["region"], answer.get_json()["version"]) == ("akmola", 1)
    other = case_called(app, twilio, number="+77019990011")
    assert get_passport(client, tokens["aigerim"], other).get_json()["region"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"region": "almaty"}, "region"),
        ({"release_date": "2026-02-30"}, "release_date"),
        ({"documents_held": ["passport", "diploma"]}, "documents_held"),
        ({"documents_missing": "passport"}, "documents_missing"),
        ({"housing": "x" * 2001}, "housing"),
        ({"health_insurance": "perhaps"}, "health_insurance"),
        ({"version": 3}, "version"),
    ],
)
def test_a_wrong_field_is_a_400_naming_it_with_nothing_written(app, client, twilio, tokens, body, field):
    reference = case_called(app, twilio)
    before = written(app)
    answer = put_passport(client, tokens["aigerim"], reference, body)
    assert answer.status_code == 400
    assert field in answer.get_json()["message"]
    assert written(app) == before


def test_consent_with_its_date_or_today(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    body = {
        "follow_up_consent": True,
        "follow_up_consent_date": "2026-11-30",
        "supervision_ends": "2027-06-01",
    }
    answer = put_passport(client, tokens["aigerim"], reference, body)
    assert answer.status_code == 200
    assert {key: answer.get_json()[key] for key in body} == body
    other = case_called(app, twilio, number="+77019990022")
    answer = put_passport(client, tokens["aigerim"], other, {"follow_up_consent": True})
    today = datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()
    assert answer.get_json()["follow_up_consent_date"] == today


def test_another_queues_operator_is_refused_and_the_refusal_audited(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    before = written(app)
    assert get_passport(client, tokens["dana"], reference).status_code == 403
    assert put_passport(client, tokens["dana"], reference, {"region": "astana"}).status_code == 403
    assert audit_count(app, "case.view_refused") == 2
    assert written(app) == before


def test_an_integrations_token_may_not_write_and_sees_no_passport(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    assert put_passport(client, tokens["wallboard"], reference, {"region": "astana"}).status_code == 403
    assert get_passport(client, tokens["wallboard"], reference).status_code == 403


def test_an_unknown_case_is_a_404(app, client, tokens):
    assert get_passport(client, tokens["boris"], "HL-2026-000999").status_code == 404
    assert put_passport(client, tokens["boris"], "nonsense", {"region": "astana"}).status_code == 404


def test_a_body_that_is_no_object_is_a_400(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    assert put_passport(client, tokens["aigerim"], reference, ["region"]).status_code == 400


def test_if_match_names_the_version_changed_a_stale_one_is_a_409(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    assert get_passport(client, tokens["aigerim"], reference).headers["ETag"] == '"0"'
    first = client.put(
        f"/api/v1/cases/{reference}/passport",
        json={"region": "astana"},
        headers={**bearer(tokens["aigerim"]), "If-Match": '"0"'},
    )
    assert (first.status_code, first.headers["ETag"]) == (200, '"1"')
    before = written(app)
    for tag, status in (('"0"', 409), ("1", 400), ('W/"1"', 400), ('"99999999999"', 400)):
        answer = client.put(
            f"/api/v1/cases/{reference}/passport",
            json={"region": "akmola"},
            headers={**bearer(tokens["boris"]), "If-Match": tag},
        )
        assert answer.status_code == status, tag
    assert written(app) == before
