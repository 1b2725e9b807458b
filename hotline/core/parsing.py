"""Reading numbers that arrive as text (webhook fields, query strings, settings, session ids).

`str.isdigit()` and `int()` accept far more than a count: '²', '٣', '+1', ' 1', '1\n',
'1_000'. Every count from outside goes through `whole_number`, which takes ASCII digits
and nothing else.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str | None, max_digits: int = 9) -> int | None:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None."""
    if text is None or not 0 < len(text) <= max_digits or not _DIGITS.fullmatch(text):
        return None
    return int(text)


# A call's id on the phone network: every recorded call has one of this shape
# (the webhooks refuse any other), so a path with another never reaches the database.
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
