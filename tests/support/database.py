"""The test database: the tables the migrations seed, and emptying or counting the rest."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import create_engine, event, func, select

from hotline.extensions import db
from hotline.models import AuditRecord, Call, Callback, Caller, Case

# Tables whose rows the migrations seed: kept between tests (tests only read them).
SEEDED_BY_MIGRATIONS = frozenset({"disposition"})


def empty_tables() -> None:
    """Every table but those the migrations seed (the wrap-up's codes), in an app context:
    for a property test's examples, which share one test's database."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in SEEDED_BY_MIGRATIONS:
            db.session.execute(table.delete())
    db.session.commit()


def row_counts() -> list[int]:
    """How many calls, callers, cases, callbacks and audit records there are."""
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Call, Caller, Case, Callback, AuditRecord)
    ]


def empty(database_url: str, redis_url: str) -> None:
    """Every table but the seeded ones emptied, and Redis: the state a test starts from."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in SEEDED_BY_MIGRATIONS:
                connection.execute(table.delete())
    engine.dispose()
    Redis.from_url(redis_url).flushdb()


def statements_run(app, request) -> tuple[int, object]:
    """How many SQL statements `request()` (a call into the app) runs, and what it returned."""
    counted = []
    with app.app_context():
        engine = db.engine

    def listener(*args) -> None:
        counted.append(1)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        answer = request()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(counted), answer
