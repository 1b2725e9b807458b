"""GET /healthz: can the database take a write within a second, is Redis reachable.

A database that answers reads but cannot take a write (SQLite locked by another
process, PostgreSQL with a lock or a load that stalls writes) loses every
webhook that writes: it is reported as "busy", not "ok". The probe writes
nothing: it takes the write lock, or a transaction id, and rolls back.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hotline.api.openapi import documented
from hotline.api.schemas import HealthSchema
from hotline.core import sqlite
from hotline.extensions import db

bp = Blueprint("health", __name__)

PROBE_MILLISECONDS = 1000
SQLITE_BUSY = 5
# PostgreSQL's lock_not_available and query_canceled: lock_timeout and statement_timeout.
POSTGRESQL_TIMEOUTS = frozenset({"55P03", "57014"})


@bp.get("/healthz")
@documented(
    "Whether the database takes a write and Redis answers",
    {200: HealthSchema, 503: HealthSchema},
    token=False,
)
def healthz():
    checks = {"database": database_state(), "redis": "ok"}
    try:
        current_app.extensions["redis"].ping()
    except RedisError:
        checks["redis"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    answer = HealthSchema().dump({"status": "ok" if healthy else "unavailable", **checks})
    return jsonify(answer), 200 if healthy else 503


def database_state() -> str:
    """ "ok", "busy" (no write within a second) or "unreachable"."""
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _probe_sqlite(connection)
            else:
                _probe_postgresql(connection)
    except OperationalError as error:
        return "busy" if _timed_out(error) else "unreachable"
    except SQLAlchemyError:
        return "unreachable"
    return "ok"


def _probe_sqlite(connection: Connection) -> None:
    """Take the write lock, waiting at most a second for it (as any write waits:
    in the gevent web process, without stopping the other requests)."""
    with sqlite.busy_timeout(connection, PROBE_MILLISECONDS):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.exec_driver_sql("ROLLBACK")


def _probe_postgresql(connection: Connection) -> None:
    """Ask for a transaction id (what a write needs first), within a second."""
    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {PROBE_MILLISECONDS}")
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {PROBE_MILLISECONDS}")
    connection.exec_driver_sql("SELECT txid_current()")
    connection.rollback()


def _timed_out(error: OperationalError) -> bool:
    cause = error.orig
    if getattr(cause, "sqlite_errorcode", None) == SQLITE_BUSY:
        return True
    return getattr(cause, "sqlstate", None) in POSTGRESQL_TIMEOUTS
