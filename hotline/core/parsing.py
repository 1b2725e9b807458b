"""Reading numbers that arrive as text (webhook fields, query strings, settings, session ids).

`str.isdigit()` and `int()` accept far more than a count: '²', '٣', '+1', ' 1', '1\n',
'1_000'. Every count from outside goes through `whole_number`, which takes ASCII digits
and nothing else; a rate or a fraction (`float()` reads 'nan', '1e3', '١') through
`decimal_number`.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")
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
