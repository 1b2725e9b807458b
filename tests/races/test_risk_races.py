"""The risk protocol's and the blocks' conditional changes, in real threads: the
database decides. Two supervisors acknowledging one alert at once: one 200 and
one 409, one event, one audit record. The escalation job run twice at once:
the alert raised again once. Two blocks of one caller at once: one block."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.cases import risk
from hotline.extensions import db
from hotline.models import AuditRecord, CallerBlock, CaseEvent, RiskAlert, Role, utcnow
from tests.support.cases import bearer, case_called, staff_tokens
from tests.support.concurrency import at_once
from tests.support.pages import PASSWORD

TRIALS = 5


@pytest.fixture
def tokens(app):
    made = staff_tokens(app)
    with app.app_context():
        auth.create_user("saule", Role.SUPERVISOR, PASSWORD)
        made["saule"] = auth.create_token("saule", "saule")
    return made


def send(app, token: str, reference: str, what: str, body=None) -> int:
    """A POST from a client of its own, in the thread that runs it."""
    return (
        app.test_client()
        .post(f"/api/v1/cases/{reference}/{what}", json=body, headers=bearer(token))
        .status_code
    )


def escalate(app, when, alert_id: int) -> list[int]:
    """One run of the escalation job at `when`, in the thread that runs it: whether it raised `alert_id`."""
    with app.app_context():
        return [found for found in risk.raise_again(when, timedelta(seconds=300)) if found == alert_id]


def counted(app, kind: str) -> tuple[int, int]:
    with app.app_context():
        events = db.session.scalar(select(func.count()).where(CaseEvent.kind == kind))
        records = db.session.scalar(select(func.count()).where(AuditRecord.action == f"case.{kind}"))
        return events, records


def test_two_acknowledgements_at_once_one_wins(app, twilio, tokens):
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701557{trial:04d}")
        assert send(app, tokens["aigerim"], reference, "risk", {"level": "imminent"}) == 200
        before = counted(app, "risk_acknowledged")
        answers = at_once(
            [
                partial(send, app, tokens["boris"], reference, "risk/acknowledge"),
                partial(send, app, tokens["saule"], reference, "risk/acknowledge"),
            ]
        )
        assert sorted(answers) == [200, 409], answers
        assert counted(app, "risk_acknowledged") == (before[0] + 1, before[1] + 1)


def test_the_escalation_run_twice_at_once_raises_once(app, twilio, tokens):
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701558{trial:04d}")
        assert send(app, tokens["aigerim"], reference, "risk", {"level": "imminent"}) == 200
        with app.app_context():
            alert_id = db.session.scalar(select(func.max(RiskAlert.id)))
            raised_at = db.session.scalar(select(RiskAlert.last_raised_at).where(RiskAlert.id == alert_id))
        before = counted(app, "risk_alert_raised_again")
        when = raised_at + timedelta(seconds=301)

        answers = at_once([partial(escalate, app, when, alert_id)] * 2)
        assert sorted(answers) == [[], [alert_id]], answers
        assert counted(app, "risk_alert_raised_again") == (before[0] + 1, before[1] + 1)
        with app.app_context():
            assert db.session.scalar(select(RiskAlert.times_raised).where(RiskAlert.id == alert_id)) == 2


def test_two_imminent_levels_at_once_raise_one_alert(app, twilio, tokens):
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701559{trial:04d}")
        answers = at_once(
            [
                partial(send, app, tokens["aigerim"], reference, "risk", {"level": "imminent"}),
                partial(send, app, tokens["boris"], reference, "risk", {"level": "imminent"}),
            ]
        )
        # Both saw "none": one changed it, the other was too late (or saw imminent already).
        assert 200 in answers and set(answers) <= {200, 409}, answers
        with app.app_context():
            from hotline.models import Case

            case_id = db.session.scalar(select(Case.id).where(Case.reference == reference))
            alerts = db.session.scalar(select(func.count()).where(RiskAlert.case_id == case_id))
        assert alerts == 1


def test_two_blocks_of_one_caller_at_once_make_one(app, twilio, tokens):
    body = {"hours": 5, "reason": "abusive"}
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701560{trial:04d}")
        answers = at_once(
            [
                partial(send, app, tokens["boris"], reference, "block", body),
                partial(send, app, tokens["saule"], reference, "block", body),
            ]
        )
        assert sorted(answers) == [201, 409], answers
        with app.app_context():
            unlifted = db.session.scalar(
                select(func.count()).where(CallerBlock.lifted_at.is_(None), CallerBlock.until > utcnow())
            )
        assert unlifted == trial + 1
