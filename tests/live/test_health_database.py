"""/healthz reports a database that cannot take a write within a second.

SQLite whatever DATABASE_URL says: the lock is held by another process, a real
sqlite3 connection in a subprocess, as a backup, a shell or a second app would."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from hotline.core.sqlite import SQLITE_BUSY_TIMEOUT_MS
from hotline.extensions import db

HOLD_THE_WRITE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    path = tmp_path / "hotline.db"
    return make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"), path


def test_healthz_says_busy_while_another_process_holds_the_write_lock(sqlite_app):
    app, path = sqlite_app
    client = app.test_client()
    assert client.get("/healthz").json["database"] == "ok"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started
        assert response.status_code == 503
        assert response.json == {"status": "unavailable", "database": "busy", "redis": "ok"}
        assert 0.5 < waited < 3
    finally:
        holder.communicate("release\n", timeout=10)
    assert holder.returncode == 0
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_the_probe_leaves_the_usual_busy_timeout(sqlite_app):
    app, _path = sqlite_app
    assert app.test_client().get("/healthz").status_code == 200
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
