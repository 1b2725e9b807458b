"""The tests' moments relative to now: on the days they name, in the hotline's
zone, at least a day ahead whatever day the suite runs on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from tests.support import clock

# The weekdays are what is tested here: a Friday afternoon and a New Year's Eve in Almaty.
FRIDAY_AFTERNOON = clock.local(date(2027, 1, 8), 15)
NEW_YEARS_EVE = clock.local(date(2027, 12, 31), 20)


@pytest.mark.parametrize("days", range(7))
def test_a_weekday_noon_and_the_saturday_after_it(days):
    with time_machine.travel(FRIDAY_AFTERNOON + timedelta(days=days), tick=False):
        noon = clock.next_weekday_at(12)
        saturday = clock.next_saturday_at(12, after=noon)
        for moment, weekdays in ((noon, range(5)), (saturday, [5])):
            local = moment.astimezone(clock.ZONE)
            assert local.weekday() in weekdays and (local.hour, local.minute) == (12, 0)
        assert clock.now() + clock.LEAD <= noon <= clock.now() + timedelta(days=4)
        assert noon + clock.LEAD <= saturday <= noon + timedelta(days=6)


def test_after_a_friday_afternoon_the_weekday_noon_is_monday():
    with time_machine.travel(FRIDAY_AFTERNOON, tick=False):
        assert clock.next_weekday_at(12).astimezone(clock.ZONE).date() == date(2027, 1, 11)


def test_the_coming_new_year_is_midnight_in_the_hotlines_zone():
    with time_machine.travel(NEW_YEARS_EVE - timedelta(days=2), tick=False):
        assert clock.new_year_ahead().astimezone(clock.ZONE).isoformat() == "2028-01-01T00:00:00+05:00"
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        assert clock.local_year(clock.new_year_ahead()) == 2029, "at least a day ahead"


def test_recent_and_later_are_on_the_second():
    assert clock.recent(minutes=5).microsecond == 0 == clock.later().microsecond
    assert clock.recent(minutes=5) < clock.now() < clock.later(hours=1) <= clock.later()
