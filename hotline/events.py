"""The one place that emits Socket.IO events. Event and room names live here.

Services say what happened, after their transaction has committed, with the
values they already hold; this module builds the message and runs no queries.
Messages are deltas: a caller joined a queue, a caller left it. A console that
missed some (Redis was down) reloads its snapshot when it reconnects.

Two ways to say it: the queue's own webhooks call `caller_joined` and
`caller_left` after they commit; the services of operators at work (offers,
presence, a call put through) call the others inside their transaction, and the
event goes out when, and only if, that transaction commits.

No request waits on Redis: an event is handed to the process's publisher, a
bounded in-memory queue drained by a background thread (a greenlet under
gunicorn's gevent worker) that publishes through the Socket.IO message queue
with short timeouts. When the queue is full or Redis fails, the event is
dropped and logged by name and CallSid, never with its payload.

Access that ends (a logout, a deactivation, a revoked token) is said the same
way, after commit: `access_ended` names the rooms whose sockets lost their
right. python-socketio can disconnect across processes only by sid, and rooms
are each process's own, so the message is a `close_room` marked `DISCONNECTS`:
every web process's `ListeningManager` disconnects its own sockets in that
room (a stock manager would still close the room). When Redis fails, the
sockets stay until their next heartbeat, which checks the right again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, SessionTransaction

from hotline.core.publisher import Ending, ListeningManager, Mark, Publisher
from hotline.extensions import SOCKETIO_CHANNEL, db
from hotline.models import QueueName

log = logging.getLogger(__name__)

CALLER_JOINED = "queue.caller_joined"
CALLER_LEFT = "queue.caller_left"
# An offered, taken or returned caller, or a queued callback offered or no longer
# offered (`kind: "callback"`): still in the list, in a new state.
CALLER_UPDATED = "queue.caller_updated"
OFFER_CREATED = "offer.created"
OFFER_WITHDRAWN = "offer.withdrawn"
PRESENCE_CHANGED = "presence.changed"
# The operator's own call: connecting, talking, wrap_up, done (to their user room).
OPERATOR_CALL = "operator.call"
# A callback's life: callback.scheduled, .queued, .attempted, .completed, .failed, .cancelled.
CALLBACK_EVENTS = frozenset({"scheduled", "queued", "attempted", "completed", "failed", "cancelled"})
# A person in danger (the risk protocol, hotline.cases.risk): raised, raised again, acknowledged.
RISK_ALERT = "risk.alert"
RISK_ACKNOWLEDGED = "risk.acknowledged"
# A follow-up check-in that did not reach the person after its callback's attempts.
FOLLOW_UP_NOT_REACHED = "follow_up.not_reached"
# One queue's live figures (hotline.wallboard.snapshot), to the supervisors.
WALLBOARD_QUEUE = "wallboard.queue"
SUPERVISORS_ROOM = "supervisors"
# The queues whose live figures changed since the wallboard's job last looked
# (workers/wallboard.py): a Redis set, added to with the events that change them.
WALLBOARD_CHANGED = "hotline:wallboard:changed"
ENDED_WHILE_WAITING = "ended"


def changed(*queue_names: str) -> tuple[Mark, ...]:
    """The marks that tell the wallboard's job these queues' figures changed."""
    return tuple(Mark(WALLBOARD_CHANGED, name) for name in queue_names)


_EVERY_QUEUE = changed(*(queue.value for queue in QueueName))


def queue_room(queue_name: str) -> str:
    return f"queue:{queue_name}"


def user_room(user_id: int) -> str:
    """One user's consoles (every tab they have open)."""
    return f"user:{user_id}"


def token_room(token_id: int) -> str:
    """The live screens connected with one API token."""
    return f"token:{token_id}"


@dataclass(frozen=True)
class WaitingCaller:
    """A caller as the live screens show them: no number, no note.

    `position` and `repeat_caller` are sent only when the service knows them
    without asking the database again. `returned`: the caller went back to the
    queue (not answered, transferred), so is answered before those of their
    priority who did not (hotline.queues); a console places a caller by it."""

    call_sid: str
    queue: str
    waiting_since: datetime
    priority: int
    crisis: bool
    language: str | None
    case_reference: str | None
    position: int | None = None
    repeat_caller: bool | None = None
    returned: bool | None = None

    def message(self) -> dict:
        body = {
            "call_sid": self.call_sid,
            "queue": self.queue,
            "waiting_since": self.waiting_since.isoformat(),
            "priority": int(self.priority),
            "crisis": self.crisis,
            "language": self.language,
            "case_reference": self.case_reference,
        }
        if self.position is not None:
            body["position"] = self.position
        if self.repeat_caller is not None:
            body["repeat_caller"] = self.repeat_caller
        if self.returned is not None:
            body["returned"] = self.returned
        return body


