"""Who is asking: browser logins (passwords, roles) and API tokens.

A browser session is Flask's signed cookie; the server decides whether it
still stands. At login (Flask-Login's `user_logged_in`) the session takes the
user's `session_version` and the time; the user loader, which runs on every
request and every Socket.IO event, accepts the session only while the user is
active, the version is still theirs (logging out and deactivation change it,
ending all of that user's sessions at once) and the login is at most
HOTLINE_SESSION_MAX_AGE_SECONDS old. A replayed cookie is then no login.

A token with a user acts as that user; a token without one (an integration's)
only reads. A token works only while it is unrevoked and its user is active.
Creating and deactivating users is hotline/users.py's (its names are kept here
too for the callers that import them from here).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache, wraps

from flask import Flask, abort, current_app, g, request, session
from flask_login import current_user, login_required, user_logged_in
from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from hotline import audit
from hotline.accounts.users import (  # noqa: F401  (kept importable from here)
    UnknownUser,
    UserExists,
    UserInactive,
    create_user,
    deactivate_user,
    revoke_tokens,
    user_named,
)
from hotline.core.offload import off_the_loop
from hotline.core.parsing import whole_number
from hotline.extensions import db, login_manager
from hotline.models import ApiToken, User, utcnow

log = logging.getLogger(__name__)

# last_used_at is a hint for admins, not a record: written at most this often,
# and given up when the database cannot take the write at once.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_TOUCH_TIMEOUT_MS = 100


class UnknownToken(LookupError):
    pass


# What a login puts in the session beside Flask-Login's own keys.
SESSION_VERSION = "hotline_session_version"
LOGGED_IN_AT = "hotline_logged_in_at"


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    user_logged_in.connect(_session_begins, app)
    # Flask refuses a cookie signed longer ago than this; a session that
    # changes is signed again, so the login's own time is what bounds it.
    max_age = app.config["HOTLINE_SESSION_MAX_AGE_SECONDS"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=max_age)


def _session_begins(_app: Flask, user: User, **_extra) -> None:
    session[SESSION_VERSION] = user.session_version
    session[LOGGED_IN_AT] = int(utcnow().timestamp())


def _load_user(user_id: str) -> User | None:
    """The session's user, while the session stands: the user active, the
    session's version theirs, the login not older than the maximum age."""
    number = whole_number(user_id, max_digits=18)
    user = db.session.get(User, number) if number is not None else None
    return user if user is not None and user.active and _session_stands(user) else None


def _session_stands(user: User) -> bool:
    version, since = session.get(SESSION_VERSION), session.get(LOGGED_IN_AT)
    if not isinstance(version, int) or not isinstance(since, int):
        return False
    age = utcnow().timestamp() - since
    return version == user.session_version and age <= current_app.config["HOTLINE_SESSION_MAX_AGE_SECONDS"]


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _password_matches(password_hash: str | None, password: str) -> bool:
    return check_password_hash(password_hash or _dummy_hash(), password)


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None. An unknown or
    deactivated user costs the same hash check as a wrong password, so neither
    the answer nor its time tells which usernames exist.

    The check runs off the event loop (hotline/core/offload.py), at most
    HOTLINE_PASSWORD_CHECKS at once per process, after the read's transaction has
    ended: logins waiting their turn hold no database connection a webhook needs."""
    # PostgreSQL text cannot hold NUL; no username has one, so no need to ask.
    known = "\x00" not in username
    user = db.session.scalars(select(User).where(User.username == username)).first() if known else None
    db.session.commit()
    matches = off_the_loop(
        current_app.config["HOTLINE_PASSWORD_CHECKS"],
        _password_matches,
        user.password_hash if user else None,
        password,
    )
    return user if user is not None and user.active and matches else None


def role_required(*roles: str) -> Callable:
    """Only logged-in users with one of `roles`: anyone else logged in gets 403,
    nobody logged in goes to the login page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, description="your role may not open this page")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def token_digest(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is as good as a slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, username: str | None = None) -> str:
    """Create an API token and return it; only its digest is kept. With a
    username the token acts as that (active) user; without, it only reads."""
    user = user_named(username) if username is not None else None
    if user is not None and not user.active:
        raise UserInactive(f"the user {username!r} is deactivated")
    token = "hl_" + secrets.token_urlsafe(32)
    record = ApiToken(name=name, token_hash=token_digest(token), user_id=user.id if user else None)
    db.session.add(record)
    db.session.flush()
    audit.record(audit.SYSTEM, "token.created", "api_token", record.id, name=name, user_id=record.user_id)
    db.session.commit()
    return token


