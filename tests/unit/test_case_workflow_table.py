"""The case's status workflow, as a table: the moves the contract names and no other."""

from __future__ import annotations

import itertools

import pytest

from hotline.models.states import ACTIVE_CASE, CASE_TRANSITIONS, CaseStatus, sources

S = CaseStatus
ALLOWED = {
    (S.OPEN, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.WAITING),
    (S.WAITING, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.WAITING, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.OPEN),
    (S.CLOSED, S.OPEN),
}


def test_the_statuses_are_the_contracts_codes():
    assert [status.value for status in S] == ["open", "in_progress", "waiting", "resolved", "closed"]


@pytest.mark.parametrize(("current", "to"), list(itertools.product(S, S)))
def test_a_move_is_allowed_exactly_when_the_contract_names_it(current, to):
    assert (to in CASE_TRANSITIONS[current]) == ((current, to) in ALLOWED)


def test_a_case_is_active_until_it_is_resolved():
    assert {S.OPEN, S.IN_PROGRESS, S.WAITING} == ACTIVE_CASE


def test_reopening_comes_from_resolved_or_closed_only():
    assert sources(CASE_TRANSITIONS, S.OPEN) == {S.RESOLVED, S.CLOSED}
    assert sources(CASE_TRANSITIONS, S.RESOLVED) == {S.IN_PROGRESS, S.WAITING}
    with pytest.raises(ValueError, match="cannot move"):
        sources(CASE_TRANSITIONS, S.CLOSED, allowed_from=[S.OPEN])
