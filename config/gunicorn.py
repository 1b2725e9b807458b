"""gunicorn settings for the `web` process (Procfile).

One gevent worker: Flask-SocketIO keeps each browser's Socket.IO session in
the process that opened it, so more workers in one gunicorn would need sticky
sessions. Scale out with more web processes behind a proxy that pins each
client to one of them (sticky sessions); they share the Redis message queue.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_class = "gevent"
workers = 1
worker_connections = int(os.environ.get("WEB_CONNECTIONS", "1000"))
# Twilio waits 15 s for a webhook: a request still running at 14 s is stuck.
timeout = 14
graceful_timeout = 10
accesslog = None  # a URL can name a CallSid but never a number; still, keep logs lean

# Only TRUSTED_PROXIES decides whether X-Forwarded-* is believed (ProxyFix in
# create_app). gunicorn would otherwise honour X-Forwarded-Proto from 127.0.0.1
# and ::1, and from any client of a unix socket, by its own defaults.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""


def post_worker_init(worker) -> None:
    """The web process says, once as it starts, which prompts lack a recording
    (no other process or command does)."""
    from flask import Flask

    from telephony.recordings import report_missing

    if isinstance(worker.wsgi, Flask):  # not gunicorn's stand-in for an app that failed to load
        report_missing(worker.wsgi)


# gunicorn 27's control socket defaults to one path per user: a second instance on
# the host would take it over, and stopping either would delete it. Nothing of
# ours uses `gunicornc`, so there is none.
control_socket_disable = True
