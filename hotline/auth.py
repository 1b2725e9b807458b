"""Users, roles, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from functools import wraps

from flask import Flask, abort, g, request
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from hotline import audit
from hotline.extensions import db, login_manager
from hotline.models import ApiToken, Role, User, utcnow


class UserExists(ValueError):
    pass


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_user)


def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


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


def token_digest(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is as good as a slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str) -> str:
    """Create an API token and return it; only its digest is kept."""
    token = "hl_" + secrets.token_urlsafe(32)
    record = ApiToken(name=name, token_hash=token_digest(token))
    db.session.add(record)
    db.session.flush()
    audit.record(audit.SYSTEM, "token.created", "api_token", record.id, name=name)
    db.session.commit()
    return token


def find_token(token: str, now: datetime) -> ApiToken | None:
    record = db.session.scalars(
        select(ApiToken).where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
    ).first()
    if record is not None:
        record.last_used_at = now
        db.session.commit()
    return record


def token_required(view):
    """Bearer-token authentication for the JSON API: 401 without a valid token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            abort(401, description="send an API token: Authorization: Bearer <token>")
        record = find_token(token.strip(), utcnow())
        if record is None:
            abort(401, description="the API token is unknown or revoked")
        g.api_token = record
        return view(*args, **kwargs)

    return wrapper
