"""hotline/core/wal.py: the gevent web process's commits leave WAL checkpoints to a thread of their own."""

from __future__ import annotations

import sqlite3
import time

import pytest

from hotline.core import wal


def _wal_database(path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE hit (id INTEGER PRIMARY KEY, sid TEXT UNIQUE)")
    for n in range(200):
        connection.execute("INSERT INTO hit (sid) VALUES (?)", (f"CA{n:032x}",))
        connection.commit()
    return connection


def test_a_checkpoint_copies_the_log_back_and_blocks_no_writer(tmp_path):
    path = tmp_path / "wal.db"
    writer = _wal_database(path)
    checkpointer = sqlite3.connect(path)

    busy, logged, copied = wal.checkpoint(checkpointer)
    writer.execute("INSERT INTO hit (sid) VALUES ('CAlast')")
    writer.commit()

    assert (busy, copied) == (0, logged) and logged > 0
    assert checkpointer.execute("SELECT count(*) FROM hit").fetchone()[0] == 201


@pytest.mark.parametrize(("restart_pages", "restarted"), [(100, True), (10_000, False)])
def test_a_long_log_copied_back_in_full_is_started_over(tmp_path, monkeypatch, restart_pages, restarted):
    """Under steady writes the log never restarts by itself (each commit lands
    while a checkpoint copies): a RESTART holds writers off for the moment it
    takes, so the next commit begins the log again (bench/README.md)."""
    monkeypatch.setattr(wal, "RESTART_PAGES", restart_pages)
    path = tmp_path / "wal.db"
    _wal_database(path)
    checkpointer = wal.connect(str(path))
    ran = []
    checkpointer.set_trace_callback(ran.append)

    busy, logged, copied = wal.checkpoint(checkpointer)

    assert (busy, copied) == (0, logged) and logged > 100
    assert ("PRAGMA wal_checkpoint(RESTART)" in ran) is restarted


def test_a_restart_gives_up_at_once_while_someone_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(wal, "RESTART_PAGES", 100)
    path = tmp_path / "wal.db"
    writer = _wal_database(path)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM hit").fetchone()  # holds a snapshot that uses the log
    checkpointer = wal.connect(str(path))

    started = time.monotonic()
    busy, logged, _copied = wal.checkpoint(checkpointer)
    gave_up_after = time.monotonic() - started
    writer.execute("INSERT INTO hit (sid) VALUES ('CAnext')")
    writer.commit()

    assert busy == 1 and gave_up_after < 0.5  # SQLite's default would wait 5 s, writers held off
    assert checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1] > logged  # the log goes on
    reader.execute("COMMIT")


def test_only_the_gevent_web_process_leaves_its_commits_unchecked(tmp_path, monkeypatch):
    connection = sqlite3.connect(tmp_path / "tuned.db")
    wal.tune_connection(connection)
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # SQLite's own

    monkeypatch.setattr(wal, "cooperative", lambda: True)
    wal.tune_connection(connection)
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == wal.FALLBACK_PAGES


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////srv/hotline/hotline.db", "/srv/hotline/hotline.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://postgres@127.0.0.1/test", None),
    ],
)
def test_the_checkpointer_is_for_a_sqlite_file(url, path):
    app = type("App", (), {"config": {"SQLALCHEMY_DATABASE_URI": url}})()
    assert wal.database_path(app) == path


def test_no_thread_outside_gevent(tmp_path):
    app = type("App", (), {"config": {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}})()
    assert wal.start_checkpointer(app) is False


def test_a_failing_checkpoint_is_logged_once(tmp_path, caplog, monkeypatch):
    sleeps = iter(range(4))

    def sleep(_seconds):
        if next(sleeps, None) is None:
            raise StopIteration  # end the loop after four rounds

    monkeypatch.setattr(
        wal, "checkpoint", lambda _c: (_ for _ in ()).throw(sqlite3.OperationalError("locked"))
    )
    with pytest.raises(StopIteration):
        wal.checkpoint_forever(str(tmp_path / "f.db"), sleep)
    assert [r.message for r in caplog.records].count(
        "WAL checkpoint failed (OperationalError); retrying every 0.2 s"
    ) == 1
