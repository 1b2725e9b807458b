"""The gevent web process on SQLite waits for another process's write lock without
stopping its other requests (hotline/core/sqlite.py): the wait is a gevent sleep,
not SQLite's sleep in C on the one thread that every request shares."""

from __future__ import annotations

import sqlite3
import threading
import time

import requests
from flask_migrate import upgrade
from sqlalchemy import func, select

from hotline import create_app
from hotline.extensions import db
from hotline.models import Call
from tests.support.calls import HOTLINE, Http, TwilioWebhooks
from tests.support.servers import web_processes

HELD_SECONDS = 1.0


def _migrated_sqlite(path, redis_url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": redis_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


def test_a_write_waiting_for_the_lock_stops_no_other_request(tmp_path, redis_url):
    """A sweep or a CLI command in another process holds the write lock; a webhook
    that must write waits for it, and meanwhile the process still answers."""
    path = tmp_path / "hotline.db"
    app = _migrated_sqlite(path, redis_url)
    with web_processes(1, f"sqlite:///{path}", redis_url, tmp_path) as (web,):
        webhooks = TwilioWebhooks(Http(web.url), base_url=web.url)
        call_sid = webhooks.new_call_sid()
        answered: dict[str, object] = {}

        def ring() -> None:
            fields = {"CallSid": call_sid, "From": "+77015550101", "To": HOTLINE, "CallStatus": "ringing"}
            answered["status"] = webhooks.post("/telephony/voice/incoming", fields).status_code
            answered["at"] = time.monotonic()

        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        held_at = time.monotonic()
        pages: list[tuple[int, float, bool]] = []  # (status, seconds, webhook still waiting)
        try:
            webhook = threading.Thread(target=ring)
            webhook.start()
            # Pages asked for all through the hold: whenever the webhook reaches its
            # wait for the lock, the pages after it are answered during that wait.
            while time.monotonic() - held_at < HELD_SECONDS:
                started = time.monotonic()
                status = requests.get(web.url + "/login", timeout=5).status_code
                pages.append((status, time.monotonic() - started, "status" not in answered))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        webhook.join(10)

    assert all(status == 200 and took < 0.5 for status, took, _waiting in pages)
    assert len(pages) >= 2 and all(waiting for _status, _took, waiting in pages)
    assert answered["status"] == 200 and answered["at"] - held_at >= HELD_SECONDS
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Call.call_sid == call_sid)) == 1