def caller_joined(caller: WaitingCaller) -> None:
    """`caller` is waiting in their queue now."""
    _publisher().publish(
        CALLER_JOINED, caller.message(), [queue_room(caller.queue), SUPERVISORS_ROOM], changed(caller.queue)
    )


def caller_left(call_sid: str, queue_name: str, reason: str) -> None:
    """The caller left `queue_name`: `reason` is why, in the hotline's words
    (`hotline.models.states.LeftQueue`: answered, hung_up, callback …), or
    ENDED_WHILE_WAITING when the call ended with no word from the queue."""
    message = {"call_sid": call_sid, "queue": queue_name, "reason": reason}
    _publisher().publish(
        CALLER_LEFT, message, [queue_room(queue_name), SUPERVISORS_ROOM], changed(queue_name)
    )


def callback_left(callback_id: int, queue_name: str, reason: str) -> None:
    """A queued callback left `queue_name`'s list without a status of its own to
    say so: accepted (`reason` answered), now being dialled. Once committed, as
    `queue.caller_left` with `kind: "callback"`."""
    message = {
        "kind": "callback",
        "callback_id": callback_id,
        "call_sid": None,
        "queue": queue_name,
        "reason": reason,
    }
    _after_commit(CALLER_LEFT, message, [queue_room(queue_name), SUPERVISORS_ROOM], changed(queue_name))


def caller_updated(caller: WaitingCaller, *, offered: bool, connected: bool) -> None:
    """A waiting caller was offered to someone, taken, or went back to waiting."""
    message = {**caller.message(), "offered": offered, "connected": connected}
    _after_commit(
        CALLER_UPDATED, message, [queue_room(caller.queue), SUPERVISORS_ROOM], changed(caller.queue)
    )


def callback_updated(callback_id: int, queue_name: str, *, offered: bool) -> None:
    """A queued callback in `queue_name`'s list was offered to someone, or its
    offer closed unanswered and it waits on (accepted, it leaves the list:
    `callback_left`). Once committed, as `queue.caller_updated` with `kind: "callback"`."""
    message = {
        "kind": "callback",
        "callback_id": callback_id,
        "call_sid": None,
        "queue": queue_name,
        "offered": offered,
        "connected": False,
    }
    _after_commit(CALLER_UPDATED, message, [queue_room(queue_name), SUPERVISORS_ROOM])


def offer_created(user_id: int, offer: dict) -> None:
    """`offer`: offer_id, call_sid, queue, priority, crisis, language,
    case_reference, expires_at (ISO 8601)."""
    _after_commit(OFFER_CREATED, offer, [user_room(user_id)])


def offer_withdrawn(
    user_id: int, offer_id: int, call_sid: str | None, reason: str, *, callback_id: int | None = None
) -> None:
    """`reason`: lapsed, taken (by someone else), left (the caller), declined.
    A callback's offer names its `callback_id` (and no CallSid)."""
    message = {"offer_id": offer_id, "call_sid": call_sid, "reason": reason}
    if callback_id is not None:
        message["callback_id"] = callback_id
    _after_commit(OFFER_WITHDRAWN, message, [user_room(user_id)])


def presence_changed(user_id: int, username: str, presence: str, device: str, since: datetime) -> None:
    """Every queue's wallboard is marked changed: which queues the operator
    serves is not at hand without a query, and the job counts all four in the
    same statements as one."""
    message = {"username": username, "presence": presence, "device": device, "since": since.isoformat()}
    _after_commit(PRESENCE_CHANGED, message, [SUPERVISORS_ROOM, user_room(user_id)], _EVERY_QUEUE)


def operator_call(user_id: int, call: dict) -> None:
    """The operator's own call changed: `call` has call_sid, state (connecting,
    talking, wrap_up, done, missed: their phone was not answered) and what the
    console shows of it; never a full number."""
    _after_commit(OPERATOR_CALL, call, [user_room(user_id)])


