"""Reading numbers that arrive as text (webhook fields, query strings, settings, session ids).

`str.isdigit()` and `int()` accept far more than a count: '²', '٣', '+1', ' 1', '1\n',
'1_000'. Every count from outside goes through `whole_number`, which takes ASCII digits
and nothing else; a rate or a fraction (`float()` reads 'nan', '1e3', '١') through
`decimal_number`. A day ("2026-03-01") through `calendar_date`, a moment
("2026-03-01T18:30:00+05:00") through `aware_moment`: `date.fromisoformat` and
`datetime.fromisoformat` alone read non-ASCII digits and several other forms.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_DIGITS = re.compile(r"[0-9]+")
# Ids above this are no row's (and would overflow PostgreSQL's integer).
LARGEST_ID = 2**31 - 1
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def whole_number(text: str | None, max_digits: int = 9) -> int | None:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None."""
    if text is None or not 0 < len(text) <= max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)


def decimal_number(text: str | None, max_chars: int = 12) -> float | None:
    """The value of `text` if it is ASCII digits with at most one decimal point between
    digits ("1", "0.5"), at most `max_chars` long, else None."""
    if text is None or not 0 < len(text) <= max_chars or not _DECIMAL.fullmatch(text):
        return None
    return float(text)


# A call's id on the phone network: every recorded call has one of this shape
# (the webhooks refuse any other), so a path with another never reaches the database.
CALL_SID = re.compile(r"CA[0-9a-f]{32}")


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 8601 with its offset: a moment without one names no moment at all.
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def calendar_date(text: str | None) -> date | None:
    """The day written `YYYY-MM-DD` in ASCII digits, else None."""
    if not isinstance(text, str) or not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def aware_moment(text: str | None) -> datetime | None:
    """The moment written in ISO 8601 with a UTC offset (`Z` or `+05:00`), in
    UTC; None for any other text, a naive time among them, or one that UTC
    cannot hold."""
    if not isinstance(text, str) or len(text) > 40 or not _MOMENT.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
