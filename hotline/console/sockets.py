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

A connection lasts while its right does. A console also joins its user's room
and a token's connection the token's room (`token:<id>`): a logout, a
deactivation or a revoked token closes those rooms in every web process,
disconnecting them (`hotline.events.access_ended`). Each heartbeat asks again
(the session through the user loader, the token in the database) and
disconnects a connection whose right has gone, which covers an ending that
Redis did not carry.

A logged-in console is also a heartbeat: its connect, and the `console.alive`
it emits every HOTLINE_PRESENCE_GRACE_SECONDS / 3, record that its user is
here (`hotline.operators.presence.seen`); the sweep sends away those gone quiet. Redis
failing there is logged and the connection carries on.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect, join_room
from redis.exceptions import RedisError

from hotline import events
from hotline.accounts import auth
from hotline.extensions import socketio
from hotline.models import ApiToken, Role, User, utcnow
from hotline.operators import presence

log = logging.getLogger(__name__)

ALIVE = "console.alive"

WATCH_EVERY_QUEUE = frozenset({Role.SUPERVISOR, Role.ADMIN})
# In the connection's own session (Flask-SocketIO keeps one per connection, in
# the server's memory): the id of the token it connected with.
TOKEN_ID = "hotline_socket_token"


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
    if not _may_watch(found):
        raise ConnectionRefusedError("this token's user has no live rooms yet")
    record, _user = found
    session[TOKEN_ID] = record.id
    join_room(events.SUPERVISORS_ROOM)
    join_room(events.token_room(record.id))


def _may_watch(found: tuple[ApiToken, User | None]) -> bool:
    _token, user = found
    return user is None or user.role in WATCH_EVERY_QUEUE


def rooms_of(user: User) -> list[str]:
    """The rooms a logged-in user's console listens to."""
    rooms = [events.queue_room(name) for name in user.queue_names] + [events.user_room(user.id)]
    if user.role in WATCH_EVERY_QUEUE:
        rooms.append(events.SUPERVISORS_ROOM)
    return rooms


def alive(_data: object = None) -> None:
    """A heartbeat: a connection whose right has gone is disconnected; a
    console's records that its user is here."""
    token_id = session.get(TOKEN_ID)
    if token_id is not None:
        found = auth.token_in_force(token_id)
        if found is None or not _may_watch(found):
            disconnect()
    elif current_user.is_authenticated:
        _heard(current_user.id)
    else:
        disconnect()


def _heard(user_id: int) -> None:
    try:
        presence.seen(current_app.extensions["redis"], user_id, utcnow())
    except RedisError as error:
        log.warning("console heartbeat not recorded: Redis failed (%s)", type(error).__name__)
