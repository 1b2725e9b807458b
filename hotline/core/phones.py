"""Phone numbers: normalise to E.164, hash for look-up, encrypt for keeping, mask for showing.

A number never leaves this module in clear except to the code that dials it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers
from cryptography.fernet import Fernet

# What Twilio sends in `From` when the caller withholds their number, and the
# words a person types for one (the simulator's --from).
WITHHELD = frozenset(
    {"", "anonymous", "restricted", "unknown", "private", "unavailable", "266696687", "withheld", "none"}
)


def is_withheld(raw: str | None) -> bool:
    return (raw or "").strip().lstrip("+").lower() in WITHHELD


class InvalidNumber(ValueError):
    """The text is not a phone number. The message never repeats the text."""


# What people type in a phone number: ASCII digits, a leading plus, spaces, dashes,
# dots and brackets. Anything else (other scripts' digits, letters, NUL) is refused
# before phonenumbers, which would read some of them as digits.
TYPED_MAX_CHARS = 32
TYPED = re.compile(r"\+?[0-9 ()./-]+")


def typed_number(text: str, default_region: str) -> str:
    """E.164 form of a number a person typed (a search's, a form's), in any usual
    form ("+7 701 …", "8701…", with dashes or brackets). InvalidNumber for any
    other text, a withheld number's words among them."""
    text = text.strip()
    if len(text) > TYPED_MAX_CHARS or not TYPED.fullmatch(text):
        raise InvalidNumber("not typed as a phone number")
    number = normalise(text, default_region)
    if number is None:
        raise InvalidNumber("not a phone number")
    return number


def normalise(raw: str | None, default_region: str) -> str | None:
    """E.164 form of `raw`, or None for a withheld number."""
    if is_withheld(raw):
        return None
    text = (raw or "").strip()
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidNumber("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def dialable(raw: str | None, default_region: str) -> str:
    """E.164 form of a number the hotline is to call (a callback's, an
    operator's own): one that numbering plans assign (`is_valid_number`), not
    only one of a possible length. InvalidNumber for anything else, withheld
    included. A caller's own number is only normalised: it is what the network
    gave, never refused."""
    number = normalise(raw, default_region)
    if number is None:
        raise InvalidNumber("not a number to call")
    if not phonenumbers.is_valid_number(phonenumbers.parse(number)):
        raise InvalidNumber("not a number in use")
    return number


# A number keyed in on a phone's keypad: an international prefix ("810", "00")
# and the 15 digits E.164 allows at most.
KEYED_MAX_DIGITS = 18
_KEYED = re.compile(rf"[0-9]{{1,{KEYED_MAX_DIGITS}}}")


def keyed_number(digits: str, default_region: str) -> str:
    """E.164 form of a number keyed in on the keypad (ASCII digits only, the whole
    text), in the default region when it has no country code. InvalidNumber for
    anything else, a withheld number's keypad spelling too."""
    if not isinstance(digits, str) or not _KEYED.fullmatch(digits):
        raise InvalidNumber("not keypad digits")
    return dialable(digits, default_region)


def mask(e164: str | None) -> str:
    """What a screen that is not working the case may show: the last two digits."""
    return mask_tail(e164[-2:] if e164 else None)


def mask_tail(tail: str | None) -> str:
    """The masked form of a number of which only the last two digits are kept."""
    if not tail:
        return "withheld"
    return "•" * 4 + tail


@dataclass(frozen=True)
class PhoneVault:
    """Keyed hash and encryption of E.164 numbers, with the hotline's keys."""

    encryption_key: str
    hash_key: str
    default_region: str = "KZ"

    def digest(self, e164: str) -> str:
        return hmac.new(self.hash_key.encode(), e164.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, e164: str) -> bytes:
        return Fernet(self.encryption_key.encode()).encrypt(e164.encode())

    def decrypt(self, token: bytes) -> str:
        return Fernet(self.encryption_key.encode()).decrypt(token).decode()

    @classmethod
    def from_config(cls, config) -> PhoneVault:
        return cls(
            encryption_key=config["PHONE_ENCRYPTION_KEY"],
            hash_key=config["PHONE_HASH_KEY"],
            default_region=config["PHONE_DEFAULT_REGION"],
        )
