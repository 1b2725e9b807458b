"""Who may read the console's endpoints: the browser's logged-in session, or an
API token (`auth.token_required`) for everyone else. Either way `g.api_user` is
the user asking, None for an integration's read-only token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g
from flask_login import current_user

from hotline.auth import token_required
from hotline.models import QueueName, User


def session_or_token(view: Callable | None = None, *, write: bool = False):
    """The logged-in session (CSRF checked by hotline.web_security), or an API
    token; with write=True, an integration's read-only token gets 403."""
    if view is None:
        return lambda view: session_or_token(view, write=write)
    by_token = token_required(view, write=write)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated:
            g.api_token, g.api_user = None, current_user._get_current_object()
            return view(*args, **kwargs)
        return by_token(*args, **kwargs)

    return wrapper


def known_queue(name: str) -> str:
    if name not in {queue.value for queue in QueueName}:
        abort(404, description="no queue with that name")
    return name


def may_watch(user: User | None, queue: str) -> bool:
    """An integration's wallboard watches every queue; a user the queues they serve."""
    return user is None or queue in user.queue_names
