"""Moments for tests, relative to now, in the hotline's time zone (HOTLINE_TIMEZONE).

A test that freezes the clock takes its moment from here, never from a calendar
date: once a pinned date has passed, what the test made at the real time before
freezing (a login's session cookie) is "from the future" and is refused.

Every moment ahead is at least a day ahead of now (or of the moment it is told to
follow), so a module may compute one at import and a long run never catches up
with it; and a working day or a Saturday is at most a week ahead, well within a
session's maximum age in testing (31 days, config.TestingConfig). Moments are in
UTC, on the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from config import Config

ZONE = ZoneInfo(Config().HOTLINE_TIMEZONE)
LEAD = timedelta(days=1)
WORKING_DAYS = frozenset(range(5))  # Monday to Friday
SATURDAY = 5


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def recent(**ago: float) -> datetime:
    """A moment in the past: `recent(minutes=5)`."""
    return now() - timedelta(**ago)


def later(**ahead: float) -> datetime:
    """A moment of no particular day, `ahead` (a day unless told) after now."""
    return now() + timedelta(**(ahead or {"days": 1}))


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """`day` at that time of day in the hotline's zone, in UTC."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=ZONE).astimezone(UTC)


def local_year(moment: datetime) -> int:
    return moment.astimezone(ZONE).year


def _next(weekdays: frozenset[int], hour: int, minute: int, after: datetime | None) -> datetime:
    earliest = (after or now()) + LEAD
    day = earliest.astimezone(ZONE).date()
    while True:
        moment = local(day, hour, minute)
        if day.weekday() in weekdays and moment >= earliest:
            return moment
        day += timedelta(days=1)


def next_weekday_at(hour: int, minute: int = 0, after: datetime | None = None) -> datetime:
    """A working day (Monday to Friday) at `hour`:`minute` in the hotline's zone,
    at least a day after `after` (now unless told)."""
    return _next(WORKING_DAYS, hour, minute, after)


def next_saturday_at(hour: int, minute: int = 0, after: datetime | None = None) -> datetime:
    """A Saturday at `hour`:`minute` in the hotline's zone (closed on weekday hours),
    at least a day after `after` (now unless told): pass a working day's moment to
    keep the two in the order of a week."""
    return _next(frozenset({SATURDAY}), hour, minute, after)


def new_year_ahead() -> datetime:
    """Midnight of the coming 1 January in the hotline's zone, when case numbers start again."""
    year = (now() + LEAD).astimezone(ZONE).year + 1
    return local(date(year, 1, 1), 0)
