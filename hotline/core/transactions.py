"""Transactions: who commits, and SAVEPOINTs that stay inside the session's
transaction, on SQLite as on PostgreSQL.

Who commits, everywhere the same: a service that carries out one whole step
(a webhook's, an operator's action, one sweep rule) is the unit of work and
commits its own transaction, retried by `calls.service.conditional` when
another writer changed the call first; only after the commit does it publish
events, offer on or ask the phone network. What it calls on the way says
"part of the caller's transaction" and never commits (`calls.stages.transition`,
`operators.presence.move`, `cases.timeline.record`, `audit.record`). Views parse,
call one service and answer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.dialects import postgresql, sqlite

from hotline.extensions import db


@contextmanager
def savepoint() -> Iterator[None]:
    """A SAVEPOINT in the session's transaction: a failed insert inside it is
    undone alone and the rest of the transaction goes on.

    Python's sqlite3 opens a transaction only at the first INSERT, UPDATE or
    DELETE (reads before it take no lock, which is what lets many processes
    share the file). A SAVEPOINT issued before that would itself open the
    transaction, and releasing it would commit everything so far. So on SQLite
    the transaction is begun first, still deferred: the write lock is taken,
    waiting up to busy_timeout, by the first write inside.
    """
    connection = db.session.connection()
    driver = connection.connection.dbapi_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with db.session.begin_nested():
        # The session emits SAVEPOINT lazily, on its next use of the connection:
        # now, so statements run on `connection` directly are inside it too.
        db.session.connection()
        yield


def one_at_a_time(name: str) -> None:
    """Writers that pass here with the same `name` commit in the order they
    pass: on PostgreSQL a transaction-scoped advisory lock, held to the commit
    or rollback; SQLite's one write lock already does it from a transaction's
    first write. Take it after that first write and just before the insert
    whose id must follow the commit order."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%(name)s))", {"name": name})


def dialect_insert(dialect: str):
    """The INSERT construct with ON CONFLICT of the database `dialect` names
    (PostgreSQL's, else SQLite's): both spell the upsert the same."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
