"""The callbacks bench's arithmetic: due-to-queued seconds, their percentiles, the events
counted once, and the PASS/FAIL of its targets (bench/README.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bench import callbacks
from bench.callbacks import Run

DUE = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def _run(workers: int, seconds: list[float], fault: bool = False, **changed) -> Run:
    run = Run(workers, fault, latencies=sorted(seconds), visible_after=max(seconds, default=0) + 0.05)
    for name, value in changed.items():
        setattr(run, name, value)
    return run


def test_latencies_are_seconds_from_due_to_queued_sorted_and_the_unqueued_left_out():
    rows = [(DUE, DUE + timedelta(seconds=2.5)), (DUE, None), (DUE, DUE + timedelta(milliseconds=300))]
    assert callbacks.latencies(rows) == [0.3, 2.5]


def test_percentiles_are_nearest_rank():
    run = _run(1, [n / 100 for n in range(1, 101)])  # 0.01 … 1.00 s
    assert (run.figure(0.5), run.figure(0.99)) == (0.5, 0.99)
    assert _run(1, [0.7]).figure(0.99) == 0.7
    assert _run(1, []).figure(0.99) is None


@given(st.lists(st.floats(min_value=0, max_value=60, allow_nan=False), min_size=1, max_size=300))
def test_p99_lies_between_the_median_and_the_slowest(seconds):
    run = _run(2, seconds)
    assert min(seconds) <= run.figure(0.5) <= run.figure(0.99) <= max(seconds)
    assert run.figure(0.99) in seconds


def test_an_event_twice_and_an_event_missing_are_each_counted():
    assert callbacks.event_counts([1, 2, 3, 4], [1, 2, 2, 4, 9]) == (1, 1)
    assert callbacks.event_counts([1, 2], [2, 1]) == (0, 0)


def _verdicts(runs: list[Run]) -> list[bool | None]:
    return [ok for _name, ok, _detail in callbacks.checks(runs, 2000)]


def test_p99_under_five_seconds_and_none_lost_or_twice_pass():
    assert _verdicts([_run(1, [0.8] * 1990 + [4.9] * 10, visible_after=4.95)]) == [True, True]


def test_a_slow_p99_or_a_late_commit_fails():
    assert _verdicts([_run(1, [0.8] * 1970 + [5.0] * 30)]) == [False, True]
    assert _verdicts([_run(4, [0.8] * 2000, visible_after=5.2)]) == [False, True]


def test_a_callback_lost_or_queued_twice_fails_and_the_fault_run_has_no_latency_target():
    assert _verdicts([_run(2, [0.5] * 1999, lost=1)]) == [True, False]
    assert _verdicts([_run(2, [0.5] * 2000, twice=1)]) == [True, False]
    assert _verdicts([_run(2, [0.5] * 2000, unrecorded=3)]) == [True, False]
    assert _verdicts([_run(2, [9.0] * 2000, fault=True, recovery=1.2)]) == [True]
    [(name, _ok, detail)] = callbacks.checks([_run(2, [9.0] * 2000, fault=True, recovery=1.2)], 2000)
    assert name == "2 workers, SIGKILL + FLUSHALL: none lost, none twice"
    assert detail.endswith("recovered 1.20 s after the fault")


def test_nothing_queued_fails():
    run = _run(1, [], lost=2000, visible_after=None)
    assert _verdicts([run]) == [False, False]
    header, [row] = callbacks.rows([run], 1.2, 2000)
    assert dict(zip(header, row, strict=True))["p99 s"] == "—"


def test_the_table_gives_the_p99_over_the_floor():
    header, [row] = callbacks.rows([_run(4, [0.6] * 2000)], 1.2, 2000)
    shown = dict(zip(header, row, strict=True))
    assert shown["queued"] == "2,000/2,000" and shown["× floor p99"] == "0.50×"
    assert shown["recovery s"] == "—"


def test_dropped_events_are_summed_from_the_publishers_log_lines():
    log = (
        "WARNING hotline.core.publisher: event callback.queued for call None dropped: "
        "the event queue is full\n"
        "INFO hotline.core.publisher: events published again after 1000 dropped\n"
        "INFO hotline.core.publisher: events published again after 7 dropped\n"
    )
    assert callbacks.dropped_events(log) == 1007
    assert callbacks.dropped_events("callbacks queued: 2000") == 0
