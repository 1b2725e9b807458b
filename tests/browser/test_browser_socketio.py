"""A page loads the vendored socket.io client from /static/vendor/ under a
Content-Security-Policy of 'self' and connects to the app's Socket.IO server
with an API token in the auth payload."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response
from markupsafe import escape

from hotline.accounts import auth
from tests.support.browser import artifact
from tests.support.live_server import serve

SOCKET_IO = "/static/vendor/socket.io-client-4.8.4/socket.io.min.js"

# The page's own policy is as strict as the app's ('self' only): the client's
# script, its long-polling and its WebSocket must all pass it.
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'">
<title>socket.io client</title>
<script src="{SOCKET_IO}"></script>
<script src="/test/socket-page.js" defer></script>
</head><body data-token="{{token}}"><output id="state" data-state="loading">loading</output></body></html>
"""

SCRIPT = """
const state = document.getElementById("state");
const show = (name, text) => { state.dataset.state = name; state.textContent = text; };
const socket = io({ auth: { token: document.body.dataset.token }, reconnection: false });
socket.on("connect", () => show("connected", `connected as ${socket.id}`));
socket.on("connect_error", (error) => show("refused", "refused: " + error.message));
"""


def socket_page(token: str | None) -> Callable[[Flask], None]:
    """The live server's `prepare`: test-only routes for the page and its script
    (no inline script, as the CSP wants). With `token` None the page carries a
    new integration token; else that string. The token travels in the page, not the URL."""

    def prepare(app: Flask) -> None:
        if token is None:
            with app.app_context():
                carried = auth.create_token("wallboard")
        else:
            carried = token

        @app.get("/test/socket-page")
        def page():
            return PAGE.replace("{token}", escape(carried))

        @app.get("/test/socket-page.js")
        def script():
            return Response(SCRIPT, mimetype="text/javascript")

    return prepare


def open_socket_page(make_app, browser_context, token: str | None, screenshot: str) -> tuple[str, list, list]:
    """Open the page and wait until the client connected or was refused; returns
    the page's state, what the console said and the statuses /socket.io/ answered."""
    console: list[str] = []
    engine_statuses: list[int] = []
    with serve(make_app, prepare=socket_page(token)) as live:
        page = browser_context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.on(
            "response", lambda answer: "/socket.io/" in answer.url and engine_statuses.append(answer.status)
        )
        page.goto(f"{live.url}/test/socket-page")
        page.wait_for_selector("#state:not([data-state=loading])")
        page.screenshot(path=artifact(screenshot))
        state = page.text_content("#state")
        page.close()
    return state, console, engine_statuses


def test_the_vendored_client_connects_with_an_api_token(make_app, browser_context):
    state, console, engine_statuses = open_socket_page(
        make_app, browser_context, None, "socketio-connected.png"
    )
    assert state.startswith("connected as "), state
    assert engine_statuses and all(status == 200 for status in engine_statuses)
    assert not [line for line in console if "Content Security Policy" in line]


def test_a_client_without_a_valid_token_is_refused(make_app, browser_context):
    state, console, engine_statuses = open_socket_page(
        make_app, browser_context, "hl_not-a-token", "socketio-refused.png"
    )
    assert state.startswith("refused: send a valid API token"), state
    # The server answered the handshake; a poll racing the refusal may find the
    # session closed already (400), which is how Engine.IO says so.
    assert engine_statuses and engine_statuses[0] == 200
    assert not [line for line in console if "Content Security Policy" in line]
