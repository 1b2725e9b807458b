"""The bench's database: a fresh SQLite file or a schema of its own in PostgreSQL, and the
calls the webhooks need (bench/keeper.py holds the number waiting)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from bench.models import BenchBase
from bench.processes import ROOT

PG_SCHEMA = "hotline_bench"
APPLICATION_NAME = "hotline-bench"  # PostgreSQL's name for the bench's connections (pg_stat_activity)
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")


@dataclass
class Database:
    label: str
    url: str  # what DATABASE_URL is set to
    engine: Engine
    cleanup: list = field(default_factory=list)


def sqlite_database(workdir: Path) -> Database:
    url = f"sqlite:///{workdir / 'hotline-bench.db'}"
    return Database("SQLite (WAL, synchronous=NORMAL)", url, create_engine(url))


def postgres_database(given: str) -> Database:
    """The hotline's tables in a schema of their own (dropped and made anew), so
    the bench never touches the tables that the test suite keeps in `public`."""
    url = make_url(given.replace("postgres://", "postgresql://", 1))
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        version = connection.execute(text("SHOW server_version")).scalar()
        synchronous_commit = connection.execute(text("SHOW synchronous_commit")).scalar()
    in_schema = url.update_query_dict(
        {"options": f"-csearch_path={PG_SCHEMA}", "application_name": APPLICATION_NAME}
    )
    database = Database(
        f"PostgreSQL {version.split()[0]} (schema {PG_SCHEMA}, synchronous_commit={synchronous_commit})",
        in_schema.render_as_string(hide_password=False),
        create_engine(in_schema),
    )

    def drop() -> None:
        database.engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()

    database.cleanup.append(drop)
    return database


def migrate(env: dict[str, str], database: Database) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "hotline", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{completed.stdout}\n{completed.stderr}")
    BenchBase.metadata.create_all(database.engine)


def calls_at(engine: Engine, source: str) -> list[str]:
    """CallSids of the calls a webhook can be sent for: not ended, at stage `source`;
    or, for "open" (status), every call not ended and not waiting (the callers waiting
    are held by bench/keeper.py), those that left the queue first."""
    final = ", ".join(f"'{s}'" for s in FINAL_STATUSES)
    if source == "open":
        sql = (
            f'SELECT call_sid FROM "call" WHERE status NOT IN ({final}) '
            "AND stage NOT IN ('queued', 'offered') "
            "ORDER BY CASE stage WHEN 'left_queue' THEN 0 ELSE 1 END, id"
        )
    else:
        sql = (
            f"SELECT call_sid FROM \"call\" WHERE stage = '{source}' AND status NOT IN ({final}) ORDER BY id"
        )
    with engine.connect() as connection:
        return list(connection.execute(text(sql)).scalars())


def waiting(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM \"call\" WHERE stage = 'queued'")).scalar()
