"""Working hours: `HOTLINE_HOURS` such as "always", "09:00-20:00" (every day) or
"mon-fri 09:00-18:00; sat 10:00-14:00", read in the hotline's time zone.

Besides asking whether the hours are open at a moment, `next_open` finds the first
open moment at or after one, correct across daylight-saving changes, and `within`
narrows the hours to a daily window (a callback's preferred hours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EVERY_DAY = frozenset(range(7))
_RULE = re.compile(
    r"(?:(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+)?"
    r"(?P<start>[0-9]{1,2}:[0-9]{2})-(?P<end>[0-9]{1,2}:[0-9]{2})"
)
# Far enough ahead for hours open on one day a week to open, whatever the clocks do meanwhile.
_HORIZON_DAYS = 9


class InvalidHours(ValueError):
    pass


@dataclass(frozen=True)
class Opening:
    days: frozenset[int]
    start: time
    end: time

    @property
    def overnight(self) -> bool:
        return self.start > self.end

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

    def within(self, start: time, end: time) -> WorkingHours | None:
        """These hours narrowed to `start`-`end` of every day (start before end), or
        None when the two never meet."""
        if not start < end:
            raise InvalidHours("a daily window must end after it starts")
        narrowed = []
        for days, lo, hi in self._daily_parts():
            lo, hi = max(lo, start), min(hi, end)
            if lo < hi:
                narrowed.append(Opening(days, lo, hi))
        if not narrowed:
            return None
        return WorkingHours(tuple(narrowed), self.timezone, f"{self.text} within {start:%H:%M}-{end:%H:%M}")

    def _daily_parts(self) -> list[tuple[frozenset[int], time, time]]:
        """Each opening as ranges inside one day: an overnight one is its evening and its morning."""
        if self.always:
            return [(EVERY_DAY, time.min, time.max)]
        parts = []
        for opening in self.openings:
            if opening.overnight:
                parts.append((opening.days, opening.start, time.max))
                parts.append((frozenset((day + 1) % 7 for day in opening.days), time.min, opening.end))
            else:
                parts.append((opening.days, opening.start, opening.end))
        return parts


def next_open(hours: WorkingHours, moment: datetime) -> datetime:
    """`moment` if the hours are open then, else the first moment after it when they open (UTC).

    The open moments are those whose local time an opening covers, so they begin
    either where the local time reaches an opening's start (or midnight, for the
    morning of an overnight opening) or where the clocks change. Those candidates are
    tried in order with `is_open`, each change of the clocks between two of them
    too; the first open one is the answer. A start the clocks skip (01:30 on the
    morning they go forward) is reached at the change; a start they repeat is tried
    both times. Candidates come at least daily (midnight), and no zone changes its
    clocks twice within a day.
    """
    if moment.tzinfo is None:
        raise ValueError("a moment must be timezone-aware")
    moment = moment.astimezone(UTC)
    if hours.is_open(moment):
        return moment
    zone = hours.timezone
    first_day = moment.astimezone(zone).date() - timedelta(days=1)
    starts = {time.min} | {opening.start for opening in hours.openings}
    candidates = {
        instant
        for offset in range(_HORIZON_DAYS + 1)
        for start in starts
        for instant in _instants(first_day + timedelta(days=offset), start, zone)
    }
    previous = moment.replace(microsecond=0)
    for candidate in sorted(instant for instant in candidates if instant > moment):
        if _offset(previous, zone) != _offset(candidate, zone):
            change = _first_with_offset_of(zone, previous, candidate)
            if hours.is_open(change):
                return change
        if hours.is_open(candidate):
            return candidate
        previous = candidate
    raise InvalidHours(f"the working hours {hours.text!r} never open")


def _instants(day: date, start: time, zone: ZoneInfo) -> set[datetime]:
    """The moments (UTC) when the local time in `zone` is `start` on `day`: one, two when the
    clocks go back over it, and for a time they skip, the instants either reading gives."""
    wall = datetime.combine(day, start, tzinfo=zone)
    return {wall.replace(fold=fold).astimezone(UTC) for fold in (0, 1)}


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()


def _first_with_offset_of(zone: ZoneInfo, lo: datetime, hi: datetime) -> datetime:
    """Between `lo` and `hi` (whole seconds), whose offsets differ, the first second with
    `hi`'s offset: the clocks change on a whole second."""
    target = _offset(hi, zone)
    while hi - lo > timedelta(seconds=1):
        middle = lo + timedelta(seconds=(hi - lo) // timedelta(seconds=2))
        if _offset(middle, zone) == target:
            hi = middle
        else:
            lo = middle
    return hi


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
        if not match or any(day is not None and day not in DAYS for day in (match["first"], match["last"])):
            raise InvalidHours(f"cannot read working hours rule {rule.strip()!r}")
        if match["first"] is None:
            days = EVERY_DAY
        else:
            first, last = DAYS.index(match["first"]), DAYS.index(match["last"] or match["first"])
            days = frozenset(
                range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
            )
        openings.append(Opening(days, _clock(match["start"]), _clock(match["end"])))
    return WorkingHours(tuple(openings), zone, text.strip())
