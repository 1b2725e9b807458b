"""The services themselves, without HTTP: a passport's versions (numbered from 1,
each naming its fields; nothing written for no change or a stale version; none
for a case with no person) and a plan step's one transition (a move from a
status the table does not allow changes no row)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline.cases import passport, plan, route
from hotline.cases.lookup import get_case
from hotline.extensions import db
from hotline.models import Case, PassportVersion, PlanStep, User, utcnow
from hotline.models.states import PlanStepStatus
from tests.support.cases import case_called, staff_tokens

TODAY = date(2026, 12, 3)


@pytest.fixture
def case_and_user(app, twilio):
    staff_tokens(app)
    reference = case_called(app, twilio)
    with app.app_context():
        yield get_case(reference), db.session.scalars(select(User).where(User.username == "aigerim")).one()


def versions():
    return db.session.execute(
        select(PassportVersion.version, PassportVersion.changed).order_by(PassportVersion.version)
    ).all()


def test_versions_count_from_one_and_name_their_fields(case_and_user):
    case, user = case_and_user
    assert passport.save(case, {"region": "astana", "work": " "}, user, utcnow(), TODAY) == 1
    assert passport.save(case, {"region": "astana", "work": None}, user, utcnow(), TODAY) == 1
    assert (
        passport.save(case, {"documents_held": ["other", "passport"]}, user, utcnow(), TODAY, expected=1) == 2
    )
    assert versions() == [(1, ["region"]), (2, ["documents_held"])]
    shown = passport.shown(case)
    assert (shown["documents_held"], shown["work"], shown["version"]) == (["passport", "other"], None, 2)


def test_a_stale_version_or_an_unknown_field_writes_nothing(case_and_user):
    case, user = case_and_user
    passport.save(case, {"region": "astana"}, user, utcnow(), TODAY)
    with pytest.raises(passport.PassportChanged):
        passport.save(case, {"region": "akmola"}, user, utcnow(), TODAY, expected=0)
    with pytest.raises(passport.PassportRefused, match="colour"):
        passport.save(case, {"colour": "red"}, user, utcnow(), TODAY)
    with pytest.raises(passport.PassportRefused, match="housing"):
        passport.save(case, {"housing": "a\x00b"}, user, utcnow(), TODAY)
    assert versions() == [(1, ["region"])]
    assert passport.shown(case)["region"] == "astana"


def test_a_case_with_no_person_has_no_passport(case_and_user):
    _case, user = case_and_user
    nobody = Case(reference="HL-2026-900001", queue="legal")
    db.session.add(nobody)
    db.session.commit()
    with pytest.raises(passport.NoPerson):
        passport.shown(nobody)
    with pytest.raises(passport.NoPerson):
        passport.save(nobody, {"region": "astana"}, user, utcnow(), TODAY)
    with pytest.raises(plan.PlanStepRefused):
        plan.add(
            nobody,
            user,
            utcnow(),
            TODAY,
            lambda: frozenset({"documents"}),
            goal="g",
            category="documents",
            due_date=TODAY,
        )
    assert route.accompanied(nobody.caller_id) is False


def test_a_step_moves_only_from_open(case_and_user):
    case, user = case_and_user
    step = plan.add(
        case,
        user,
        utcnow(),
        TODAY,
        lambda: frozenset({"documents"}),
        goal="g",
        category="documents",
        due_date=TODAY,
    )
    assert route.accompanied(case.caller_id) is True
    assert plan.transition(step["id"], PlanStepStatus.DONE, closed_at=utcnow()) is True
    assert plan.transition(step["id"], PlanStepStatus.DROPPED, closed_at=utcnow()) is False
    # Nothing moves to open: no status it may come from.
    assert plan.transition(step["id"], PlanStepStatus.OPEN) is False
    with pytest.raises(ValueError):
        plan.transition(step["id"], PlanStepStatus.DROPPED, allowed_from={PlanStepStatus.DONE})
    db.session.commit()
    assert db.session.scalar(select(PlanStep.status).where(PlanStep.id == step["id"])) == "done"
    assert route.accompanied(case.caller_id) is False


def test_overdue_is_open_after_the_due_date(case_and_user):
    case, user = case_and_user
    codes = lambda: frozenset({"documents"})  # noqa: E731
    late = plan.add(
        case, user, utcnow(), TODAY, codes, goal="g", category="documents", due_date=TODAY - timedelta(days=1)
    )
    due = plan.add(case, user, utcnow(), TODAY, codes, goal="g", category="documents", due_date=TODAY)
    assert (late["overdue"], due["overdue"]) == (True, False)
    done = plan.move(late["id"], user, utcnow(), TODAY, status=PlanStepStatus.DONE)
    assert (done["status"], done["overdue"]) == ("done", False)
