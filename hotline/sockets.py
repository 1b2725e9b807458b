"""Socket.IO handlers: who may connect, and which rooms they join.

Stateless: rooms are Socket.IO's own; nothing here keeps a list of sids.
Today only API tokens connect, sent in the Socket.IO `auth` payload
(`{"token": "…"}`). An integration's token is a read-only wallboard and joins
`supervisors`, as does a supervisor's or an admin's token. Operators have no
live rooms yet (their queue rooms come with the console), so their tokens are
refused rather than shown every queue.
"""

from __future__ import annotations

from flask import Flask
from flask_socketio import ConnectionRefusedError, join_room

from hotline import auth, events
from hotline.extensions import socketio
from hotline.models import Role

WATCH_EVERY_QUEUE = frozenset({Role.SUPERVISOR, Role.ADMIN})


def init_app(app: Flask) -> None:
    """Bind the handlers to this app's Socket.IO server (made by `init_socketio`)."""
    socketio.on_event("connect", connect)


def connect(credentials: object = None) -> None:
    token = credentials.get("token") if isinstance(credentials, dict) else None
    found = auth.find_token(token) if isinstance(token, str) and token else None
    if found is None:
        raise ConnectionRefusedError("send a valid API token: auth={'token': …}")
    _token, user = found
    if user is not None and user.role not in WATCH_EVERY_QUEUE:
        raise ConnectionRefusedError("this token's user has no live rooms yet")
    join_room(events.SUPERVISORS_ROOM)
