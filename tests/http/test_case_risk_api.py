"""The risk protocol through HTTP: a case's level, the alert to the supervisors
(imminent, or the phone's crisis option), its acknowledgement by a supervisor,
the emergency actions, and resolving or closing refused until both; every step
a case event and an audit record, each refusal a 403, 409 or 400 with nothing
written; an action's result never in an event or the audit log."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from hotline import events
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, utcnow
from tests.support.cases import (
    CATEGORY,
    OUTCOME,
    audit_count,
    case_called,
    set_status,
    staff_tokens,
    status_of,
)
from tests.support.published import published_by
from tests.support.risk import acknowledge, act, post, rows, set_risk

SECRET = "zx-private-result-4417"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def kinds(app, reference: str) -> list[str]:
    with app.app_context():
        from hotline.models import Case

        case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
        return [
            kind
            for kind in db.session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        ]


def alerts(handed) -> list[tuple[dict, list[str]]]:
    return [(data, rooms) for name, data, rooms in handed if name == events.RISK_ALERT]


def test_imminent_raises_the_alert_to_the_supervisors_with_the_call_on_the_line(
    app, client, twilio, tokens, monkeypatch
):
    reference = case_called(app, twilio)
    handed = published_by(app, monkeypatch)
    answer = set_risk(client, tokens["aigerim"], reference, "imminent")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["risk_level"], body["emergency_actions"]) == ("imminent", [])
    alert = body["risk_alert"]
    assert (alert["level"], alert["reason"], alert["times_raised"], alert["settled"]) == (
        "imminent",
        "level",
        1,
        False,
    )
    assert alert["acknowledged_at"] is None
    [(message, rooms)] = alerts(handed)
    with app.app_context():
        from hotline.models import Call

        call_sid = db.session.scalar(select(Call.call_sid))
    assert rooms == [events.SUPERVISORS_ROOM]
    assert {key: message[key] for key in ("case_reference", "level", "queue", "call_sid")} == {
        "case_reference": reference,
        "level": "imminent",
        "queue": "legal",
        "call_sid": call_sid,
    }
    assert kinds(app, reference)[-2:] == ["risk_changed", "risk_alert_raised"]
    assert audit_count(app, "case.risk_changed") == audit_count(app, "case.risk_alert_raised") == 1


def test_a_lower_level_raises_nothing_and_the_same_level_again_changes_nothing(
    app, client, twilio, tokens, monkeypatch
):
    reference = case_called(app, twilio)
    handed = published_by(app, monkeypatch)
    assert set_risk(client, tokens["aigerim"], reference, "high").get_json()["risk_alert"] is None
    assert set_risk(client, tokens["aigerim"], reference, "high").status_code == 200
    assert alerts(handed) == []
    assert audit_count(app, "case.risk_changed") == 1
    assert kinds(app, reference).count("risk_changed") == 1


def test_a_caller_who_chose_the_crisis_option_raises_the_alert_at_once(
    app, client, twilio, tokens, monkeypatch
):
    handed = published_by(app, monkeypatch)
    from tests.support.calls import ScriptedCall

    call = ScriptedCall(twilio, "+77015559999")
    call.to_queue(need="9")
    [(message, rooms)] = alerts(handed)
    with app.app_context():
        record = call.record()
        reference = record.case.reference
        assert record.case.risk_level == "imminent"
    assert rooms == [events.SUPERVISORS_ROOM]
    assert (message["case_reference"], message["level"], message["queue"], message["call_sid"]) == (
        reference,
        "imminent",
        "psychologist",
        call.sid,
    )
    case = client.get(f"/api/v1/cases/{reference}", headers={"Authorization": f"Bearer {tokens['boris']}"})
    assert case.get_json()["risk_alert"]["reason"] == "crisis"
    with app.app_context():
        raised = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "case.risk_alert_raised")
        ).one()
        assert (raised.actor, raised.detail["call_sid"]) == ("telephony", call.sid)


@pytest.mark.parametrize("first", ["acknowledge", "act"])
def test_resolving_needs_the_acknowledgement_and_an_action_in_either_order(
    app, client, twilio, tokens, first
):
    reference = case_called(app, twilio)
    set_status(app, reference, "in_progress", outcome=OUTCOME, category=CATEGORY)
    set_risk(client, tokens["aigerim"], reference, "imminent")
    refused = post(client, tokens["aigerim"], reference, "status", {"status": "resolved"})
    assert refused.status_code == 409
    message = refused.get_json()["message"]
    assert "resolved" in message and "acknowledged" in message and "emergency action" in message

    steps = {
        "acknowledge": lambda: acknowledge(client, tokens["boris"], reference),
        "act": lambda: act(client, tokens["aigerim"], reference, result=SECRET),
    }
    answer = steps[first]()
    assert answer.status_code in (200, 201), answer.get_json()
    half = post(client, tokens["aigerim"], reference, "status", {"status": "resolved"})
    assert half.status_code == 409
    missing = "emergency action" if first == "acknowledge" else "acknowledged"
    assert missing in half.get_json()["message"]
    other = steps["act" if first == "acknowledge" else "acknowledge"]()
    assert other.status_code in (200, 201), other.get_json()
    assert status_of(app, reference) == "in_progress"

    resolved = post(client, tokens["aigerim"], reference, "status", {"status": "resolved"})
    assert resolved.status_code == 200, resolved.get_json()
    assert post(client, tokens["aigerim"], reference, "status", {"status": "closed"}).status_code == 200
    case = client.get(f"/api/v1/cases/{reference}", headers={"Authorization": f"Bearer {tokens['boris']}"})
    alert = case.get_json()["risk_alert"]
    assert alert["settled"] and alert["acknowledged_by"] == "boris"
    [action] = case.get_json()["emergency_actions"]
    assert (action["contacted"], action["result"], action["recorded_by"]) == ("ambulance", SECRET, "aigerim")
    assert audit_count(app, "case.risk_acknowledged") == audit_count(app, "case.emergency_action") == 1
    with app.app_context():
        trail = [record.detail for record in db.session.scalars(select(AuditRecord))]
        data = [event.data for event in db.session.scalars(select(CaseEvent))]
    assert SECRET not in json.dumps(trail) + json.dumps(data)


def test_closing_a_resolved_case_is_refused_too_while_an_alert_is_open(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    set_risk(client, tokens["aigerim"], reference, "imminent")
    set_status(app, reference, "resolved", outcome=OUTCOME, category=CATEGORY)
    refused = post(client, tokens["aigerim"], reference, "status", {"status": "closed"})
    assert refused.status_code == 409
    assert "closed" in refused.get_json()["message"]
    assert status_of(app, reference) == "resolved"


def test_an_operator_may_not_acknowledge_and_the_refusal_is_audited(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    set_risk(client, tokens["aigerim"], reference, "imminent")
    before = rows(app)
    answer = acknowledge(client, tokens["aigerim"], reference)
    assert answer.status_code == 403
    assert rows(app) == before
    with app.app_context():
        refusal = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "case.view_refused")
        ).one()
        assert (refusal.actor, refusal.detail["step"]) == ("aigerim", "risk_acknowledge")


def test_acknowledging_twice_or_with_no_alert_is_a_409_with_nothing_written(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    nothing = acknowledge(client, tokens["boris"], reference)
    assert nothing.status_code == 409
    assert "no risk alert" in nothing.get_json()["message"]
    set_risk(client, tokens["aigerim"], reference, "imminent")
    assert acknowledge(client, tokens["boris"], reference).status_code == 200
    before = rows(app)
    assert acknowledge(client, tokens["boris"], reference).status_code == 409
    assert rows(app) == before
    assert audit_count(app, "case.risk_acknowledged") == 1


def test_another_queues_operator_gets_403_on_every_risk_step(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    before = rows(app)
    assert set_risk(client, tokens["dana"], reference, "imminent").status_code == 403
    assert act(client, tokens["dana"], reference).status_code == 403
    assert rows(app) == before
    assert audit_count(app, "case.view_refused") == 2


def test_an_integrations_token_writes_nothing(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    assert set_risk(client, tokens["wallboard"], reference, "imminent").status_code == 403
    assert act(client, tokens["wallboard"], reference).status_code == 403


def test_an_unknown_case_is_404(client, tokens):
    assert set_risk(client, tokens["boris"], "HL-2026-999999", "high").status_code == 404
    assert acknowledge(client, tokens["boris"], "HL-2026-999999").status_code == 404
    assert act(client, tokens["boris"], "HL-2026-999999").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"level": "extreme"}, "level"),
        ({}, "level"),
        ({"level": None}, "level"),
    ],
)
def test_a_bad_level_is_400_naming_the_field(app, client, twilio, tokens, body, field):
    reference = case_called(app, twilio)
    answer = post(client, tokens["aigerim"], reference, "risk", body)
    assert answer.status_code == 400
    assert field in answer.get_json()["message"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"contacted": "neighbour"}, "contacted"),
        ({"contacted": 112}, "contacted"),
        ({"at": "2026-12-03T10:00:00"}, "at"),  # no offset
        ({"at": (utcnow() + timedelta(hours=1)).isoformat()}, "at"),
        ({"at": (utcnow() - timedelta(days=400)).isoformat()}, "at"),
        ({"result": "   "}, "result"),
        ({"result": "x" * 2001}, "result"),
    ],
)
def test_a_bad_emergency_action_is_400_naming_the_field_with_nothing_written(
    app, client, twilio, tokens, change, field
):
    reference = case_called(app, twilio)
    before = rows(app)
    answer = act(client, tokens["aigerim"], reference, **change)
    assert answer.status_code == 400
    assert field in answer.get_json()["message"]
    assert rows(app) == before


def test_the_emergency_number_itself_is_a_contact_and_the_moment_keeps_its_offset(
    app, client, twilio, tokens
):
    reference = case_called(app, twilio)
    taken = (utcnow() - timedelta(minutes=10)).replace(microsecond=0)
    almaty = taken.astimezone(timezone(timedelta(hours=5)))
    answer = act(client, tokens["aigerim"], reference, contacted="112", at=almaty.isoformat())
    assert answer.status_code == 201, answer.get_json()
    [action] = answer.get_json()["risk"]["emergency_actions"]
    assert (action["contacted"], action["at"]) == ("112", taken.isoformat())
    assert answer.get_json()["risk"]["risk_alert"] is None


def test_an_action_logged_before_the_alert_does_not_settle_it(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    act(client, tokens["aigerim"], reference)
    set_risk(client, tokens["aigerim"], reference, "imminent")
    acknowledge(client, tokens["boris"], reference)
    set_status(app, reference, "in_progress", outcome=OUTCOME, category=CATEGORY)
    refused = post(client, tokens["aigerim"], reference, "status", {"status": "resolved"})
    assert refused.status_code == 409
    assert "emergency action" in refused.get_json()["message"]


def test_a_settled_alert_lets_a_new_one_be_raised(app, client, twilio, tokens, monkeypatch):
    reference = case_called(app, twilio)
    set_risk(client, tokens["aigerim"], reference, "imminent")
    acknowledge(client, tokens["boris"], reference)
    act(client, tokens["aigerim"], reference)
    set_risk(client, tokens["aigerim"], reference, "medium")
    handed = published_by(app, monkeypatch)
    again = set_risk(client, tokens["aigerim"], reference, "imminent").get_json()["risk_alert"]
    assert not again["settled"] and again["acknowledged_at"] is None
    assert len(alerts(handed)) == 1
    assert audit_count(app, "case.risk_alert_raised") == 2
