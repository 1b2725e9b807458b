"""Reading Twilio's webhook fields: each helper returns a checked value or raises
BadWebhook (400, nothing written). Patterns match the whole field, so a trailing
newline is refused like any other stray character."""

from __future__ import annotations

import re

from flask import request
from werkzeug.datastructures import MultiDict

from hotline.core.parsing import CALL_SID, whole_number

RECORDING_SID = re.compile(r"RE[0-9a-f]{32}")
DIGITS = re.compile(r"[0-9*#]{0,32}")


class BadWebhook(ValueError):
    """A signed request whose fields make no sense: 400, nothing written."""


def call_sid() -> str:
    value = request.form.get("CallSid", "")
    if not value:
        raise BadWebhook("CallSid is required")
    if not CALL_SID.fullmatch(value):
        raise BadWebhook("CallSid is malformed")
    return value


def digits() -> str:
    value = request.form.get("Digits", "")
    if not DIGITS.fullmatch(value):
        raise BadWebhook("Digits must be keypad digits")
    return value


def count(field: str, source: MultiDict | None = None, required: bool = False) -> int | None:
    """A whole number of at least 0 (up to nine digits), or None when absent."""
    value = (source if source is not None else request.form).get(field)
    if value is None or value == "":
        if required:
            raise BadWebhook(f"{field} is required")
        return None
    number = whole_number(value)
    if number is None:
        raise BadWebhook(f"{field} must be a whole number of at least 0")
    return number


def choice(field: str, allowed: frozenset[str]) -> str:
    value = request.form.get(field, "")
    if not value:
        raise BadWebhook(f"{field} is required")
    if value not in allowed:
        raise BadWebhook(f"{field} has an unknown value")
    return value


def attempt() -> int:
    """The menu attempt from the query string the TwiML linked (1 when absent)."""
    return count("attempt", source=request.args) or 1
