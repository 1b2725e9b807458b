"""A case search's parameters as text (a query string, a form) read into `search.Filters`.

The one reader for GET /api/v1/cases and the /cases page: each value read
whole, in ASCII, exactly as documented; an empty value is no filter; anything
else is `BadQuery` naming the parameter (never repeating its value: it may be
a number). Days are the hotline's local days, `opened_to` inclusive.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
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


def printable(text: str, name: str, limit: int) -> str:
    if len(text) > limit or not text.isascii() or not text.isprintable():
        raise BadQuery(name)
    return text


def day_start(text: str, name: str, timezone: ZoneInfo, days_later: int = 0) -> datetime:
    day = calendar_date(text)
    if day is None:
        raise BadQuery(name)
    day = min(max(day, FIRST_DAY), LAST_DAY) + timedelta(days=days_later)
    return datetime.combine(day, time.min, timezone)


def read(
    values: Mapping[str, str | None],
    vault: PhoneVault,
    timezone: ZoneInfo,
    categories: Collection[str],
) -> Filters:
    """The filters `values` ask for; `categories` the category codes that exist
    (active or not). BadQuery for the first parameter at fault."""
    given = {name: values.get(name) or None for name in PARAMETERS}
    found: dict = {}
    if (text := given["reference"]) is not None:
        if not REFERENCE.fullmatch(text):
            raise BadQuery("reference")
        found["reference"] = text
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
    if (text := given["operator"]) is not None:
        found["operator"] = printable(text, "operator", USERNAME_MAX_CHARS)
    if (text := given["category"]) is not None:
        if text not in categories:
            raise BadQuery("category")
        found["category"] = text
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
        after = whole_number(text, max_digits=10)
        if after is None or after > LARGEST_ID:
            raise BadQuery("after")
        found["after"] = after
    return Filters(**found)
