"""The callbacks' time policy: when a callback may be dialled, and what the person is told.

Pure functions of moments (timezone-aware datetimes in, UTC out): no Flask, no
database, no clock. The service and the workers build a `CallbackPolicy` once from
the settings and pass every moment in.

- Callback hours, `HOTLINE_CALLBACK_HOURS` in `HOTLINE_TIMEZONE`: the forms of
  `HOTLINE_HOURS` ("09:00-20:00" every day, "mon-fri 09:00-18:00; sat 10:00-14:00",
  "always"), read by `hotline.core.hours`. Callbacks are never dialled at night, so
  a range that runs past midnight ("20:00-08:00", which the phone line's hours may
  have) is refused at start-up, naming the setting, instead of being cut short
  silently; late evenings and early mornings are written as ranges inside a day
  ("07:00-09:00; 18:00-24:00"). "always" means any hour, and an empty setting is refused.
- A requester's preferred window (`Window`, "18:00-19:00"): hotline-local times
  inside one day; a callback is due only where it meets the callback hours.
- Retries: `HOTLINE_CALLBACK_ATTEMPTS` attempts, `HOTLINE_CALLBACK_RETRY_SECONDS`
  after the 1st, 2nd… failed one (the last gap repeats).
- What the person hears or reads (`Expectation`): a kind and a local date and time,
  which the phone line and the web page put into words in the person's language.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline.core.hours import InvalidHours, WorkingHours, next_open, parse_hours
from hotline.core.parsing import whole_number

WINDOW_MAX_CHARS = 32
_WINDOW = re.compile(r" *([0-9]{1,2}):([0-9]{2}) *- *([0-9]{1,2}):([0-9]{2}) *")


class InvalidPolicy(RuntimeError):
    """A callback setting that cannot work; the message names the setting."""


class InvalidWindow(ValueError):
    """A preferred window that cannot be used. The message is plain English (the API shows
    it); `reason` ("format", "time", "order" or "outside_hours") lets a page word it in
    the reader's language. Neither repeats what was typed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class CallbackPolicy:
    attempts: int
    retry_gaps: tuple[timedelta, ...]
    hours: WorkingHours
    timezone: ZoneInfo

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise InvalidPolicy("HOTLINE_CALLBACK_ATTEMPTS must be at least 1")
        if not self.retry_gaps or min(self.retry_gaps) < timedelta(seconds=1):
            raise InvalidPolicy("HOTLINE_CALLBACK_RETRY_SECONDS must give gaps of at least 1 second")
        if self.hours.timezone != self.timezone:
            raise InvalidPolicy("HOTLINE_CALLBACK_HOURS must be read in HOTLINE_TIMEZONE")
        for opening in self.hours.openings:
            span = f"{opening.start:%H:%M}-{opening.end:%H:%M}"
            if opening.overnight:
                raise InvalidPolicy(
                    f"HOTLINE_CALLBACK_HOURS: {span} runs past midnight, and callbacks are never"
                    " dialled at night; write ranges inside a day, such as 07:00-09:00; 18:00-24:00"
                )
            if opening.start == opening.end:
                raise InvalidPolicy(f"HOTLINE_CALLBACK_HOURS: {span} is empty")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CallbackPolicy:
        """The policy of the settings (`app.config` or a Config's attributes); refuses, with
        `InvalidPolicy` naming the setting, any that cannot work."""
        attempts = _whole(config["HOTLINE_CALLBACK_ATTEMPTS"])
        if attempts is None:
            raise InvalidPolicy("HOTLINE_CALLBACK_ATTEMPTS must be a whole number, such as 3")
        gaps = [
            _whole(part.strip(" ")) for part in _text(config, "HOTLINE_CALLBACK_RETRY_SECONDS").split(",")
        ]
        if None in gaps:
            raise InvalidPolicy(
                "HOTLINE_CALLBACK_RETRY_SECONDS must be whole numbers of seconds, such as 900,7200"
            )
        try:
            timezone = ZoneInfo(_text(config, "HOTLINE_TIMEZONE"))
        except (KeyError, ValueError, OSError):
            raise InvalidPolicy(
                f"HOTLINE_TIMEZONE is not a time zone: {config['HOTLINE_TIMEZONE']!r}"
            ) from None
        text = _text(config, "HOTLINE_CALLBACK_HOURS")
        if not text.strip():
            raise InvalidPolicy("HOTLINE_CALLBACK_HOURS is empty; 'always' means any hour")
        try:
            hours = parse_hours(text, timezone.key)
        except InvalidHours as refused:
            raise InvalidPolicy(f"HOTLINE_CALLBACK_HOURS: {refused}") from None
        return cls(attempts, tuple(timedelta(seconds=gap) for gap in gaps), hours, timezone)


