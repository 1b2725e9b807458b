"""Working hours: `HOTLINE_HOURS` such as "always" or "mon-fri 09:00-18:00; sat 10:00-14:00",
read in the hotline's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_RULE = re.compile(
    r"(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>[0-9]{1,2}:[0-9]{2})-(?P<end>[0-9]{1,2}:[0-9]{2})"
)


class InvalidHours(ValueError):
    pass


@dataclass(frozen=True)
class Opening:
    days: frozenset[int]
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        t = moment.time()
        if self.start <= self.end:
            return moment.weekday() in self.days and self.start <= t < self.end
        # Overnight, e.g. 20:00-08:00: the evening of a listed day and the next morning.
        yesterday = (moment.weekday() - 1) % 7
        return (moment.weekday() in self.days and t >= self.start) or (
            yesterday in self.days and t < self.end
        )


@dataclass(frozen=True)
class WorkingHours:
    openings: tuple[Opening, ...]
    timezone: ZoneInfo
    text: str

    @property
    def always(self) -> bool:
        return not self.openings

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        local = moment.astimezone(self.timezone)
        return any(opening.covers(local) for opening in self.openings)


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise InvalidHours(f"not a time of day: {text}")
    return time(hours, minutes)


def parse_hours(text: str, timezone: str) -> WorkingHours:
    zone = ZoneInfo(timezone)
    cleaned = text.strip().lower()
    if cleaned in {"", "always", "24/7"}:
        return WorkingHours((), zone, "always")
    openings = []
    for rule in re.split(r"[;,]", cleaned):
        match = _RULE.fullmatch(rule.strip())
        if not match or match["first"] not in DAYS or (match["last"] or match["first"]) not in DAYS:
            raise InvalidHours(f"cannot read working hours rule {rule.strip()!r}")
        first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        openings.append(Opening(frozenset(days), _clock(match["start"]), _clock(match["end"])))
    return WorkingHours(tuple(openings), zone, text.strip())
