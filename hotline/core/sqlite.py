"""SQLite's settings on every connection the app opens: WAL, synchronous=NORMAL,
foreign keys, a short busy timeout, and (in the gevent web process) checkpoints
left to `wal`'s thread. Registered when imported (the factory imports it)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from hotline.core import wal

# How long a write waits for SQLite's lock. The wait is C code that blocks the whole
# gevent worker, so it stays short: our own write transactions take milliseconds, a
# lock held longer is another process's (a migration, a shell), and a few such waits
# in a row must stay well inside gunicorn's 14 s before it kills the worker.
SQLITE_BUSY_TIMEOUT_MS = 2000


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """WAL and synchronous=NORMAL: readers never block the webhook that writes."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        wal.tune_connection(dbapi_connection)