def callback_changed(name: str, callback: dict) -> None:
    """`callback.<name>` to the callback's queue and the supervisors. `callback`
    is the API's view of it (`hotline.callbacks.views`): ids, codes and times,
    the number only as its last two digits."""
    if name not in CALLBACK_EVENTS:
        raise ValueError(f"no callback event {name!r}")
    _after_commit(
        f"callback.{name}",
        callback,
        [queue_room(callback["queue"]), SUPERVISORS_ROOM],
        changed(callback["queue"]),
    )


def risk_alert(
    alert_id: int,
    case_reference: str,
    level: str,
    queue: str,
    call_sid: str | None,
    times_raised: int,
    raised_at: datetime,
) -> None:
    """`risk.alert` to every supervisor once the transaction commits: the case's
    person is in danger. `call_sid` when the caller is on the line now;
    `times_raised` above 1 when nobody acknowledged it yet."""
    message = {
        "alert_id": alert_id,
        "case_reference": case_reference,
        "level": level,
        "queue": queue,
        "call_sid": call_sid,
        "times_raised": times_raised,
        "raised_at": raised_at.isoformat(),
    }
    _after_commit(RISK_ALERT, message, [SUPERVISORS_ROOM])


def risk_acknowledged(alert_id: int, case_reference: str, username: str, at: datetime) -> None:
    """A supervisor took the alert on: the other supervisors' screens may let it go."""
    message = {
        "alert_id": alert_id,
        "case_reference": case_reference,
        "acknowledged_by": username,
        "acknowledged_at": at.isoformat(),
    }
    _after_commit(RISK_ACKNOWLEDGED, message, [SUPERVISORS_ROOM])


def follow_up_not_reached(
    follow_up_id: int,
    callback_id: int,
    case_reference: str,
    queue: str,
    kind: str,
    offset_days: int,
    operator_id: int | None,
    at: datetime,
) -> None:
    """`follow_up.not_reached` once the transaction commits, to the person's
    operator (when they have one) and the supervisors: ids and codes only."""
    message = {
        "follow_up_id": follow_up_id,
        "callback_id": callback_id,
        "case_reference": case_reference,
        "queue": queue,
        "kind": kind,
        "offset_days": offset_days,
        "at": at.isoformat(),
    }
    rooms = [SUPERVISORS_ROOM] + ([user_room(operator_id)] if operator_id is not None else [])
    _after_commit(FOLLOW_UP_NOT_REACHED, message, rooms)


def queues_counted(queue_names: set[str]) -> None:
    """The rollups of these queues changed (a call ended, a case moved): once the
    transaction commits, the wallboard's job is told, with no message to screens."""
    if queue_names:
        _after_commit(None, {}, [], changed(*sorted(queue_names)))


def wallboard_queue(figures: dict) -> None:
    """One queue's live figures (an item of GET /api/v1/stats/live's `queues`),
    computed by the wallboard's job, to the supervisors' screens."""
    _publisher().publish(WALLBOARD_QUEUE, figures, [SUPERVISORS_ROOM])


def access_ended(rooms: list[str]) -> None:
    """The sockets in `rooms` lost their right: once the transaction commits,
    every web process disconnects those it holds."""
    if rooms:
        db.session.info.setdefault(_PENDING, []).append(Ending(tuple(rooms)))


_PENDING = "hotline_events"


def _after_commit(event: str, data: dict, rooms: list[str], marks: tuple[Mark, ...] = ()) -> None:
    db.session.info.setdefault(_PENDING, []).append((event, data, rooms, marks))


def _publish_pending(session: Session) -> None:
    for item in session.info.pop(_PENDING, []):
        if isinstance(item, Ending):
            _publisher().end(item.rooms)
        else:
            _publisher().publish(*item)


def _forget_pending(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(_PENDING, None)


orm_event.listen(Session, "after_commit", _publish_pending)
orm_event.listen(Session, "after_soft_rollback", _forget_pending)


def drain(timeout: float = 5.0) -> bool:
    """Wait until every event handed over so far is published or dropped.
    For tests, and for a forked RQ work horse before it exits."""
    return _publisher().drain(timeout)


def init_app(app: Flask) -> None:
    app.extensions["events"] = Publisher(app.config["REDIS_URL"], SOCKETIO_CHANNEL)


def listening_manager(redis_url: str) -> ListeningManager:
    """The manager for the app's Socket.IO server (`hotline.extensions.init_socketio`)."""
    return ListeningManager(redis_url, channel=SOCKETIO_CHANNEL)


def _publisher() -> Publisher:
    return current_app.extensions["events"]
