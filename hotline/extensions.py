"""Extensions, created unbound at import and bound to an app in `create_app`."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from socketio import PubSubManager
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# Objects stay readable after commit: a webhook commits, then builds its answer
# from what it just wrote, without reading it back.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
socketio = SocketIO()
csrf = CSRFProtect()
# Flask-SocketIO's default channel: the web processes' servers listen on it,
# `hotline.events` publishes on it.
SOCKETIO_CHANNEL = "flask-socketio"
babel = Babel()
# No default limits; the login counts its own attempts in the limiter's storage.
LIMIT_PREFIX = "hotline:limit"
limiter = Limiter(key_func=get_remote_address, key_prefix=LIMIT_PREFIX)


def init_redis(app: Flask) -> None:
    """One Redis connection pool and the RQ queues per app, in app.extensions:
    `rq` for every job, `dialling` for the dialler's (`flask dialler`).

    Short timeouts: a webhook must never hang on Redis (Twilio gives 15 s in all).
    """
    connection = Redis.from_url(app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    app.extensions["redis"] = connection
    app.extensions["rq"] = Queue(app.config["RQ_QUEUE"], connection=connection)
    app.extensions["dialling"] = Queue(app.config["RQ_DIALLING_QUEUE"], connection=connection)


def init_socketio(app: Flask, manager: PubSubManager) -> None:
    """Same-origin browsers only (the default). The async mode follows the server:
    gevent under the Procfile's gunicorn (which patches sockets first), threads
    under any other (the Flask CLI, a test's live server).

    `manager` is the server's own Redis connection (`hotline.events.listening_manager`,
    given by the factory): it only listens, and a listen must not time out; events
    are published by `hotline.events`, with short timeouts."""
    from gevent import monkey

    async_mode = "gevent" if monkey.is_module_patched("socket") else "threading"
    socketio.init_app(app, client_manager=manager, async_mode=async_mode)


def init_limiter(app: Flask) -> None:
    """Counters in the app's Redis, so every web process shares them; the login counts
    its attempts there itself (hotline/accounts/attempts.py).

    A counter that does not answer within a second is an error, raised as the limits
    library's StorageError and never retried: a login is then refused, not let through
    uncounted. No in-memory fallback (it would start every process's counts from zero)
    and no swallowed errors, so a limit declared on a route fails closed too."""
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        "socket_timeout": 1,
        "socket_connect_timeout": 1,
        "retry": Retry(NoBackoff(), 0),
        "wrap_exceptions": True,
    }
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = False
    app.config["RATELIMIT_SWALLOW_ERRORS"] = False
    limiter.init_app(app)
