"""The case's status workflow against a real database: each allowed move is
one conditional UPDATE, a case event and an audit record; resolving needs the
codes; an active case is one per caller and queue, so a resolved or closed
case no longer takes (or lifts the priority of) the caller's next call."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.cases import workflow
from hotline.cases.lookup import UnknownCase
from hotline.cases.priority import Priority
from hotline.extensions import db
from hotline.models import Call, Case, CaseEvent, User, utcnow
from hotline.models.states import CaseStatus
from hotline.operators import taxonomy
from tests.support.calls import ScriptedCall
from tests.support.cases import (
    CATEGORY,
    NUMBER,
    OUTCOME,
    audit_count,
    case_called,
    set_status,
    staff_tokens,
    status_of,
)

S = CaseStatus


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def move(app, reference, to, username="aigerim", **codes):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        return workflow.move(reference, to, user, utcnow(), taxonomy.active_codes, **codes)


def test_a_case_is_worked_from_open_to_closed_and_reopened(app, twilio, tokens):
    reference = case_called(app, twilio)
    for to in (S.IN_PROGRESS, S.WAITING, S.IN_PROGRESS):
        assert move(app, reference, to).status == to
    resolved = move(app, reference, S.RESOLVED, outcome=OUTCOME, category=CATEGORY)
    assert (resolved.previous, resolved.outcome, resolved.category) == ("in_progress", OUTCOME, CATEGORY)
    move(app, reference, S.CLOSED)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert (case.status, case.resolved_at is not None, case.closed_at is not None) == (
            "closed",
            True,
            True,
        )
    reopened = move(app, reference, S.OPEN, username="boris")
    assert (reopened.status, reopened.previous) == ("open", "closed")
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.reference == reference)).one()
        assert (case.resolved_at, case.closed_at, case.outcome) == (None, None, OUTCOME)
        events = db.session.scalars(
            select(CaseEvent).where(CaseEvent.kind == "status_changed").order_by(CaseEvent.id)
        ).all()
        assert [(event.data["from"], event.data["to"]) for event in events] == [
            ("open", "in_progress"),
            ("in_progress", "waiting"),
            ("waiting", "in_progress"),
            ("in_progress", "resolved"),
            ("resolved", "closed"),
            ("closed", "open"),
        ]
        assert events[3].data == {
            "from": "in_progress",
            "to": "resolved",
            "outcome": OUTCOME,
            "category": CATEGORY,
        }
    assert audit_count(app, "case.status_changed") == 6


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (S.OPEN, S.RESOLVED),
        (S.OPEN, S.CLOSED),
        (S.OPEN, S.WAITING),
        (S.WAITING, S.CLOSED),
        (S.CLOSED, S.RESOLVED),
        (S.OPEN, S.OPEN),
    ],
)
def test_a_move_the_table_does_not_allow_names_both_states_and_writes_nothing(
    app, twilio, tokens, current, to
):
    reference = case_called(app, twilio)
    set_status(app, reference, current)
    with pytest.raises(workflow.CaseMoveRefused) as refused:
        move(app, reference, to, outcome=OUTCOME, category=CATEGORY)
    assert current.value in str(refused.value) and to.value in str(refused.value)
    assert status_of(app, reference) == current
    assert audit_count(app, "case.status_changed") == 0


@pytest.mark.parametrize(
    ("codes", "field"),
    [
        ({}, "outcome"),
        ({"outcome": OUTCOME}, "category"),
        ({"outcome": "nonsense", "category": CATEGORY}, "outcome"),
        ({"outcome": OUTCOME, "category": "nonsense"}, "category"),
    ],
)
def test_resolving_needs_an_outcome_and_a_category(app, twilio, tokens, codes, field):
    reference = case_called(app, twilio)
    set_status(app, reference, S.IN_PROGRESS)
    with pytest.raises(workflow.CodeNeeded) as needed:
        move(app, reference, S.RESOLVED, **codes)
    assert needed.value.field == field
    assert status_of(app, reference) == "in_progress"


def test_a_case_that_has_its_codes_is_resolved_without_them(app, twilio, tokens):
    reference = case_called(app, twilio)
    set_status(app, reference, S.WAITING, outcome=OUTCOME, category=CATEGORY)
    moved = move(app, reference, S.RESOLVED)
    assert (moved.status, moved.outcome, moved.category) == ("resolved", OUTCOME, CATEGORY)


def test_an_unknown_reference_is_no_case(app, tokens):
    with pytest.raises(UnknownCase):
        move(app, "HL-2026-999999", S.IN_PROGRESS)
    with pytest.raises(UnknownCase):
        move(app, "nonsense", S.IN_PROGRESS)


def caller_call(app, twilio, number=NUMBER) -> Call:
    call = ScriptedCall(twilio, from_number=number)
    call.to_queue(need="3")
    with app.app_context():
        recorded = call.record()
        return recorded.case.reference, recorded.priority


@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.WAITING])
def test_a_call_joins_the_active_case_as_a_repeat_caller(app, twilio, tokens, status):
    reference = case_called(app, twilio)
    set_status(app, reference, status)
    assert caller_call(app, twilio) == (reference, Priority.REPEAT_CALLER_OPEN_CASE)


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
def test_a_call_after_the_case_is_resolved_opens_a_new_case_with_no_repeat_priority(
    app, twilio, tokens, status
):
    reference = case_called(app, twilio)
    set_status(app, reference, status)
    new_reference, priority = caller_call(app, twilio)
    assert new_reference != reference
    assert priority == Priority.NORMAL
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_reopening_while_the_person_has_another_active_case_is_refused(app, twilio, tokens):
    first = case_called(app, twilio)
    set_status(app, first, S.CLOSED)
    second, _ = caller_call(app, twilio)
    with pytest.raises(workflow.AnotherActiveCase):
        move(app, first, S.OPEN, username="boris")
    assert (status_of(app, first), status_of(app, second)) == ("closed", "open")
    assert audit_count(app, "case.status_changed") == 0
