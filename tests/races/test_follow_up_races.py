"""Two saves of one person's passport with consent and a release date at the
same moment, in real threads: one set of check-ins, one follow-up callback."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import Callback, FollowUp
from tests.support.cases import bearer, case_called, staff_tokens
from tests.support.concurrency import at_once
from tests.support.follow_ups import released

TRIALS = 3


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def put(app, token, reference, body) -> int:
    path = f"/api/v1/cases/{reference}/passport"
    return app.test_client().put(path, json=body, headers=bearer(token)).status_code


def counts(app) -> tuple[int, int]:
    with app.app_context():
        follow_ups = db.session.scalar(select(func.count()).select_from(FollowUp))
        callbacks = db.session.scalar(select(func.count()).where(Callback.source == "follow_up"))
        return follow_ups, callbacks


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_saves_at_once_plan_one_set(app, twilio, tokens, trial):
    reference = case_called(app, twilio, number=f"+7701555{trial:04d}")
    body = {"release_date": released(10), "follow_up_consent": True}
    answers = at_once([partial(put, app, tokens[name], reference, body) for name in ("aigerim", "boris")])
    assert sorted(answers) in ([200, 200], [200, 409]), answers
    assert counts(app) == (4, 1)
    assert put(app, tokens["aigerim"], reference, body) == 200
    assert counts(app) == (4, 1)
