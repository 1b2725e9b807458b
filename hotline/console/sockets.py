"""Socket.IO handlers: who may connect, and which rooms they join.

Stateless: rooms are Socket.IO's own; nothing here keeps a list of sids.
Two ways in:

- a logged-in browser session (the console): the user joins the room of each
  queue they serve (supervisors and admins: all four) and their own user room;
  supervisors and admins also join `supervisors`;
- an API token in the Socket.IO `auth` payload (`{"token": "…"}`): an
  integration's token is a read-only wallboard and joins `supervisors`, as does
  a supervisor's or an admin's token. Operators' tokens are refused (an
  operator's live screen is the console).

A token, when sent, decides: a browser with a session and a bad token is refused.

A logged-in console is also a heartbeat: its connect, and the `console.alive`
it emits every HOTLINE_PRESENCE_GRACE_SECONDS / 3, record that its user is
here (`hotline.operators.presence.seen`); the sweep sends away those gone quiet. Redis
failing there is logged and the connection carries on.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from redis.exceptions import RedisError

from hotline import events
from hotline.accounts import auth
from hotline.extensions import socketio
from hotline.models import Role, User, utcnow
from hotline.operators import presence

log = logging.getLogger(__name__)

ALIVE = "console.alive"

WATCH_EVERY_QUEUE = frozenset({Role.SUPERVISOR, Role.ADMIN})


def init_app(app: Flask) -> None:
    """Bind the handlers to this app's Socket.IO server (made by `init_socketio`)."""
    socketio.on_event("connect", connect)
    socketio.on_event(ALIVE, alive)


def connect(credentials: object = None) -> None:
    token = credentials.get("token") if isinstance(credentials, dict) else None
    if token is None and current_user.is_authenticated:
        for room in rooms_of(current_user):
            join_room(room)
        _heard(current_user.id)
        return
    found = auth.find_token(token) if isinstance(token, str) and token else None
    if found is None:
        raise ConnectionRefusedError("send a valid API token: auth={'token': …}, or log in")
    _token, user = found
    if user is not None and user.role not in WATCH_EVERY_QUEUE:
        raise ConnectionRefusedError("this token's user has no live rooms yet")
    join_room(events.SUPERVISORS_ROOM)


def rooms_of(user: User) -> list[str]:
    """The rooms a logged-in user's console listens to."""
    rooms = [events.queue_room(name) for name in user.queue_names] + [events.user_room(user.id)]
    if user.role in WATCH_EVERY_QUEUE:
        rooms.append(events.SUPERVISORS_ROOM)
    return rooms


def alive(_data: object = None) -> None:
    """A console's heartbeat; from anything but a logged-in console, ignored."""
    if current_user.is_authenticated:
        _heard(current_user.id)


def _heard(user_id: int) -> None:
    try:
        presence.seen(current_app.extensions["redis"], user_id, utcnow())
    except RedisError as error:
        log.warning("console heartbeat not recorded: Redis failed (%s)", type(error).__name__)
