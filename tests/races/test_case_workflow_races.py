"""Two people moving one case at the same moment, in real threads: the
database decides. Of two moves, one wins and the other is a 409 with nothing
written; of two reopenings of a person's cases in one queue, one wins and the
other is a 409: one active case, one status change on the timeline."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, Case, CaseEvent
from hotline.models.states import ACTIVE_CASE
from tests.support.cases import bearer, case_called, set_status, staff_tokens
from tests.support.concurrency import at_once

TRIALS = 5


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def move(app, token: str, reference: str, status: str) -> int:
    """POST …/status from a client of its own, in the thread that runs it."""
    answer = app.test_client().post(
        f"/api/v1/cases/{reference}/status", json={"status": status}, headers=bearer(token)
    )
    return answer.status_code


def trail(app) -> tuple[int, int]:
    with app.app_context():
        events = db.session.scalar(select(func.count()).where(CaseEvent.kind == "status_changed"))
        records = db.session.scalar(select(func.count()).where(AuditRecord.action == "case.status_changed"))
        return events, records


@pytest.mark.parametrize("to", ["waiting", "resolved"])
def test_two_moves_of_one_case_at_once_one_wins(app, twilio, tokens, to):
    """The same move by two people at once (two different moves may both be
    right one after the other: waiting, then resolved)."""
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701555{trial:04d}")
        set_status(app, reference, "in_progress", outcome="support_given", category="documents")
        before = trail(app)
        answers = at_once(
            [
                partial(move, app, tokens["aigerim"], reference, to),
                partial(move, app, tokens["boris"], reference, to),
            ]
        )
        assert sorted(answers) == [200, 409], answers
        assert trail(app) == (before[0] + 1, before[1] + 1)
        with app.app_context():
            status = db.session.scalar(select(Case.status).where(Case.reference == reference))
        assert status == to


def test_two_reopenings_beside_each_other_one_is_refused_with_nothing_written(app, twilio, tokens):
    for trial in range(TRIALS):
        number = f"+7701556{trial:04d}"
        first = case_called(app, twilio, number=number)
        set_status(app, first, "closed")
        second = case_called(app, twilio, number=number)
        set_status(app, second, "resolved", outcome="support_given", category="documents")
        before = trail(app)
        answers = at_once(
            [
                partial(move, app, tokens["aigerim"], first, "open"),
                partial(move, app, tokens["boris"], second, "open"),
            ]
        )
        assert sorted(answers) == [200, 409], answers
        assert trail(app) == (before[0] + 1, before[1] + 1)
        with app.app_context():
            rows = db.session.execute(
                select(Case.reference, Case.status).where(Case.reference.in_([first, second]))
            ).all()
            statuses = {reference: status for reference, status in rows}
        winner, loser = (first, second) if answers[0] == 200 else (second, first)
        assert statuses[winner] == "open"
        assert statuses[loser] == ("closed" if loser == first else "resolved")
        assert sum(status in ACTIVE_CASE for status in statuses.values()) == 1