def revoke_token(name: str) -> int:
    """Revoke every unrevoked token with this name; returns how many.

    Names are not unique. Revoking all of them is the safer choice: whoever
    revokes believes a credential must stop working, and refusing would leave
    a possibly leaked token valid, while revoking one too many costs only a
    new token for its owner. The count tells the admin what happened.
    """
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    ).all()
    if not tokens:
        raise UnknownToken(f"no unrevoked API token named {name!r}")
    revoke_tokens(tokens, reason="revoked by name")
    db.session.commit()
    return len(tokens)


def find_token(token: str) -> tuple[ApiToken, User | None] | None:
    """The token and its user, if the token is unrevoked and its user (if any)
    is active. Joining the user refuses a deactivated user's token even when a
    token was created while the deactivation committed and so escaped it.
    A token is ASCII: other text (a Socket.IO `auth` payload may hold a lone
    surrogate, which cannot even be hashed) is no token's."""
    if not token.isascii():
        return None
    return _token_in_force(ApiToken.token_hash == token_digest(token))


def token_in_force(token_id: int) -> tuple[ApiToken, User | None] | None:
    """As find_token, by the token's id: for a connection made with it, asked again."""
    return _token_in_force(ApiToken.id == token_id)


def _token_in_force(which) -> tuple[ApiToken, User | None] | None:
    row = db.session.execute(
        select(ApiToken, User)
        .outerjoin(User, ApiToken.user_id == User.id)
        .where(which, ApiToken.revoked_at.is_(None), or_(ApiToken.user_id.is_(None), User.active.is_(True)))
    ).first()
    return (row[0], row[1]) if row else None


def touch_token(token_id: int, now: datetime) -> bool:
    """Record that a token was used, at most once per TOKEN_TOUCH_INTERVAL.

    One conditional UPDATE in its own short transaction on its own connection,
    with a lock timeout of TOKEN_TOUCH_TIMEOUT_MS: when the database is busy
    the write is skipped and the request goes on. Returns whether it wrote.
    """
    statement = (
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_TOUCH_INTERVAL),
        )
        .values(last_used_at=now)
    )
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            connection.exec_driver_sql(f"PRAGMA busy_timeout={TOKEN_TOUCH_TIMEOUT_MS}")
        else:
            connection.execute(text(f"SET LOCAL lock_timeout = {TOKEN_TOUCH_TIMEOUT_MS}"))
        try:
            written = connection.execute(statement).rowcount == 1
            connection.commit()
        except OperationalError as error:
            connection.rollback()
            log.info("API token %s: last_used_at not written (%s)", token_id, type(error.orig).__name__)
            written = False
        finally:
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={previous}")
    return written


def token_required(view: Callable | None = None, *, write: bool = False):
    """Bearer-token authentication for the JSON API: 401 without a valid token;
    with write=True, 403 for an integration's (read-only) token. Sets
    g.api_token and g.api_user (None for an integration's token)."""
    if view is None:
        return lambda view: token_required(view, write=write)

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, description="send an API token: Authorization: Bearer <token>")
        found = find_token(token.strip())
        if found is None:
            abort(401, description="the API token is unknown or revoked")
        g.api_token, g.api_user = found
        touch_token(g.api_token.id, utcnow())
        if write and g.api_user is None:
            abort(403, description="this token is read-only")
        return view(*args, **kwargs)

    return wrapper
