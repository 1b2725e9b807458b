"""The numbers a simulated phone answers for, and the calls ringing for each.

A /simulator/phone page answers for the number it calls from while it is open
(it says so again every second or so); a SimulatedPhone in a test may answer for
a number too (`SimulatedPhone.answers_for`) and then plays the calls placed to
it itself. A call the simulator places to such a number rings there, instead of
being answered as SIMULATOR_OUTBOUND says.

Keys name the keyed hash of the number (the app's phone vault), never the number:
simulator:answers:<hash> holds who answers ("page" or "phone") and lapses unless
renewed; simulator:rings:<hash> is a sorted set of the calls ringing for it, by
when they rang (see `bridge.offer`).
"""

from __future__ import annotations

from flask import current_app

from hotline.core.phones import InvalidNumber, normalise
from telephony.simulator import state

PAGE, PHONE = "page", "phone"
WHO = frozenset({PAGE, PHONE})


def _digest(number: str) -> str | None:
    try:
        e164 = normalise(number, current_app.config["PHONE_DEFAULT_REGION"])
    except InvalidNumber:
        return None
    return current_app.extensions["phone_vault"].digest(e164) if e164 else None


def claim(number: str, who: str, seconds: float) -> bool:
    """`who` answers for `number` for `seconds` from now; False if it is no number."""
    digest = _digest(number)
    if digest is None or who not in WHO:
        return False
    state._redis().set(f"{state.PREFIX}answers:{digest}", who, px=max(1, int(seconds * 1000)))
    return True


def release(number: str, who: str) -> None:
    """`who` no longer answers for `number` (another claim since stays)."""
    digest = _digest(number)
    if digest is None:
        return
    key = f"{state.PREFIX}answers:{digest}"
    if state._redis().get(key) == who.encode():
        state._redis().delete(key)


def answered_by(number: str) -> str | None:
    """Who answers for `number` now ("page" or "phone"), if anyone."""
    digest = _digest(number)
    raw = state._redis().get(f"{state.PREFIX}answers:{digest}") if digest else None
    return raw.decode() if raw else None


def ringing_key(number: str) -> str | None:
    """The sorted set of the calls ringing for `number`; None if it is no number."""
    digest = _digest(number)
    return f"{state.PREFIX}rings:{digest}" if digest else None
