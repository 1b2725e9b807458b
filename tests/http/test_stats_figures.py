"""The figures of a day built call by call with known waits and outcomes: each
equals the value worked out by hand here (docs/metrics.md's definitions), on the
hotline's local days; an empty period is zeros and nulls."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.stats import rebuild
from tests.support.clock import ZONE, local, now
from tests.support.stats import answered_by_operator, left, rows

DAY = (now() + timedelta(days=3)).astimezone(ZONE).date()
NEXT = DAY + timedelta(days=1)


@pytest.fixture
def line(app, staff, app_context, twilio):
    return twilio


def test_a_day_of_known_calls_gives_the_figures_worked_out_by_hand(line, client):
    # T = 30 s (HOTLINE_SERVICE_LEVEL_SECONDS), short abandons under 5 s.
    left(line, local(DAY, 9), 10, "bridged")  # answered in target
    left(line, local(DAY, 9, 5), 30, "bridged")  # answered in target (wait <= T)
    left(line, local(DAY, 9, 10), 32, "bridged")  # answered late
    answered_by_operator(line, client, local(DAY, 10), 20, talk=100, wrap_up=40)  # in target, handle 140
    left(line, local(DAY, 11), 40, "hangup")  # abandoned after T
    left(line, local(DAY, 11, 5), 5, "hangup")  # abandoned (5 is not under 5), within T
    left(line, local(DAY, 11, 10), 3, "hangup")  # short abandon
    left(line, local(DAY, 12), 12, "leave")  # left for a callback
    [row] = rows(client, **{"from": DAY.isoformat(), "to": DAY.isoformat(), "group_by": "day"})
    assert row == {
        "day": DAY.isoformat(),
        "offered": 8,
        "answered": 4,
        "abandoned": 2,
        "short_abandoned": 1,
        "callback_requested": 1,
        # in target 3 (10, 30, 20) ÷ (4 answered + 1 abandoned after T)
        "service_level": 0.6,
        # (10 + 30 + 32 + 20) ÷ 4
        "average_speed_of_answer_seconds": 23.0,
        # waits 3 5 10 12 20 30 32 40: the 4th is in the bucket (10, 15], the 8th in (30, 45], longest 40
        "wait_p50_seconds": 15,
        "wait_p90_seconds": 40,
        "wait_max_seconds": 40,
        # 2 ÷ (8 − 1)
        "abandon_rate": 0.2857,
        # 100 talk + 40 wrap-up, one call handled by an operator
        "average_handle_seconds": 140.0,
        "opened": 8,
        "resolved": 0,
        "support_rate": None,
    }
    by_queue = rows(client, **{"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert [r["queue"] for r in by_queue] == ["psychologist", "medical", "legal", "general"]
    assert next(r for r in by_queue if r["queue"] == "legal")["offered"] == 8
    assert next(r for r in by_queue if r["queue"] == "medical")["offered"] == 0
    by_category = rows(client, **{"from": DAY.isoformat(), "to": DAY.isoformat(), "group_by": "category"})
    assert {r["category"]: r["answered"] for r in by_category} == {None: 3, "housing": 1}
    by_operator = rows(client, **{"from": DAY.isoformat(), "to": DAY.isoformat(), "group_by": "operator"})
    assert {r["operator"]: r["offered"] for r in by_operator} == {None: 7, "aigerim": 1}
    assert rebuild.verify() == []


def test_a_call_at_23_59_59_local_belongs_to_that_day_and_one_across_midnight_to_the_day_it_queued(
    line, client
):
    left(line, local(DAY, 23, 59, 59), 0, "hangup")
    left(line, local(DAY, 23, 59, 30), 60, "bridged")  # answered at 00:00:30 the next day
    left(line, local(NEXT, 0, 0, 0), 7, "hangup")
    days = rows(client, **{"from": DAY.isoformat(), "to": NEXT.isoformat(), "group_by": "day"})
    assert [(r["day"], r["offered"], r["answered"]) for r in days] == [
        (DAY.isoformat(), 2, 1),
        (NEXT.isoformat(), 1, 0),
    ]
    hours = rows(client, **{"from": DAY.isoformat(), "to": NEXT.isoformat(), "group_by": "hour"})
    assert [(r["hour"], r["offered"]) for r in hours] == [
        (f"{DAY.isoformat()}T23", 2),
        (f"{NEXT.isoformat()}T00", 1),
    ]
    [only_next] = rows(client, **{"from": NEXT.isoformat(), "to": NEXT.isoformat(), "group_by": "day"})
    assert only_next["abandoned"] == 1


def test_an_empty_period_gives_zeros_and_nulls(line, client):
    days = rows(client, **{"from": DAY.isoformat(), "to": NEXT.isoformat(), "group_by": "day"})
    assert [r["day"] for r in days] == [DAY.isoformat(), NEXT.isoformat()]
    for row in days:
        assert row["offered"] == row["answered"] == row["opened"] == 0
        assert row["service_level"] is row["abandon_rate"] is row["support_rate"] is None
        assert row["average_speed_of_answer_seconds"] is row["wait_p90_seconds"] is None
    assert rows(client, **{"from": DAY.isoformat(), "to": DAY.isoformat(), "group_by": "language"}) == []


def test_a_late_queue_result_after_the_end_is_counted_once_with_its_wait(line, client):
    # The end by the hotline's clock said 50 s and 2 s; the network's QueueTime, late, 47 s and 2 s.
    left(line, local(DAY, 14), 50, "hangup", status_first=True, queue_time=47)
    left(line, local(DAY, 14, 5), 2, "hangup", status_first=True)
    [row] = rows(client, **{"from": DAY.isoformat(), "to": DAY.isoformat(), "group_by": "day"})
    assert (row["offered"], row["abandoned"], row["short_abandoned"], row["wait_max_seconds"]) == (
        2,
        1,
        1,
        47,
    )
    assert rebuild.verify() == []
