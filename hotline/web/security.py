"""What every browser-facing response and request goes through: the
Content-Security-Policy and its companion headers, and the CSRF check.

Every answer but a static file is `Cache-Control: no-store`: each is the asker's
own (an account's data, an access token, a CSRF token in a form, a page in
their language), so no browser or proxy may keep it; static files are the
same for everyone and keep Flask's caching (ETag, Last-Modified). Flask-SocketIO
answers /socket.io/ (engine.io's handshake and long-polling) before Flask sees
the request, so `SocketIOHeaders` gives those answers the same headers.

CSRF is checked on every state-changing request except where no browser form
can reach: the blueprints `telephony/` exempts (the webhooks Twilio signs, the
simulator's REST API and signalling behind HTTP Basic auth), and API requests
with a Bearer token or without a logged-in session (nothing to forge: the token
alone decides, 401 without one). A cross-site form can set no Authorization
header (a custom header needs a CORS preflight, which this app never grants),
so none of these exemptions lets another site act for a logged-in user.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_login import current_user

from hotline.extensions import csrf

CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
# The Twilio Voice JavaScript SDK 2.x (hotline/static/vendor) reaches, from the
# console: signalling at its default edge (wss://voice-js.roaming.twilio.com/signal),
# call-quality insights (eventgw.twilio.com), and its ringtones, fetched then
# played (sdk.twilio.com). The audio itself is WebRTC, which CSP does not govern.
VOICE_SDK_CONNECT = "wss://voice-js.roaming.twilio.com https://eventgw.twilio.com https://sdk.twilio.com"
VOICE_SDK_MEDIA = "https://sdk.twilio.com"
CONSOLE_POLICY = (
    f"default-src 'self'; connect-src 'self' {VOICE_SDK_CONNECT}; media-src 'self' {VOICE_SDK_MEDIA}; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
CONSOLE_ENDPOINT = "console.console"
STATIC_ENDPOINT = "static"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
NO_STORE = {"Cache-Control": "no-store"}
# Flask-SocketIO's default path, where its middleware answers without Flask.
SOCKETIO_PATH = "/socket.io/"


def init_app(app: Flask) -> None:
    # CSRFProtect's own before_request is turned off; _check_csrf runs it with the exemptions above.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_add_headers)
    app.wsgi_app = SocketIOHeaders(app.wsgi_app)  # create_app binds Socket.IO first: this wraps it


class SocketIOHeaders:
    """WSGI middleware around Flask-SocketIO's: its answers under SOCKETIO_PATH
    get HEADERS and no-store, as Flask's answers do in `_add_headers`."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response):
        if not (environ.get("PATH_INFO") or "").startswith(SOCKETIO_PATH):
            return self.wsgi_app(environ, start_response)

        def start_with_headers(status: str, headers: list, exc_info=None):
            present = {name.lower() for name, _ in headers}
            added = [
                (name, value)
                for name, value in {**HEADERS, **NO_STORE}.items()
                if name.lower() not in present
            ]
            return start_response(status, [*headers, *added], exc_info)

        return self.wsgi_app(environ, start_with_headers)


def _api_request_without_session() -> bool:
    if not request.path.startswith("/api/"):
        return False
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (scheme.lower() == "bearer" and bool(token.strip())) or not current_user.is_authenticated


def _check_csrf() -> None:
    if not _api_request_without_session():
        csrf.protect(apply_exemptions=True)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    if request.endpoint != STATIC_ENDPOINT:
        response.headers.update(NO_STORE)
    if request.endpoint == CONSOLE_ENDPOINT and not current_app.config["TELEPHONY_SIMULATOR"]:
        # The real SDK runs only against Twilio (production refuses the simulator);
        # with the simulator the console's softphone speaks to this app alone.
        response.headers["Content-Security-Policy"] = CONSOLE_POLICY
    return response
