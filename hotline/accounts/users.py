"""Users: creating and deactivating them, their skills, languages, own phone and
console language. Passwords are hashed with werkzeug's default (scrypt)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from hotline import audit, events
from hotline.core import phones
from hotline.extensions import db
from hotline.models import ApiToken, OperatorLanguage, OperatorSkill, QueueName, Role, User, utcnow

# The languages an operator may speak with callers; the console speaks the same three.
LANGUAGES = ("kk", "ru", "en")


class UserExists(ValueError):
    pass


class UnknownUser(LookupError):
    pass


class UserInactive(ValueError):
    pass


class UnknownQueue(ValueError):
    pass


class UnknownLanguage(ValueError):
    pass


def _checked(values: Iterable[str], allowed: Iterable[str], error: type[ValueError], what: str) -> list[str]:
    allowed = list(allowed)
    chosen = list(dict.fromkeys(value.strip() for value in values if value.strip()))
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise error(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return chosen


def create_user(
    username: str,
    role: Role,
    password: str | None = None,
    *,
    queues: Iterable[str] = (),
    languages: Iterable[str] = (),
    phone: str | None = None,
    actor: str = audit.SYSTEM,
) -> tuple[User, str]:
    """Create a user with their skills, languages and own phone. Everything is
    checked before anything is written. Returns the user and the password
    (generated when none is given)."""
    skills = _checked(queues, [q.value for q in QueueName], UnknownQueue, "queue")
    spoken = _checked(languages, LANGUAGES, UnknownLanguage, "language")
    vault = current_app.extensions["phone_vault"]
    number = _own_number(phone) if phone is not None else None
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise UserExists(f"a user named {username!r} exists already")
    password = password or secrets.token_urlsafe(12)
    user = User(
        username=username,
        role=role,
        password_hash=generate_password_hash(password),
        phone_encrypted=vault.encrypt(number) if number else None,
        skills=[OperatorSkill(queue=queue) for queue in skills],
        languages=[OperatorLanguage(language=language) for language in spoken],
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise UserExists(f"a user named {username!r} exists already") from None
    audit.record(actor, "user.created", "user", user.id, role=str(role), queues=skills, languages=spoken)
    db.session.commit()
    return user, password


def _own_number(phone: str) -> str:
    """A user's own number in E.164; a withheld one is no number at all."""
    return phones.dialable(phone, current_app.extensions["phone_vault"].default_region)


def update_user(
    user: User,
    *,
    role: Role,
    queues: Iterable[str],
    languages: Iterable[str],
    interface_language: str | None,
    phone: str | None = None,
    remove_phone: bool = False,
    actor: str = audit.SYSTEM,
) -> None:
    """Change a user's role, skills, languages, console language and own phone
    (None keeps it). Everything is checked before anything is written; the audit
    record names what changed, never the number."""
    skills = _checked(queues, [q.value for q in QueueName], UnknownQueue, "queue")
    spoken = _checked(languages, LANGUAGES, UnknownLanguage, "language")
    if interface_language is not None and interface_language not in LANGUAGES:
        raise UnknownLanguage(f"unknown language: {interface_language}")
    number = _own_number(phone) if phone is not None else None
    changed: dict[str, object] = {}
    if user.role != role:
        user.role = role
        changed["role"] = str(role)
    if set(skills) != {skill.queue for skill in user.skills}:
        user.skills = [OperatorSkill(queue=queue) for queue in skills]
        changed["queues"] = sorted(skills)
    if set(spoken) != set(user.language_codes):
        user.languages = [OperatorLanguage(language=language) for language in spoken]
        changed["languages"] = sorted(spoken)
    if user.language != interface_language:
        user.language = interface_language
        changed["interface_language"] = interface_language
    if number is not None:
        user.phone_encrypted = current_app.extensions["phone_vault"].encrypt(number)
        changed["phone"] = "changed"
    elif remove_phone and user.phone_encrypted is not None:
        user.phone_encrypted = None
        changed["phone"] = "removed"
    if changed:
        audit.record(actor, "user.updated", "user", user.id, **changed)
    db.session.commit()


def masked_phone(user: User) -> str | None:
    """The user's own number as a screen may show it (last two digits), or None."""
    if user.phone_encrypted is None:
        return None
    return phones.mask(current_app.extensions["phone_vault"].decrypt(user.phone_encrypted))


def set_interface_language(user: User, language: str | None) -> None:
    """The console's language for this user; None follows the browser."""
    if language is not None and language not in LANGUAGES:
        raise UnknownLanguage(f"unknown language: {language}")
    user.language = language
    db.session.commit()


def user_named(username: str) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise UnknownUser(f"no user named {username!r}")
    return user


def end_sessions(user_id: int) -> None:
    """End every browser session of this user (hotline.accounts.auth refuses a
    session of an older version) and, once the caller commits, their consoles'
    live connections."""
    db.session.execute(
        update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
    )
    events.access_ended([events.user_room(user_id)])


def deactivate_user(username: str, actor: str = audit.SYSTEM) -> int:
    """Deactivate a user, end their sessions and revoke their API tokens, in one
    transaction; their live connections are closed after it commits. Returns how
    many tokens were revoked. The update is conditional, so of two deactivations
    at once only one writes its audit records."""
    user = user_named(username)
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.active.is_(True))
        .values(active=False, session_version=User.session_version + 1)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise UserInactive(f"the user {username!r} is deactivated already")
    events.access_ended([events.user_room(user.id)])
    audit.record(actor, "user.deactivated", "user", user.id)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    revoke_tokens(tokens, reason="user deactivated", actor=actor)
    db.session.commit()
    return len(tokens)


def revoke_tokens(tokens: list[ApiToken], reason: str, actor: str = audit.SYSTEM) -> None:
    """Revoke the tokens; the live screens connected with them are closed once the caller commits."""
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
        audit.record(actor, "token.revoked", "api_token", token.id, name=token.name, reason=reason)
    events.access_ended([events.token_room(token.id) for token in tokens])
