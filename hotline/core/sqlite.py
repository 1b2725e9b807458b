"""SQLite's settings on every connection the app opens: WAL, synchronous=NORMAL,
foreign keys, a short busy timeout, and (in the gevent web process) checkpoints
left to `wal`'s thread. Registered when imported (the factory imports it).

In the gevent web process a write that finds another process holding the
lock (the worker's sweep, a CLI command) waits inside SQLite only briefly:
that wait is a sleep in C on the one thread every request shares, and stops
them all. Its connections' busy timeout is BUSY_STALL_MS; a statement still
refused is tried again after jittered gevent sleeps, so the other requests go
on meanwhile, within the same SQLITE_BUSY_TIMEOUT_MS. A refused statement has
done nothing; a transaction begun for it alone is begun again.

Measured (bench/README.md): without the short wait in C, at saturation some
writes were refused for 2 s and failed, the lock being taken by the process's
other requests between the tries; SQLite's own retry, which runs while nothing
else of the process can, takes the lock as soon as it is free.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

from hotline.core import wal

# How long a write waits for SQLite's lock: our own write transactions take
# milliseconds, a lock held longer is another process's (a migration, a shell), and
# a request must end well inside gunicorn's 14 s. In the gevent web process all but
# BUSY_STALL_MS of the wait is gevent sleeps, which stop no other request.
SQLITE_BUSY_TIMEOUT_MS = 2000
BUSY_STALL_MS = 5  # the gevent web process waits this long inside SQLite, then with gevent sleeps
BUSY_FIRST_PAUSE = 0.0005  # seconds; doubled on each refusal, up to BUSY_LONGEST_PAUSE
BUSY_LONGEST_PAUSE = 0.01
_PATIENCE = "hotline_busy_timeout_ms"  # a connection's own wait, set by `busy_timeout`


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """WAL and synchronous=NORMAL: readers never block the webhook that writes."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        busy_timeout = BUSY_STALL_MS if wal.cooperative() else SQLITE_BUSY_TIMEOUT_MS
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.close()
        wal.tune_connection(dbapi_connection)


@event.listens_for(Engine, "do_execute")
def _execute(cursor, statement, parameters, context) -> bool | None:
    return _waiting_cooperatively(cursor, cursor.execute, statement, parameters, context)


@event.listens_for(Engine, "do_executemany")
def _executemany(cursor, statement, parameters, context) -> bool | None:
    return _waiting_cooperatively(cursor, cursor.executemany, statement, parameters, context)


def _waiting_cooperatively(cursor, run, statement, parameters, context) -> bool | None:
    """Run the statement, trying again after a gevent sleep while SQLite says
    busy; None (SQLAlchemy runs it as usual) outside the gevent web process."""
    if not isinstance(cursor, sqlite3.Cursor) or not wal.cooperative():
        return None
    from gevent import sleep

    patience = context.root_connection.info.get(_PATIENCE, SQLITE_BUSY_TIMEOUT_MS) / 1000
    deadline = time.monotonic() + patience
    pause = BUSY_FIRST_PAUSE
    fresh = not cursor.connection.in_transaction
    while True:
        try:
            run(statement, parameters)
            return True
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() + pause > deadline:
                raise
            if fresh and cursor.connection.in_transaction:
                # The transaction begun for this statement holds nothing yet, but its
                # snapshot would keep it refused: begin it again on the next try.
                cursor.connection.rollback()
        # Jittered, so the tries do not fall into step with a writer that takes the lock periodically.
        sleep(random.uniform(pause / 2, pause))
        pause = min(pause * 2, BUSY_LONGEST_PAUSE)


@contextmanager
def busy_timeout(connection: Connection, milliseconds: int) -> Iterator[None]:
    """Wait at most `milliseconds` for the write lock on `connection`, not
    SQLITE_BUSY_TIMEOUT_MS, while inside (in the gevent web process too)."""
    if wal.cooperative():
        connection.info[_PATIENCE] = milliseconds
        try:
            yield
        finally:
            connection.info.pop(_PATIENCE, None)
        return
    usual = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout={milliseconds}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(usual)}")
