"""Who may read the console's endpoints: the browser's logged-in session, or an
API token (`auth.token_required`) for everyone else. Either way `g.api_user` is
the user asking, None for an integration's read-only token.

What they may read of the calls and queues is one rule, `may_watch`: every
view that answers a call or a queue's figures or callers asks it."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from hotline.accounts.auth import token_required
from hotline.calls.service import get_call
from hotline.core.parsing import CALL_SID
from hotline.models import Call, QueueName, User
from hotline.operators.legs import SUPERVISING


def session_or_token(view: Callable | None = None, *, write: bool = False):
    """The logged-in session (CSRF checked by hotline.web.security), or an API
    token; with write=True, an integration's read-only token gets 403. A
    request that sends a token is judged by the token, session or not."""
    if view is None:
        return lambda view: session_or_token(view, write=write)
    by_token = token_required(view, write=write)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and "Authorization" not in request.headers:
            g.api_token, g.api_user = None, current_user._get_current_object()
            return view(*args, **kwargs)
        return by_token(*args, **kwargs)

    return wrapper


def call_sid_shaped(call_sid: str) -> str:
    """404 for a path that is no CallSid's shape: every recorded call's sid has
    it (the webhooks refuse any other), and such a path never reaches the
    database (PostgreSQL refuses a NUL in a string: a 500)."""
    if not CALL_SID.fullmatch(call_sid):
        abort(404, description="no call with that CallSid")
    return call_sid


def known_queue(name: str) -> str:
    if name not in {queue.value for queue in QueueName}:
        abort(404, description="no queue with that name")
    return name


def may_watch(user: User | None, queue: str | None) -> bool:
    """An integration's wallboard, supervisors and admins watch every queue and
    every call, queued yet or not; an operator the queues they serve, and the
    calls in them."""
    return user is None or user.role in SUPERVISING or queue in user.queue_names


def may_handle(user: User | None, queue: str) -> bool:
    """Callbacks are read and worked by people: supervisors and admins every
    queue's, an operator those of the queues they serve; an integration's
    token (no user) none, since a callback names a person's case."""
    return user is not None and (user.role in SUPERVISING or queue in user.queue_names)


def watched_call(call_sid: str) -> Call:
    """The call, if the user asking may watch its queue: 404 unknown, 403 not theirs."""
    call = get_call(call_sid_shaped(call_sid))
    if not may_watch(g.api_user, call.queue):
        abort(403, description="you do not serve this call's queue")
    return call
