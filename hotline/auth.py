"""Users, roles, passwords and API tokens.

A token with a user acts as that user; a token without one (an integration's)
only reads. A token works only while it is unrevoked and its user is active.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, abort, g, request
from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import generate_password_hash

from hotline import audit
from hotline.extensions import db, login_manager
from hotline.models import ApiToken, Role, User, utcnow
from hotline.parsing import whole_number

log = logging.getLogger(__name__)

# last_used_at is a hint for admins, not a record: written at most this often,
# and given up when the database cannot take the write at once.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_TOUCH_TIMEOUT_MS = 100


class UserExists(ValueError):
    pass


class UnknownUser(LookupError):
    pass


class UserInactive(ValueError):
    pass


class UnknownToken(LookupError):
    pass


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)


def _load_user(user_id: str) -> User | None:
    number = whole_number(user_id, max_digits=18)
    return db.session.get(User, number) if number is not None else None


def create_user(username: str, role: Role, password: str | None = None) -> tuple[User, str]:
    """Create a user. Returns the user and the password (generated when none is given)."""
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise UserExists(f"a user named {username!r} exists already")
    password = password or secrets.token_urlsafe(12)
    user = User(username=username, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record(audit.SYSTEM, "user.created", "user", user.id, role=str(role))
    db.session.commit()
    return user, password


def _user_named(username: str) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise UnknownUser(f"no user named {username!r}")
    return user


def deactivate_user(username: str) -> int:
    """Deactivate a user and revoke their API tokens, in one transaction.
    Returns how many tokens were revoked. The update is conditional, so of two
    deactivations at once only one writes its audit records."""
    user = _user_named(username)
    changed = db.session.execute(
        update(User).where(User.id == user.id, User.active.is_(True)).values(active=False)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise UserInactive(f"the user {username!r} is deactivated already")
    audit.record(audit.SYSTEM, "user.deactivated", "user", user.id)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    _revoke(tokens, reason="user deactivated")
    db.session.commit()
    return len(tokens)


def token_digest(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is as good as a slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, username: str | None = None) -> str:
    """Create an API token and return it; only its digest is kept. With a
    username the token acts as that (active) user; without, it only reads."""
    user = _user_named(username) if username is not None else None
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
    _revoke(tokens, reason="revoked by name")
    db.session.commit()
    return len(tokens)


def _revoke(tokens: list[ApiToken], reason: str) -> None:
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
        audit.record(audit.SYSTEM, "token.revoked", "api_token", token.id, name=token.name, reason=reason)


def find_token(token: str) -> tuple[ApiToken, User | None] | None:
    """The token and its user, if the token is unrevoked and its user (if any)
    is active. Joining the user refuses a deactivated user's token even when a
    token was created while the deactivation committed and so escaped it."""
    row = db.session.execute(
        select(ApiToken, User)
        .outerjoin(User, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == token_digest(token),
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.user_id.is_(None), User.active.is_(True)),
        )
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
