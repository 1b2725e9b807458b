"""The referral's table of moves, as the issue names it: made → accepted |
declined | withdrawn, accepted → service_received | service_not_received |
withdrawn; the ends go nowhere; `sources` narrows a transition's froms."""

from __future__ import annotations

import pytest

from hotline.models.states import REFERRAL_TRANSITIONS, ReferralStatus, sources

R = ReferralStatus
ALLOWED = {
    (R.MADE, R.ACCEPTED),
    (R.MADE, R.DECLINED),
    (R.MADE, R.WITHDRAWN),
    (R.ACCEPTED, R.SERVICE_RECEIVED),
    (R.ACCEPTED, R.SERVICE_NOT_RECEIVED),
    (R.ACCEPTED, R.WITHDRAWN),
}


def test_the_table_allows_exactly_the_moves_of_the_contract():
    assert set(REFERRAL_TRANSITIONS) == set(R)
    table = {(current, to) for current, targets in REFERRAL_TRANSITIONS.items() for to in targets}
    assert table == ALLOWED


@pytest.mark.parametrize("end", [R.DECLINED, R.SERVICE_RECEIVED, R.SERVICE_NOT_RECEIVED, R.WITHDRAWN])
def test_an_end_goes_nowhere(end):
    assert REFERRAL_TRANSITIONS[end] == frozenset()


def test_nothing_moves_back_to_made():
    assert sources(REFERRAL_TRANSITIONS, R.MADE) == frozenset()


def test_withdrawn_comes_from_made_or_accepted_and_a_narrowing_outside_the_table_is_refused():
    assert sources(REFERRAL_TRANSITIONS, R.WITHDRAWN) == {R.MADE, R.ACCEPTED}
    assert sources(REFERRAL_TRANSITIONS, R.WITHDRAWN, {R.ACCEPTED}) == {R.ACCEPTED}
    with pytest.raises(ValueError):
        sources(REFERRAL_TRANSITIONS, R.SERVICE_RECEIVED, {R.MADE})
