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
        try:
            webhook = threading.Thread(target=ring)
            webhook.start()
            time.sleep(0.2)  # the webhook is inside its wait for the lock by now
            started = time.monotonic()
            page = requests.get(web.url + "/login", timeout=5)
            page_took = time.monotonic() - started
            still_waiting = "status" not in answered
        finally:
            remaining = HELD_SECONDS - (time.monotonic() - held_at)
            if remaining > 0:
                time.sleep(remaining)
            holder.execute("ROLLBACK")
            holder.close()
        webhook.join(10)

    assert page.status_code == 200 and page_took < 0.5
    assert still_waiting
    assert answered["status"] == 200 and answered["at"] - held_at >= HELD_SECONDS
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Call.call_sid == call_sid)) == 1
