from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.core.hours import InvalidHours, next_open, parse_hours


def at(text: str) -> datetime:
    """A UTC moment; Asia/Almaty is UTC+5."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_always_open_by_default():
    hours = parse_hours("always", "Asia/Almaty")
    assert hours.always
    assert hours.is_open(at("2026-11-29T03:00"))


def test_weekday_hours_in_the_hotline_time_zone():
    hours = parse_hours("mon-fri 09:00-18:00", "Asia/Almaty")
    # Wednesday 2026-11-25: 04:00 UTC is 09:00 in Almaty.
    assert hours.is_open(at("2026-11-25T04:00"))
    assert not hours.is_open(at("2026-11-25T03:59"))
    assert not hours.is_open(at("2026-11-25T13:00"))  # 18:00 local
    assert not hours.is_open(at("2026-11-28T06:00"))  # Saturday


def test_several_rules_and_overnight():
    hours = parse_hours("mon-fri 09:00-18:00; sat 20:00-08:00", "Asia/Almaty")
    assert hours.is_open(at("2026-11-28T16:00"))  # Saturday 21:00 local
    assert hours.is_open(at("2026-11-29T02:00"))  # Sunday 07:00 local, the night from Saturday
    assert not hours.is_open(at("2026-11-29T04:00"))  # Sunday 09:00 local


@pytest.mark.parametrize("text", ["mon-fri", "mon-fri 9-18", "xyz 09:00-10:00", "mon 25:00-26:00"])
def test_unreadable_hours_are_refused(text):
    with pytest.raises(InvalidHours):
        parse_hours(text, "Asia/Almaty")


def test_a_bare_range_is_every_day():
    hours = parse_hours("09:00-20:00", "Asia/Almaty")
    assert [opening.days for opening in hours.openings] == [frozenset(range(7))]
    assert hours.is_open(at("2026-11-29T04:00"))  # Sunday 09:00 local
    assert not hours.is_open(at("2026-11-29T15:00"))  # Sunday 20:00 local


def test_within_narrows_the_hours_to_a_daily_window():
    hours = parse_hours("mon-fri 09:00-18:00; sat 20:00-08:00", "Asia/Almaty")
    narrowed = hours.within(time(7), time(10))
    # Weekdays 09:00-10:00, and Sunday morning 07:00-08:00 (the night from Saturday).
    assert narrowed.is_open(at("2026-11-25T04:30"))  # Wednesday 09:30
    assert not narrowed.is_open(at("2026-11-25T05:00"))  # Wednesday 10:00
    assert narrowed.is_open(at("2026-11-29T02:30"))  # Sunday 07:30
    assert not narrowed.is_open(at("2026-11-28T02:30"))  # Saturday 07:30
    assert hours.within(time(18), time(19)) is None
    assert parse_hours("always", "Asia/Almaty").within(time(1), time(2)).openings[0].days == frozenset(
        range(7)
    )
    with pytest.raises(InvalidHours):
        hours.within(time(10), time(9))


# Days on which clocks change: London forward and back (2026), Lord Howe by half an hour
# (2026), São Paulo at midnight (2018, 2019), Almaty from UTC+6 to UTC+5 (1 March 2024).
CHANGE_DAYS = [
    ("Europe/London", "2026-03-28"),
    ("Europe/London", "2026-10-24"),
    ("Australia/Lord_Howe", "2026-04-04"),
    ("Australia/Lord_Howe", "2026-10-03"),
    ("America/Sao_Paulo", "2018-11-03"),
    ("America/Sao_Paulo", "2019-02-16"),
    ("Asia/Almaty", "2024-02-29"),
]
HOURS = [
    "09:00-20:00",
    "00:30-01:30; 02:15-02:45",
    "01:15-01:45",
    "mon-fri 23:00-01:00; sat 00:00-00:30",
    "sun 01:00-02:00",
]


@pytest.mark.parametrize("text", HOURS)
@pytest.mark.parametrize(("zone", "first_day"), CHANGE_DAYS)
def test_next_open_is_the_first_open_minute_through_a_change_of_the_clocks(zone, first_day, text):
    """Against a scan of every minute of the two days around the change (the hours and the
    changes fall on whole minutes, so the first open moment is a minute)."""
    hours = parse_hours(text, zone)
    start = datetime.combine(date.fromisoformat(first_day), time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    minutes = [start + timedelta(minutes=n) for n in range(2 * 1440)]
    scanned: list[datetime | None] = [None] * len(minutes)
    following = None
    for index in reversed(range(len(minutes))):
        if hours.is_open(minutes[index]):
            following = minutes[index]
        scanned[index] = following
    for index, (moment, first) in enumerate(zip(minutes, scanned, strict=True)):
        if first is not None:
            assert next_open(hours, moment) == first, moment
        if first is not None and index % 5 == 0:
            halfway = moment - timedelta(seconds=30)
            assert next_open(hours, halfway) in {first, halfway}, halfway