def _text(config: Mapping[str, Any], name: str) -> str:
    value = config[name]
    if not isinstance(value, str):
        raise InvalidPolicy(f"{name} must be text, not {value!r}")
    return value


def _whole(value: Any) -> int | None:
    """A count given as an int (a test's override) or as the environment's text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return whole_number(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Window:
    """A requester's preferred hours of every day, in the hotline's time zone."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise InvalidWindow(
                "order", "A window must end after it starts, on the same day, like 18:00-19:00."
            )

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_window(text: str, policy: CallbackPolicy | None = None) -> Window:
    """The window written as "HH:MM-HH:MM" (ASCII digits, spaces allowed around the dash);
    with a policy, also refused when it never meets the callback hours."""
    match = _WINDOW.fullmatch(text) if isinstance(text, str) and len(text) <= WINDOW_MAX_CHARS else None
    if match is None:
        raise InvalidWindow("format", "Write the window as two times of day, like 18:00-19:00.")
    numbers = [int(part) for part in match.groups()]
    if any(hour > 23 for hour in numbers[::2]) or any(minute > 59 for minute in numbers[1::2]):
        raise InvalidWindow("time", "The window's times must be between 00:00 and 23:59.")
    window = Window(time(numbers[0], numbers[1]), time(numbers[2], numbers[3]))
    if policy is not None:
        _window_hours(policy, window)
    return window


def window_fits(policy: CallbackPolicy, window: Window) -> bool:
    """Whether the window meets the callback hours on at least one day of the week."""
    return policy.hours.within(window.start, window.end) is not None


def _window_hours(policy: CallbackPolicy, window: Window) -> WorkingHours:
    hours = policy.hours.within(window.start, window.end)
    if hours is None:
        raise InvalidWindow(
            "outside_hours",
            f"Callbacks are made within {policy.hours.text} only, and the window is outside them.",
        )
    return hours


def next_opening(policy: CallbackPolicy, at: datetime) -> datetime:
    """`at` if the callback hours are open then, else the first moment after it when they open."""
    return next_open(policy.hours, at)


def due_within(policy: CallbackPolicy, at: datetime, window: Window | None) -> datetime:
    """The first moment at or after `at` inside the callback hours and the window.

    Raises InvalidWindow ("outside_hours") when the window never meets the hours."""
    return next_open(policy.hours if window is None else _window_hours(policy, window), at)


def due_after_failure(
    policy: CallbackPolicy, attempts_made: int, failed_at: datetime, window: Window | None
) -> datetime | None:
    """When to try again after the `attempts_made`-th attempt failed at `failed_at`, or None
    when that was the last one (the callback has failed)."""
    if attempts_made < 1:
        raise ValueError("attempts_made counts the attempts made, the failed one too: at least 1")
    if attempts_made >= policy.attempts:
        return None
    gap = policy.retry_gaps[min(attempts_made, len(policy.retry_gaps)) - 1]
    return due_within(policy, failed_at + gap, window)


class ExpectationKind(enum.StrEnum):
    SOON = "soon"  # due now, hours open: "within working hours today"
    TODAY_AT = "today_at"  # later today, at local_time
    TOMORROW_AFTER = "tomorrow_after"  # tomorrow, from local_time
    ON_DAY = "on_day"  # a later day: local_date (its weekday) from local_time


@dataclass(frozen=True)
class Expectation:
    kind: ExpectationKind
    due_at: datetime  # UTC: the moment the words describe
    local_date: date
    local_time: time

    @property
    def weekday(self) -> int:
        """0 is Monday."""
        return self.local_date.weekday()


def expectation(policy: CallbackPolicy, due_at: datetime, now: datetime) -> Expectation:
    """What to tell the person of a callback due at `due_at`, said at `now`.

    A due time already past counts from now, and one outside the hours from their next
    opening."""
    if due_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("moments must be timezone-aware")
    moment = next_opening(policy, max(due_at, now))
    local = moment.astimezone(policy.timezone)
    days_ahead = (local.date() - now.astimezone(policy.timezone).date()).days
    if moment == now:
        kind = ExpectationKind.SOON
    elif days_ahead == 0:
        kind = ExpectationKind.TODAY_AT
    elif days_ahead == 1:
        kind = ExpectationKind.TOMORROW_AFTER
    else:
        kind = ExpectationKind.ON_DAY
    return Expectation(kind, moment.astimezone(UTC), local.date(), local.time())
