from datetime import UTC, datetime

import pytest

from hotline.core.hours import InvalidHours, parse_hours


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
