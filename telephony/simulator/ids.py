"""How Twilio names things: the API version in every URI, and SIDs."""

from __future__ import annotations

import secrets

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)
