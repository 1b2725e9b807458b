"""The process's publisher of Socket.IO messages (`hotline.events` says what
to publish; this is how it goes out), and the web process's Socket.IO manager.

No request waits on Redis: a message is handed to a bounded in-memory queue
drained by a background thread (a greenlet under gunicorn's gevent worker)
that publishes through the Socket.IO message queue with short timeouts. When
the queue is full or Redis fails, the event is dropped and logged by name and
CallSid, never with its payload.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass

import socketio

log = logging.getLogger(__name__)

BATCH = 100  # events published in one round trip at most
# Events a process holds while Redis is slow or away, before it drops them: a
# burst as large as a morning's callbacks falling due at once (a `callback.queued`
# each; 2,000 in the callbacks bench), at a few hundred bytes an event.
CAPACITY = 10_000

# The mark on a close_room message that disconnects the room's sockets too.
DISCONNECTS = "hotline_disconnects"


@dataclass(frozen=True)
class Mark:
    """A member added to a Redis set with the event it rides on (in its round
    trip, lost with it): something a job looks at next is marked changed."""

    key: str
    member: str


@dataclass(frozen=True)
class Ending:
    """Access ended for the sockets in `rooms`."""

    rooms: tuple[str, ...]


class _SingleAttemptRedisManager(socketio.RedisManager):
    """python-socketio's write-only Redis manager (its message format, its
    connection from `redis_options`), publishing once and raising on failure,
    where the stock one logs, reconnects and tries again."""

    _batch: list[str] | None = None

    def _publish(self, data):
        if self._batch is not None:
            self._batch.append(self.json.dumps(data))
            return None
        if not self.connected:
            self._redis_connect()
        try:
            return self.redis.publish(self.channel, self.json.dumps(data))
        except Exception:
            self.connected = False
            raise

    def emit_all(self, events: list[tuple[str, dict, list[str], tuple[Mark, ...]]]) -> None:
        """Publish `events`, in order, and add their marks, in one round trip; on
        failure all of them are lost."""
        self._batch = messages = []
        try:
            for event, data, rooms, _marks in events:
                if event is not None:  # marks alone
                    self.emit(event, data, room=rooms, namespace="/")
        finally:
            self._batch = None
        if not self.connected:
            self._redis_connect()
        pipeline = self.redis.pipeline(transaction=False)
        for message in messages:
            pipeline.publish(self.channel, message)
        for _event, _data, _rooms, marks in events:
            for mark in marks:
                pipeline.sadd(mark.key, mark.member)
        try:
            pipeline.execute()
        except Exception:
            self.connected = False
            raise

    def end(self, room: str) -> None:
        """Close `room` in every web process, disconnecting its sockets."""
        self._publish(
            {
                "method": "close_room",
                "room": room,
                "namespace": "/",
                "host_id": self.host_id,
                DISCONNECTS: True,
            }
        )


class ListeningManager(socketio.RedisManager):
    """A web process's own manager: python-socketio's Redis manager, whose
    close_room, when marked DISCONNECTS, first disconnects this process's
    sockets in the room (each leaves every room as it goes)."""

    def _handle_close_room(self, message: dict) -> None:
        room, namespace = message.get("room"), message.get("namespace") or "/"
        if message.get(DISCONNECTS) and isinstance(room, str):
            for sid, _eio_sid in list(self.get_participants(namespace, room)):
                self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        super()._handle_close_room(message)


@dataclass(frozen=True)
class _Marker:
    reached: threading.Event


class Publisher:
    """One per app (so one per process): a bounded queue and the thread that
    publishes it. The thread starts on first use, and again in a forked child."""

    def __init__(self, redis_url: str, channel: str, capacity: int = CAPACITY, timeout: float = 0.25) -> None:
        self.manager = _SingleAttemptRedisManager(
            redis_url,
            channel=channel,
            write_only=True,
            logger=log,
            redis_options={"socket_timeout": timeout, "socket_connect_timeout": timeout},
        )
        self.capacity = capacity
        self.dropped = 0
        self._queue: queue.Queue | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    def publish(self, event: str, data: dict, rooms: list[str], marks: tuple[Mark, ...] = ()) -> None:
        """Hand the event (and its marks) over; returns at once."""
        try:
            self._running().put_nowait((event, data, rooms, marks))
        except queue.Full:
            self._drop(event, data, "the event queue is full")

    def end(self, rooms: tuple[str, ...]) -> None:
        """Hand over an ending of access to the sockets in `rooms`; returns at once."""
        try:
            self._running().put_nowait(Ending(rooms))
        except queue.Full:
            self._not_ended(rooms, "the event queue is full")

    def drain(self, timeout: float) -> bool:
        marker = _Marker(threading.Event())
        try:
            self._running().put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.reached.wait(timeout)

    def _running(self) -> queue.Queue:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._queue = queue.Queue(self.capacity)
                    thread = threading.Thread(
                        target=self._run, args=(self._queue,), name="hotline-events", daemon=True
                    )
                    thread.start()
                    self._pid = os.getpid()
        return self._queue

    def _run(self, pending: queue.Queue) -> None:
        """Publish what is pending, as many events at once as have piled up: under
        load the thread gets its turn less often, and one round trip for them all
        keeps the queue from filling (a drop is a screen left behind)."""
        while True:
            batch = [pending.get()]
            while len(batch) < BATCH and not pending.empty():
                batch.append(pending.get_nowait())
            events = []
            for item in batch:
                if isinstance(item, tuple):
                    events.append(item)
                    continue
                self._emit(events)  # what came before a marker or an ending goes first
                events = []
                if isinstance(item, _Marker):
                    item.reached.set()
                else:
                    self._end(item.rooms)
            self._emit(events)

    def _emit(self, events: list[tuple[str, dict, list[str], tuple[Mark, ...]]]) -> None:
        if not events:
            return
        try:
            self.manager.emit_all(events)
        except Exception as error:  # whatever Redis does, the thread carries on
            for event, data, _rooms, _marks in events:
                self._drop(event, data, f"Redis failed ({type(error).__name__})")
            return
        if self.dropped:
            log.info("events published again after %d dropped", self.dropped)
            self.dropped = 0

    def _end(self, rooms: tuple[str, ...]) -> None:
        for room in rooms:
            try:
                self.manager.end(room)
            except Exception as error:  # whatever Redis does, the thread carries on
                self._not_ended((room,), f"Redis failed ({type(error).__name__})")

    def _not_ended(self, rooms: tuple[str, ...], why: str) -> None:
        log.warning("sockets of %s not disconnected now (%s): their heartbeat will", ", ".join(rooms), why)

    def _drop(self, event: str, data: dict, why: str) -> None:
        if self.dropped == 0:
            log.warning("event %s for call %s dropped: %s", event, data.get("call_sid"), why)
        self.dropped += 1
