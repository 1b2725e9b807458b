"""Two people changing one person's passport, or moving one plan step, at the
same moment, in real threads: the database decides. Of two first passports
or two changes of one version, one is written and the other is a 409 with
nothing written; of two moves of one step, one wins."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, PassportVersion, PlanStep
from tests.support.accompaniment import add_step, put_passport
from tests.support.cases import bearer, case_called, staff_tokens
from tests.support.concurrency import at_once

TRIALS = 4


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def put(app, token, reference, body, version=None) -> int:
    headers = bearer(token) if version is None else {**bearer(token), "If-Match": f'"{version}"'}
    return (
        app.test_client().put(f"/api/v1/cases/{reference}/passport", json=body, headers=headers).status_code
    )


def patch(app, token, step_id, body) -> int:
    return (
        app.test_client().patch(f"/api/v1/plan-steps/{step_id}", json=body, headers=bearer(token)).status_code
    )


def versions(app) -> list[tuple[int, int]]:
    with app.app_context():
        return db.session.execute(
            select(PassportVersion.passport_id, PassportVersion.version).order_by(PassportVersion.id)
        ).all()


def records(app, action) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditRecord.action == action))


def consecutive(app) -> None:
    """Each passport's versions are 1, 2, … with no gap and no repeat."""
    by_passport: dict[int, list[int]] = {}
    for passport_id, version in versions(app):
        by_passport.setdefault(passport_id, []).append(version)
    for numbers in by_passport.values():
        assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("first", [True, False], ids=["first_version", "next_version"])
def test_two_changes_of_one_version_at_once_one_is_written(app, client, twilio, tokens, first):
    """Both say which version they changed (If-Match): one wins, whatever the timing."""
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701557{trial:04d}")
        if not first:
            assert put_passport(client, tokens["aigerim"], reference, {"region": "other"}).status_code == 200
        read = 0 if first else 1
        before = (len(versions(app)), records(app, "case.passport_changed"))
        answers = at_once(
            [
                partial(put, app, tokens["aigerim"], reference, {"region": "astana", "work": "a"}, read),
                partial(put, app, tokens["boris"], reference, {"region": "akmola", "housing": "b"}, read),
            ]
        )
        assert sorted(answers) == [200, 409], answers
        assert (len(versions(app)), records(app, "case.passport_changed")) == (before[0] + 1, before[1] + 1)
        consecutive(app)


@pytest.mark.parametrize("first", [True, False], ids=["first_version", "next_version"])
def test_two_changes_at_once_make_consecutive_versions_or_one_409(app, client, twilio, tokens, first):
    """Without If-Match: one after the other (both 200, versions n+1 and n+2), or
    truly at once (a 200 and a 409, nothing written by the second)."""
    for trial in range(TRIALS):
        reference = case_called(app, twilio, number=f"+7701558{trial:04d}")
        if not first:
            assert put_passport(client, tokens["aigerim"], reference, {"region": "other"}).status_code == 200
        before = (len(versions(app)), records(app, "case.passport_changed"))
        answers = at_once(
            [
                partial(put, app, tokens["aigerim"], reference, {"region": "astana", "work": "a"}),
                partial(put, app, tokens["boris"], reference, {"region": "akmola", "housing": "b"}),
            ]
        )
        assert sorted(answers) in ([200, 200], [200, 409]), answers
        wins = answers.count(200)
        assert (len(versions(app)), records(app, "case.passport_changed")) == (
            before[0] + wins,
            before[1] + wins,
        )
        consecutive(app)


@pytest.mark.parametrize("to", ["done", "dropped"])
def test_two_moves_of_one_step_at_once_one_wins(app, client, twilio, tokens, to):
    reference = case_called(app, twilio)
    for _trial in range(TRIALS):
        step_id = add_step(client, tokens["aigerim"], reference).get_json()["id"]
        before = records(app, "case.plan_step_moved")
        answers = at_once(
            [
                partial(patch, app, tokens["aigerim"], step_id, {"status": to}),
                partial(
                    patch, app, tokens["boris"], step_id, {"status": "done" if to == "dropped" else "dropped"}
                ),
            ]
        )
        assert sorted(answers) == [200, 409], answers
        assert records(app, "case.plan_step_moved") == before + 1
        with app.app_context():
            assert db.session.scalar(select(PlanStep.status).where(PlanStep.id == step_id)) in (
                "done",
                "dropped",
            )
