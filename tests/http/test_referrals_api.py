"""Referrals through HTTP: whoever may see the case refers its person to a
partner and moves the referral along; another queue's operator gets 403 (the
refusal audited), an integration's token 403, an unknown case or referral
404, a bad body 400, a move the table does not allow 409 naming both
statuses. The case's JSON lists its referrals, its timeline their steps."""

from __future__ import annotations

import pytest

from hotline.models import utcnow
from hotline.partners import directory
from tests.support.cases import audit_count, bearer, case_called, staff_tokens
from tests.support.partners import a_partner, move, refer, trail


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


@pytest.fixture
def reference(app, twilio, tokens):
    return case_called(app, twilio)


def test_an_operator_of_the_queue_refers_and_a_supervisor_moves_it_to_the_service_received(
    app, client, tokens, reference
):
    partner = a_partner(app)
    made = refer(client, tokens["aigerim"], reference, partner)
    assert made.status_code == 201, made.json
    body = made.json
    assert (body["status"], body["previous"], body["by"], body["case_reference"]) == (
        "made",
        None,
        "aigerim",
        reference,
    )
    assert "no-store" in made.headers["Cache-Control"]
    accepted = move(client, tokens["boris"], body["id"], "accepted")
    assert (accepted.status_code, accepted.json["previous"], accepted.json["status"]) == (
        200,
        "made",
        "accepted",
    )
    received = move(client, tokens["aigerim"], body["id"], "service_received")
    assert received.json["status"] == "service_received"

    case = client.get(f"/api/v1/cases/{reference}", headers=bearer(tokens["aigerim"])).json
    [shown] = case["referrals"]
    assert (shown["partner"], shown["partner_id"], shown["status"], shown["complete"]) == (
        "Adal Zher",
        partner,
        "service_received",
        True,
    )
    assert shown["reason"] == "needs a new identity card" and shown["made_by"] == "aigerim"
    assert [(step["from"], step["to"], step["by"]) for step in shown["moves"]] == [
        (None, "made", "aigerim"),
        ("made", "accepted", "boris"),
        ("accepted", "service_received", "aigerim"),
    ]
    kinds = [entry["kind"] for entry in case["timeline"]["items"]]
    assert kinds[:3] == ["referral_status_changed", "referral_status_changed", "referral_made"]
    assert case["timeline"]["items"][0]["data"] == {
        "referral_id": body["id"],
        "partner_id": partner,
        "from": "accepted",
        "to": "service_received",
    }
    assert audit_count(app, "case.referral_made") == 1
    assert audit_count(app, "case.referral_status_changed") == 2


@pytest.mark.parametrize(
    ("before", "to"),
    [
        ([], "service_received"),
        (["declined"], "accepted"),
        (["accepted"], "made"),
        (["withdrawn"], "withdrawn"),
    ],
)
def test_a_move_the_table_does_not_allow_is_409_naming_both(app, client, tokens, reference, before, to):
    referral = refer(client, tokens["aigerim"], reference, a_partner(app)).json["id"]
    for status in before:
        assert move(client, tokens["aigerim"], referral, status).status_code == 200
    written = trail(app)
    refused = move(client, tokens["aigerim"], referral, to)
    assert refused.status_code == 409
    current = (before or ["made"])[-1]
    assert current in refused.json["message"] and to in refused.json["message"]
    assert trail(app) == written


def test_another_queues_operator_may_neither_refer_nor_move_and_each_refusal_is_audited(
    app, client, tokens, reference
):
    partner = a_partner(app)
    referral = refer(client, tokens["aigerim"], reference, partner).json["id"]
    written = trail(app)
    assert refer(client, tokens["dana"], reference, partner).status_code == 403
    assert move(client, tokens["dana"], referral, "accepted").status_code == 403
    assert audit_count(app, "case.view_refused") == 2
    assert trail(app) == written


def test_an_integrations_token_writes_no_referral(app, client, tokens, reference):
    partner = a_partner(app)
    referral = refer(client, tokens["aigerim"], reference, partner).json["id"]
    written = trail(app)
    assert refer(client, tokens["wallboard"], reference, partner).status_code == 403
    assert move(client, tokens["wallboard"], referral, "accepted").status_code == 403
    assert client.post(f"/api/v1/referrals/{referral}/status", json={"status": "accepted"}).status_code == 401
    assert trail(app) == written


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/HL-2026-999999/referrals", "/api/v1/cases/nonsense/referrals"]
)
def test_an_unknown_case_is_404(app, client, tokens, path):
    answer = client.post(
        path, json={"partner_id": a_partner(app), "reason": "x"}, headers=bearer(tokens["boris"])
    )
    assert answer.status_code == 404


@pytest.mark.parametrize("referral", ["999", "0", "abc", "99999999999", "2147483648"])
def test_an_unknown_referral_is_404(client, tokens, referral):
    assert move(client, tokens["boris"], referral, "accepted").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "partner_id"),
        ({"partner_id": "1", "reason": "x"}, "partner_id"),
        ({"partner_id": 0, "reason": "x"}, "partner_id"),
        ({"partner_id": None, "reason": "x"}, "partner_id"),
        ({"partner_id": 1}, "reason"),
        ({"partner_id": 1, "reason": "   "}, "reason"),
        ({"partner_id": 1, "reason": "x" * 10_001}, "reason"),
        ({"partner_id": 1, "reason": "x", "extra": 1}, "extra"),
    ],
)
def test_a_bad_referral_body_is_400_naming_the_field(app, client, tokens, reference, body, field):
    a_partner(app)
    written = trail(app)
    answer = client.post(f"/api/v1/cases/{reference}/referrals", json=body, headers=bearer(tokens["aigerim"]))
    assert answer.status_code == 400 and field in answer.json["message"]
    assert trail(app) == written


def test_a_partner_that_is_not_in_the_directory_is_404_and_a_deactivated_one_409(
    app, client, tokens, reference
):
    partner = a_partner(app)
    with app.app_context():
        directory.deactivate(partner, "admin", utcnow())
    written = trail(app)
    unknown = refer(client, tokens["aigerim"], reference, partner + 1)
    assert unknown.status_code == 404 and "partner" in unknown.json["message"]
    assert refer(client, tokens["aigerim"], reference, partner).status_code == 409
    assert trail(app) == written


@pytest.mark.parametrize(
    "body", [{}, {"status": "done"}, {"status": 1}, {"status": "accepted", "by": "x"}, []]
)
def test_a_bad_status_body_is_400(app, client, tokens, reference, body):
    referral = refer(client, tokens["aigerim"], reference, a_partner(app)).json["id"]
    written = trail(app)
    answer = client.post(f"/api/v1/referrals/{referral}/status", json=body, headers=bearer(tokens["aigerim"]))
    assert answer.status_code == 400
    assert trail(app) == written
