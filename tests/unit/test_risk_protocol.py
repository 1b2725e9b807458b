"""The risk protocol's rules, through its service (hotline.cases.risk): which
levels raise an alert, one open alert per case, what settles it, what stops a
case being resolved or closed, and the alert raised again while nobody
acknowledged it (by the database's count: a run repeated raises nothing twice)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from hotline import events
from hotline.cases import risk
from hotline.cases.lookup import get_case
from hotline.extensions import db
from hotline.models import CaseEvent, RiskAlert, User, utcnow
from hotline.models.states import EmergencyContact, RiskLevel
from tests.support.calls import TwilioWebhooks
from tests.support.cases import case_called, staff_tokens
from tests.support.published import published_by
from workers.risk import raise_unacknowledged_alerts

FIVE_MINUTES = timedelta(seconds=300)


@pytest.fixture
def people(app):
    staff_tokens(app)


@pytest.fixture
def reference(app, twilio, people) -> str:
    return case_called(app, twilio)


def user(name: str) -> User:
    return db.session.scalars(select(User).where(User.username == name)).one()


def level(reference: str, to: RiskLevel, now=None) -> dict:
    return risk.set_level(get_case(reference), to, user("aigerim"), now or utcnow())


def alerts(handed) -> list[dict]:
    return [data for name, data, _rooms in handed if name == events.RISK_ALERT]


@pytest.mark.parametrize("to", [RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH])
def test_only_imminent_raises_an_alert(app, reference, to):
    with app.app_context():
        assert level(reference, to)["risk_alert"] is None
        assert level(reference, RiskLevel.IMMINENT)["risk_alert"]["level"] == "imminent"


def test_one_open_alert_per_case_whatever_is_raised_meanwhile(app, reference):
    with app.app_context():
        level(reference, RiskLevel.IMMINENT)
        level(reference, RiskLevel.HIGH)
        level(reference, RiskLevel.IMMINENT)
        assert db.session.scalar(select(func.count()).select_from(RiskAlert)) == 1


def test_lowering_the_level_settles_nothing(app, reference):
    with app.app_context():
        level(reference, RiskLevel.IMMINENT)
        level(reference, RiskLevel.NONE)
        with pytest.raises(risk.RiskUnsettled) as refused:
            risk.require_settled(get_case(reference).id, "resolved")
        assert len(refused.value.missing) == 2


def test_settled_by_acknowledgement_and_action_in_either_order(app, reference):
    with app.app_context():
        case = get_case(reference)
        risk.require_settled(case.id, "resolved")  # no alert: nothing stops it
        level(reference, RiskLevel.IMMINENT)
        risk.log_action(case, user("aigerim"), EmergencyContact.POLICE, utcnow(), "on their way", utcnow())
        with pytest.raises(risk.RiskUnsettled) as refused:
            risk.require_settled(case.id, "closed")
        assert refused.value.missing == ["a supervisor acknowledged its risk alert"]
        shown = risk.acknowledge(case, user("boris"), utcnow())
        assert shown["risk_alert"]["settled"]
        risk.require_settled(case.id, "closed")


def test_an_alert_nobody_acknowledged_is_raised_again_after_the_delay_once(app, reference, monkeypatch):
    with app.app_context():
        start = utcnow()
        level(reference, RiskLevel.IMMINENT, start)
        handed = published_by(app, monkeypatch)
        assert risk.raise_again(start + FIVE_MINUTES - timedelta(seconds=1), FIVE_MINUTES) == []
        [alert_id] = risk.raise_again(start + FIVE_MINUTES, FIVE_MINUTES)
        assert risk.raise_again(start + FIVE_MINUTES, FIVE_MINUTES) == []  # the same run again
        assert risk.raise_again(start + 2 * FIVE_MINUTES - timedelta(seconds=1), FIVE_MINUTES) == []
        assert risk.raise_again(start + 2 * FIVE_MINUTES, FIVE_MINUTES) == [alert_id]
        assert [(data["case_reference"], data["times_raised"]) for data in alerts(handed)] == [
            (reference, 2),
            (reference, 3),
        ]
        again = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "risk_alert_raised_again")).all()
        assert [event.data["times_raised"] for event in again] == [2, 3]


def test_an_acknowledged_alert_is_not_raised_again_even_before_an_action(app, reference):
    with app.app_context():
        start = utcnow()
        level(reference, RiskLevel.IMMINENT, start)
        risk.acknowledge(get_case(reference), user("boris"), start)
        assert risk.raise_again(start + 10 * FIVE_MINUTES, FIVE_MINUTES) == []


def test_the_cron_job_reads_the_delay_and_the_database_only(make_app, people):
    """The job has no state of its own: what it raised is in the alert's row,
    so a flushed Redis or a killed worker changes nothing it will do."""
    app = make_app(HOTLINE_RISK_ESCALATE_SECONDS=60)
    reference = case_called(app, TwilioWebhooks(app.test_client()))
    with app.app_context():
        start = utcnow()
        level(reference, RiskLevel.IMMINENT, start)
        with time_machine.travel(start + timedelta(seconds=61), tick=False):
            assert raise_unacknowledged_alerts() == 1
            assert raise_unacknowledged_alerts() == 0
        with time_machine.travel(start + timedelta(seconds=122), tick=False):
            assert raise_unacknowledged_alerts() == 1
        assert db.session.scalar(select(RiskAlert.times_raised)) == 3


def test_the_escalation_delay_defaults_to_five_minutes(app):
    assert app.config["HOTLINE_RISK_ESCALATE_SECONDS"] == 300
