"""A case search's parameters as text (a query string, a form) read into `search.Filters`.

The one reader for GET /api/v1/cases and the /cases page: each value read
whole, in ASCII, exactly as documented; an empty value is no filter. A name
(reference, operator, category) that no record could hold finds nothing, as
a path naming no case is a 404; any other value not of its form (a number, a
code of a list, a day, a yes or no) is `BadQuery` naming the parameter, never
repeating its value (it may be a number). Days are the hotline's local days,
`opened_to` inclusive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.cases.lookup import REFERENCE
from hotline.cases.search import Filters
from hotline.core.parsing import LARGEST_ID, calendar_date, whole_number
from hotline.core.phones import InvalidNumber, PhoneVault, typed_number
from hotline.models import QueueName
from hotline.models.states import CaseStatus, RiskLevel

STATUSES = frozenset(status.value for status in CaseStatus)
RISK_LEVELS = frozenset(level.value for level in RiskLevel)
QUEUES = frozenset(queue.value for queue in QueueName)
USERNAME_MAX_CHARS = 64
# A category's code (operators.taxonomy): the shape is checked, a code no case has finds none.
CODE_MAX_CHARS = 32
CODE = re.compile(rf"[a-z0-9_]{{1,{CODE_MAX_CHARS}}}")
# The days a search may name: a day outside has no moment to start or end it.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
YES_NO = {"true": True, "false": False}
PARAMETERS = (
    "reference",
    "number",
    "status",
    "queue",
    "operator",
    "category",
    "risk",
    "opened_from",
    "opened_to",
    "accompanied",
    "after",
)


class BadQuery(ValueError):
    """400: a search parameter is not of its documented form."""

    def __init__(self, name: str) -> None:
        super().__init__(f"invalid query parameter: {name}")
        self.name = name


def _codes(text: str, known: frozenset[str], name: str) -> frozenset[str]:
    names = text.split(",")
    if len(names) > len(known) or not set(names) <= known:
        raise BadQuery(name)
    return frozenset(names)


def could_name(text: str, limit: int, shape: re.Pattern | None = None) -> bool:
    """Whether `text` could be a name the records hold (a reference, a username,
    a code, an action): printable ASCII, at most `limit` characters, of `shape`
    when given. A filter by a text that could not finds nothing, and never
    reaches the database (PostgreSQL refuses a NUL)."""
    fits = len(text) <= limit and text.isascii() and text.isprintable()
    return fits and (shape is None or shape.fullmatch(text) is not None)


def day_start(text: str, name: str, timezone: ZoneInfo, days_later: int = 0) -> datetime:
    day = calendar_date(text)
    if day is None:
        raise BadQuery(name)
    day = min(max(day, FIRST_DAY), LAST_DAY) + timedelta(days=days_later)
    return datetime.combine(day, time.min, timezone)


def after_id(text: str) -> int:
    """A page's `after` (the `next` of the page before): a row's id, else BadQuery."""
    after = whole_number(text, max_digits=10)
    if after is None or after > LARGEST_ID:
        raise BadQuery("after")
    return after


def read(values: Mapping[str, str | None], vault: PhoneVault, timezone: ZoneInfo) -> Filters:
    """The filters `values` ask for; BadQuery for the first parameter at fault."""
    given = {name: values.get(name) or None for name in PARAMETERS}
    found: dict = {}
    names = {
        "reference": (32, REFERENCE),
        "operator": (USERNAME_MAX_CHARS, None),
        "category": (CODE_MAX_CHARS, CODE),
    }
    for name, (limit, shape) in names.items():
        if (text := given[name]) is not None:
            found[name] = text
            found["nothing"] = found.get("nothing", False) or not could_name(text, limit, shape)
    if (text := given["number"]) is not None:
        try:
            found["number_hash"] = vault.digest(typed_number(text, vault.default_region))
        except InvalidNumber:
            raise BadQuery("number") from None
    if (text := given["status"]) is not None:
        found["statuses"] = _codes(text, STATUSES, "status")
    if (text := given["queue"]) is not None:
        if text not in QUEUES:
            raise BadQuery("queue")
        found["queue"] = text
    if (text := given["risk"]) is not None:
        found["risk_levels"] = _codes(text, RISK_LEVELS, "risk")
    if (text := given["opened_from"]) is not None:
        found["opened_from"] = day_start(text, "opened_from", timezone)
    if (text := given["opened_to"]) is not None:
        found["opened_to"] = day_start(text, "opened_to", timezone, days_later=1)
    if (text := given["accompanied"]) is not None:
        if text not in YES_NO:
            raise BadQuery("accompanied")
        found["accompanied"] = YES_NO[text]
    if (text := given["after"]) is not None:
        found["after"] = after_id(text)
    return Filters(**found)
