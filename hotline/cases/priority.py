"""A case's priority, and so its waiting caller's: higher is answered first."""

from __future__ import annotations

import enum


class Priority(enum.IntEnum):
    """Higher is served first."""

    NORMAL = 0
    REPEAT_CALLER_OPEN_CASE = 10
    CALLBACK_RETURN = 20
    CRISIS = 30


def priority(*, crisis: bool = False, callback_return: bool = False, open_case: bool = False) -> Priority:
    if crisis:
        return Priority.CRISIS
    if callback_return:
        return Priority.CALLBACK_RETURN
    if open_case:
        return Priority.REPEAT_CALLER_OPEN_CASE
    return Priority.NORMAL
