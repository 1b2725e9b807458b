"""The callbacks bench's pacing and upkeep arithmetic: the gaps between the calls placed,
their order, and the PASS/FAIL of both targets (bench/README.md)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bench import callback_pacing as pacing
from bench import callback_upkeep as upkeep
from bench.callback_pacing import Pacing


def _run(created: list[float | None]) -> Pacing:
    return Pacing(len(created), 2, created=created)


def _verdicts(created: list[float | None]) -> list[bool | None]:
    return [ok for _name, ok, _detail in pacing.pacing_checks(_run(created))]


def test_gaps_are_seconds_between_consecutive_placed_calls_the_unplaced_left_out():
    assert pacing.gaps([10.0, 11.0, None, 12.5]) == [1.0, 1.5]
    assert pacing.gaps([None, 3.0]) == []


def test_a_call_created_before_the_one_accepted_ahead_of_it_is_out_of_order():
    assert pacing.out_of_order([1.0, 3.0, 2.0, 4.0]) == 1
    assert pacing.out_of_order([1.0, 2.0, None, 3.0]) == 0


def test_calls_a_second_apart_in_acceptance_order_pass_both():
    assert _verdicts([100.0 + n * 1.05 for n in range(30)]) == [True, True]


def test_a_gap_past_the_tolerance_fails_the_rate_only():
    created = [100.0 + n for n in range(30)]
    created[10:] = [t + 0.25 for t in created[10:]]
    assert _verdicts(created) == [False, True]
    assert _verdicts([100.0 + n * 0.79 for n in range(30)]) == [False, True]


def test_two_calls_swapped_keep_the_rate_but_fail_the_order():
    created = [100.0 + n for n in range(30)]
    created[4], created[5] = created[5], created[4]
    assert _verdicts(created) == [True, False]


def test_a_call_never_placed_fails_both():
    created: list[float | None] = [100.0 + n for n in range(30)]
    created[7] = None
    assert _verdicts(created) == [False, False]


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=2, max_size=60))
def test_sorted_times_are_never_out_of_order_and_their_gaps_sum_to_the_span(times):
    ordered = sorted(times)
    assert pacing.out_of_order(ordered) == 0
    assert math.isclose(sum(pacing.gaps(ordered)), ordered[-1] - ordered[0], abs_tol=1e-6)


def test_added_is_the_share_above_off():
    assert math.isclose(upkeep.added(20.0, 21.0), 0.05)
    assert math.isclose(upkeep.added(20.0, 15.0), -0.25)
    assert upkeep.added(None, 3.0) is None and upkeep.added(0.0, 3.0) is None


def test_upkeep_passes_under_ten_percent_added_and_fails_at_it_or_overloaded():
    checks = upkeep.upkeep_checks(
        [("menu", 20.0, 21.9), ("queue-result", 20.0, 22.0), ("x", 20.0, math.inf), ("y", None, 5.0)]
    )
    assert [ok for _name, ok, _detail in checks] == [True, False, False, False]
