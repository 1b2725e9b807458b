"""The wait percentiles from the rollups' histogram: never below the true
percentile, never above the next bucket edge or the longest wait."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from hotline.models.stats import WAIT_BUCKETS, WAIT_EDGES
from hotline.stats import figures, parts


def counts_of(waits: list[int]) -> dict:
    counted = Counter(parts.bucket(wait) for wait in waits)
    return {
        **{name: counted[name] for name in WAIT_BUCKETS},
        "waited": len(waits),
        "wait_max": max(waits, default=0),
    }


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=200), st.sampled_from([0.5, 0.9]))
def test_a_percentile_is_the_bucket_edge_above_the_true_one_or_the_longest_wait(waits, share):
    true = sorted(waits)[math.ceil(share * len(waits)) - 1]
    found = figures.percentile(counts_of(waits), share)
    edge = next((edge for edge in WAIT_EDGES if true <= edge), max(waits))
    assert true <= found <= min(edge, max(waits))


def test_no_waits_no_percentile():
    assert figures.percentile(counts_of([]), 0.5) is None


def test_waits_past_the_last_edge_give_the_longest():
    assert figures.percentile(counts_of([2000, 4000]), 0.5) == 4000
