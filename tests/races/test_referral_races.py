"""Two people moving one referral at the same moment, in real threads: the
database decides. Of two moves from `made` (the same or different: accepted
and declined both follow made), one wins and the other is a 409 with nothing
written: one move row, one case event, one audit record. (accepted and
withdrawn may both be right, one after the other: not a race.)"""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Referral
from tests.support.cases import case_called, staff_tokens
from tests.support.concurrency import at_once
from tests.support.partners import a_partner, move, refer, trail

TRIALS = 5


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def moved(app, token: str, referral_id: int, status: str) -> int:
    """POST …/status from a client of its own, in the thread that runs it."""
    return move(app.test_client(), token, referral_id, status).status_code


@pytest.mark.parametrize(
    "moves", [("accepted", "accepted"), ("accepted", "declined"), ("declined", "withdrawn")]
)
def test_two_moves_of_one_referral_at_once_one_wins(app, client, twilio, tokens, moves):
    partner = a_partner(app)
    reference = case_called(app, twilio)
    for _ in range(TRIALS):
        referral = refer(client, tokens["aigerim"], reference, partner).json["id"]
        before = trail(app)
        answers = at_once(
            [
                partial(moved, app, tokens["aigerim"], referral, moves[0]),
                partial(moved, app, tokens["boris"], referral, moves[1]),
            ]
        )
        assert sorted(answers) == [200, 409], answers
        after = trail(app)
        assert after[1:] == (before[1] + 1, before[2] + 1, before[3] + 1)
        winner = moves[answers.index(200)]
        with app.app_context():
            assert db.session.scalar(select(Referral.status).where(Referral.id == referral)) == winner
