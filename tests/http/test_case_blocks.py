"""Blocking a caller through HTTP: a supervisor's step (403 to others, audited),
1 to 2160 hours (400 otherwise), one block per caller (409), lifted early by
DELETE, run out by itself; on the case's JSON. And the blocked caller's call,
with signed webhooks: recorded, a short message and one digit, 9 to the crisis
path as from the menu, anything else or nothing hangs up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from hotline.cases.priority import priority
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, utcnow
from tests.support.calls import ScriptedCall, spoken, twiml
from tests.support.cases import NUMBER, audit_count, bearer, case_called, staff_tokens
from tests.support.risk import block, rows, unblock

REASON = "zx-private-reason-5521"


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def case_json(client, token, reference):
    return client.get(f"/api/v1/cases/{reference}", headers=bearer(token)).get_json()


def test_a_supervisor_blocks_the_caller_and_the_case_shows_it(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    answer = block(client, tokens["boris"], reference, hours=48, reason=REASON)
    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()["block"]
    assert (shown["reason"], shown["blocked_by"]) == (REASON, "boris")
    assert case_json(client, tokens["aigerim"], reference)["block"]["id"] == shown["id"]
    with app.app_context():
        [record] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "case.caller_blocked"))
        assert record.actor == "boris" and record.detail["hours"] == 48
        assert REASON not in str(record.detail)
        [event] = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "caller_blocked"))
        assert REASON not in str(event.data)


def test_an_operator_may_not_block_nor_lift_and_the_refusal_is_audited(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    before = rows(app)
    assert block(client, tokens["aigerim"], reference).status_code == 403
    assert unblock(client, tokens["aigerim"], reference).status_code == 403
    assert block(client, tokens["wallboard"], reference).status_code == 403
    assert rows(app) == before
    with app.app_context():
        steps = [
            record.detail["step"]
            for record in db.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "case.view_refused")
            )
        ]
    assert steps == ["block", "unblock"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"hours": 0, "reason": "x"}, "hours"),
        ({"hours": 2161, "reason": "x"}, "hours"),
        ({"hours": "24", "reason": "x"}, "hours"),
        ({"hours": 1.5, "reason": "x"}, "hours"),
        ({"hours": 24}, "reason"),
        ({"hours": 24, "reason": "  "}, "reason"),
        ({"hours": 24, "reason": "x" * 1001}, "reason"),
    ],
)
def test_a_bad_block_is_400_naming_the_field_with_nothing_written(app, client, twilio, tokens, body, field):
    reference = case_called(app, twilio)
    before = rows(app)
    answer = client.post(f"/api/v1/cases/{reference}/block", json=body, headers=bearer(tokens["boris"]))
    assert answer.status_code == 400
    assert field in answer.get_json()["message"]
    assert rows(app) == before


def test_one_block_per_caller_a_second_is_409_and_the_edges_are_allowed(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    assert block(client, tokens["boris"], reference, hours=2160).status_code == 201
    before = rows(app)
    again = block(client, tokens["boris"], reference, hours=1)
    assert again.status_code == 409
    assert "blocked already" in again.get_json()["message"]
    assert rows(app) == before


def test_lifting_ends_it_and_lifting_again_is_409(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    block(client, tokens["boris"], reference)
    lifted = unblock(client, tokens["boris"], reference)
    assert lifted.status_code == 200, lifted.get_json()
    assert lifted.get_json()["block"] is None
    assert case_json(client, tokens["boris"], reference)["block"] is None
    assert unblock(client, tokens["boris"], reference).status_code == 409
    assert audit_count(app, "case.caller_unblocked") == 1
    assert block(client, tokens["boris"], reference).status_code == 201


def test_a_block_runs_out_by_itself_and_another_may_follow(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    block(client, tokens["boris"], reference, hours=1)
    with time_machine.travel(utcnow() + timedelta(hours=1, minutes=1), tick=False):
        assert case_json(client, tokens["boris"], reference)["block"] is None
        assert unblock(client, tokens["boris"], reference).status_code == 409
        call = ScriptedCall(twilio, NUMBER)
        assert twiml(call.dial()).find("Gather").get("action") != "/telephony/voice/blocked"
        assert block(client, tokens["boris"], reference, hours=2).status_code == 201


def test_a_withheld_callers_case_cannot_be_blocked(app, client, twilio, tokens):
    reference = case_called(app, twilio, number=None)
    answer = block(client, tokens["boris"], reference)
    assert answer.status_code == 409
    assert "withheld" in answer.get_json()["message"]


def test_an_unknown_case_is_404(client, tokens):
    assert block(client, tokens["boris"], "HL-2026-999999").status_code == 404
    assert unblock(client, tokens["boris"], "HL-2026-999999").status_code == 404


# --- the blocked caller's call, signed webhooks --------------------------------


@pytest.fixture
def blocked(app, client, twilio, tokens) -> str:
    reference = case_called(app, twilio)
    assert block(client, tokens["boris"], reference).status_code == 201
    return reference


def test_a_blocked_callers_call_is_recorded_and_hears_the_message_and_one_digit(app, twilio, blocked):
    call = ScriptedCall(twilio, NUMBER)
    root = twiml(call.dial())
    gather = root.find("Gather")
    assert (gather.get("action"), gather.get("numDigits")) == ("/telephony/voice/blocked", "1")
    assert "нажмите 9" in spoken(root)
    assert root.find("Hangup") is not None
    with app.app_context():
        record = call.record()
        assert record.stage == "menu"
        [event] = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "blocked_call"))
        assert event.call_id == record.id
    call.dial()  # a retried webhook is recorded once
    assert audit_count(app, "case.blocked_call") == 1


@pytest.mark.parametrize("digits", ["1", "0", "#", None])
def test_anything_but_9_hangs_up(app, twilio, blocked, digits):
    call = ScriptedCall(twilio, NUMBER)
    call.dial()
    root = twiml(call.press("/telephony/voice/blocked", digits))
    assert [node.tag for node in root] == ["Hangup"]
    with app.app_context():
        assert call.record().case_id is None


def test_9_goes_to_the_crisis_path_as_from_the_menu(app, twilio, blocked):
    call = ScriptedCall(twilio, NUMBER)
    call.dial()
    root = twiml(call.press("/telephony/voice/blocked", "9"))
    assert root.find("Enqueue").text == "psychologist"
    assert "112" in spoken(root).replace(" ", "")
    with app.app_context():
        record = call.record()
        assert (record.stage, record.queue, record.crisis) == ("queued", "psychologist", True)
        assert record.priority == priority(crisis=True, open_case=False)
    assert audit_count(app, "case.risk_alert_raised") == 1


def test_an_unsigned_blocked_step_is_refused(twilio, blocked):
    call = ScriptedCall(twilio, NUMBER)
    call.dial()
    answer = twilio.post("/telephony/voice/blocked", {"CallSid": call.sid, "Digits": "9"}, signature="bad")
    assert answer.status_code == 403
