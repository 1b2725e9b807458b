"""Recording a call on its first webhook: the caller found by a keyed hash of
their number (or a new caller), and the call's row.

`incoming` is the webhook every call starts with and the busiest: it runs
statements built once on the session's connection, past the ORM's unit of work.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from hotline.core.phones import InvalidNumber, PhoneVault, normalise
from hotline.extensions import db
from hotline.models import Call, Caller, CallerBlock

log = logging.getLogger(__name__)


class CallNotRecorded(RuntimeError):
    """The first webhook's insert conflicted again after a retry: not a retried
    webhook nor a new caller's row, so something else is wrong."""


# Neither the ORM's execution path nor its unit of work: close to the cost of a single insert.
_CALLER_BY_HASH = select(Caller.id).where(Caller.number_hash == bindparam("digest"))
# The same look, and whether the caller is blocked now: the block check costs the
# webhook nothing more for the callers who are not (cases.blocks reads the block).
_CALLER_AND_BLOCK_BY_HASH = select(
    Caller.id,
    exists().where(
        CallerBlock.caller_id == Caller.id,
        CallerBlock.lifted_at.is_(None),
        CallerBlock.until > bindparam("now"),
    ),
).where(Caller.number_hash == bindparam("digest"))
_NEW_CALLER = insert(Caller).returning(Caller.id)
_NEW_CALL = insert(Call)
_CALL_LANGUAGE = select(Call.language).where(Call.call_sid == bindparam("call_sid"))


def _caller_id(from_number: str | None, vault: PhoneVault, now: datetime) -> tuple[int, bool]:
    """The caller's id, a new caller's if the number is new or withheld, and
    whether they are blocked now (a new or withheld caller cannot be)."""
    try:
        e164 = normalise(from_number, vault.default_region)
    except InvalidNumber:
        # A SIP or client identity, not a number: treated like a withheld one.
        e164 = None
    connection = db.session.connection()
    if e164 is None:
        return connection.scalar(_NEW_CALLER, {"created_at": now}), False
    digest = vault.digest(e164)
    known = connection.execute(_CALLER_AND_BLOCK_BY_HASH, {"digest": digest, "now": now}).first()
    if known is not None:
        return known[0], known[1]
    caller_id = connection.scalar(
        _NEW_CALLER,
        {"number_hash": digest, "number_encrypted": vault.encrypt(e164), "created_at": now},
    )
    return caller_id, False


def caller_for_number(e164: str, vault: PhoneVault, now: datetime) -> int:
    """The id of the caller with the number `e164`, a new caller's if none has it yet;
    part of the caller's transaction. Race-safe: two requests at once for a new number
    make one caller, since the insert does nothing on the unique hash (PostgreSQL waits
    for the other transaction, SQLite has one writer) and the look-up after it finds
    the row the other one wrote."""
    digest = vault.digest(e164)
    connection = db.session.connection()
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    new_caller = (
        dialect_insert(Caller)
        .values(number_hash=digest, number_encrypted=vault.encrypt(e164), created_at=now)
        .on_conflict_do_nothing(index_elements=[Caller.number_hash])
        .returning(Caller.id)
    )
    caller_id = connection.scalar(_CALLER_BY_HASH, {"digest": digest})
    if caller_id is None:
        caller_id = connection.scalar(new_caller)
    if caller_id is None:
        caller_id = connection.scalar(_CALLER_BY_HASH, {"digest": digest})
    return caller_id


def record_incoming(
    call_sid: str, from_number: str | None, vault: PhoneVault, now: datetime, language: str | None = None
) -> tuple[str | None, bool, bool]:
    """Record the call `call_sid` on first sight. Returns (the call's language
    if known, created, maybe blocked: the caller is blocked now, or the call was
    recorded before and the block is to be looked up). `language` is set when
    there is only one, so no menu asks.

    The insert comes first and the unique CallSid catches a retried webhook:
    retries are rare, and a look-up before every insert would cost each call.
    A conflict means another transaction committed the row we collided with
    (PostgreSQL reports it only once that one commits; SQLite has one writer at
    a time), so one retry sees it: the call, or the new caller's row.
    """
    for _ in range(2):
        try:
            caller_id, blocked = _caller_id(from_number, vault, now)
            db.session.connection().execute(
                _NEW_CALL,
                {
                    "call_sid": call_sid,
                    "caller_id": caller_id,
                    "started_at": now,
                    "status": "ringing",
                    "language": language,
                },
            )
            db.session.commit()
        except IntegrityError as error:
            # A retried webhook, or a new caller's first two calls at once: the
            # other transaction won, so use what it wrote.
            db.session.rollback()
            existing = db.session.execute(_CALL_LANGUAGE, {"call_sid": call_sid}).first()
            if existing is not None:
                return existing.language, False, True
            conflict = error
            continue
        log.info("call %s arrived", call_sid)
        return language, True, blocked
    raise CallNotRecorded(f"call {call_sid}: still conflicting after a retry") from conflict
