"""The follow-up check-ins' moments: days after the anchor's local day, at the
opening of callback hours (now, on the day itself while they are open), the
past ones skipped. Moments from tests/support/clock.py, never a pinned date."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import _env_days
from hotline.callbacks.follow_ups import check_in, release_plan
from hotline.callbacks.policy import CallbackPolicy
from tests.support import clock

DAYS = (7, 30, 90, 180, 365)


def policy(hours: str = "09:00-20:00") -> CallbackPolicy:
    return CallbackPolicy.from_config(
        {
            "HOTLINE_CALLBACK_ATTEMPTS": 3,
            "HOTLINE_CALLBACK_RETRY_SECONDS": "900",
            "HOTLINE_CALLBACK_HOURS": hours,
            "HOTLINE_TIMEZONE": clock.ZONE.key,
        }
    )


def test_each_check_in_is_its_days_after_release_at_the_opening_of_the_hours():
    now = clock.next_weekday_at(12)
    today = now.astimezone(clock.ZONE).date()
    plan = release_plan(policy(), today, DAYS, now)
    assert plan == {days: clock.local(today + timedelta(days=days), 9) for days in DAYS}


def test_the_past_ones_are_skipped_not_dialled_late():
    now = clock.next_weekday_at(12)
    released = now.astimezone(clock.ZONE).date() - timedelta(days=31)
    plan = release_plan(policy(), released, DAYS, now)
    assert (plan[7], plan[30]) == (None, None)
    assert plan[90] == clock.local(released + timedelta(days=90), 9)


def test_one_due_today_is_due_now_while_the_hours_are_open_else_at_their_next_opening():
    noon = clock.next_weekday_at(12)
    today = noon.astimezone(clock.ZONE).date()
    assert check_in(policy(), today - timedelta(days=7), 7, noon) == noon
    late = clock.local(today, 21)
    assert check_in(policy(), today - timedelta(days=7), 7, late) == clock.local(today + timedelta(days=1), 9)


def test_the_hours_decide_the_moment_of_a_saturday():
    saturday = clock.next_saturday_at(8)
    day = saturday.astimezone(clock.ZONE).date()
    weekdays = policy("mon-fri 09:00-18:00")
    monday = day + timedelta(days=2)
    assert check_in(weekdays, day - timedelta(days=14), 14, saturday) == clock.local(monday, 9)


def test_the_setting_is_days_in_order_without_repeats(monkeypatch):
    monkeypatch.setenv("HOTLINE_FOLLOW_UP_DAYS", "30, 7,30")
    assert _env_days("HOTLINE_FOLLOW_UP_DAYS", "7") == (7, 30)
    monkeypatch.setenv("HOTLINE_FOLLOW_UP_DAYS", "")
    assert _env_days("HOTLINE_FOLLOW_UP_DAYS", "7") == ()
    for bad in ("7,x", "0", "٣", "-1", "9999"):
        monkeypatch.setenv("HOTLINE_FOLLOW_UP_DAYS", bad)
        with pytest.raises(RuntimeError, match="HOTLINE_FOLLOW_UP_DAYS"):
            _env_days("HOTLINE_FOLLOW_UP_DAYS", "7")
