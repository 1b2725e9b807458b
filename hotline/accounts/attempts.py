"""Login attempts, counted before the password is checked.

Each attempt is counted at once, in one atomic step in Redis (INCRBY in the limits
library's script), per username (a digest of it) and per address, before its
password is checked: of any number sent at once, at most HOTLINE_LOGIN_RATE_LIMIT
reach the check and the rest are refused. A successful login gives its attempt back,
so an office where everyone logs in at the start of a shift is not locked out; a
wrong password, an unknown user, a deactivated one and a refused attempt keep theirs.

The counters are Flask-Limiter's storage (the app's Redis, short timeouts, no
retries) read with the limits library's fixed window, the one whose count can be
given back. When the counters cannot be read or written (Redis down, frozen, slow)
the login is refused: with no count there is no limit. Flask-Limiter's in-memory
fallback, which starts from zero in every process, is off (hotline/extensions.py).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.strategies import FixedWindowRateLimiter

from hotline.extensions import LIMIT_PREFIX, limiter

log = logging.getLogger(__name__)

SCOPE = (LIMIT_PREFIX, "login")
USERNAME_CHARS = 64


class TooManyAttempts(Exception):
    """Over the limit: refused without a password check."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many attempts")
        self.retry_after = retry_after


class AttemptsUncounted(Exception):
    """The counters did not answer: refused, since an uncounted attempt is unlimited."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("the attempt counters did not answer")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """A counted attempt: each limit with each counter it was counted in."""

    counted: tuple[tuple[RateLimitItem, str], ...]
    scope: tuple[str, str] = SCOPE


def username_key(username: str) -> str:
    """A digest, so whatever is typed as a username never becomes a Redis key itself."""
    typed = username.strip().lower()[:USERNAME_CHARS]
    return "user:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def _counters() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(limiter.storage)


def count(limit: str, username: str, address: str) -> Attempt:
    """Count one attempt for `username` from `address`, in each counter of each of
    `limit`'s limits ("5 per minute", or several: "5 per minute; 50 per day").

    Raises TooManyAttempts when any is past its limit (the attempt stays counted),
    AttemptsUncounted when the counters do not answer."""
    return count_in(limit, SCOPE, (username_key(username), "address:" + address))


def count_in(limit: str, scope: tuple[str, str], keys: Sequence[str]) -> Attempt:
    """Count one attempt in the counter of each key under `scope`, for each of
    `limit`'s limits, all before the attempt goes on; as `count` refuses. A key
    names no secret: a digest of what was typed, or an address. The callback
    form counts its requests this way too (hotline/public/views.py)."""
    items = parse_many(limit)
    counted = tuple((item, key) for item in items for key in keys)
    retry_after = max(item.get_expiry() for item in items)
    try:
        within = [_counters().hit(item, *scope, key) for item, key in counted]
    except StorageError as error:
        log.warning(
            "%s refused: the attempt counters did not answer (%s)",
            scope[-1],
            type(error.storage_error).__name__,
        )
        raise AttemptsUncounted(retry_after) from None
    if not all(within):
        raise TooManyAttempts(retry_after)
    return Attempt(counted, scope)


def give_back(attempt: Attempt) -> None:
    """Uncount a successful login's attempt. Should the counters fail now, the login
    stands and the attempt stays counted. Should a window have ended during the
    check, the next one starts one lower: one attempt more there, for a login that
    knew the password."""
    storage = limiter.storage
    try:
        for item, key in attempt.counted:
            storage.incr(item.key_for(*attempt.scope, key), item.get_expiry(), amount=-1)
    except StorageError as error:
        log.warning("a login's attempt was not given back (%s)", type(error.storage_error).__name__)
