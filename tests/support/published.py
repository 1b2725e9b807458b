"""What the app publishes: the events on the Socket.IO message queue (real Redis),
or handed to its publisher."""

from __future__ import annotations

import json

from redis import Redis

from hotline import events
from hotline.extensions import SOCKETIO_CHANNEL


class Published:
    """What the app publishes to the Socket.IO message queue (real Redis)."""

    def __init__(self, app) -> None:
        self.pubsub = Redis.from_url(app.config["REDIS_URL"]).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(SOCKETIO_CHANNEL)
        self.pubsub.get_message(timeout=1)

    def events(self) -> list[tuple[str, dict, object]]:
        assert events.drain()
        found = []
        while (message := self.pubsub.get_message(timeout=0.2)) is not None:
            body = json.loads(message["data"])
            if body.get("method") != "emit":  # an ending of access (hotline.events.access_ended)
                continue
            data = body["data"]
            # python-socketio sends an emit's arguments as a list.
            found.append((body["event"], data[0] if isinstance(data, list) else data, body["room"]))
        return found

    def named(self, name: str) -> list[dict]:
        return [data for event, data, _room in self.events() if event == name]


def published_by(app, monkeypatch) -> list[tuple[str, dict, list[str]]]:
    """Every event the app's publisher is handed (and still publishes), in order;
    the wallboard's marks alone (no event) are not events."""
    publisher = app.extensions["events"]
    handed: list = []
    original = publisher.publish

    def publish(event: str | None, data: dict, rooms: list[str], marks: tuple = ()) -> None:
        if event is not None:
            handed.append((event, data, rooms))
        original(event, data, rooms, marks)

    monkeypatch.setattr(publisher, "publish", publish)
    return handed


def announce_left(call_sid: str) -> None:
    """An RQ job that emits, as the workers' jobs do, and returns at once: the
    worker publishes before its forked work horse exits."""
    events.caller_left(call_sid, "legal", "ended")
