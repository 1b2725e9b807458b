"""Errors answer with a clear message and never repeat what the request carried.

A person's browser gets a page in the layout, in their language (the account's
choice, else the browser's), with a short title and a plain message for the
status: never the exception, the description given to abort(), or anything the
request sent. The API and /healthz answer JSON as their contract documents
(`message` in English); the telephony webhooks and the simulator's REST twin,
which machines read, keep their plain-text line.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline.api.schemas import ErrorSchema
from hotline.extensions import db
from hotline.web.bodies import UnreadableText

log = logging.getLogger(__name__)

JSON_PATHS = ("/api/", "/healthz")
PLAIN_PATHS = ("/telephony/", "/simulator/")
KEPT_HEADERS = frozenset({"Allow", "Retry-After"})

# status -> (title, message), as the error page shows them.
PAGES = {
    400: (
        _l("The request could not be read"),
        _l("Something the browser sent was not understood. Go back and try again."),
    ),
    403: (
        _l("Not open to you"),
        _l("Your account may not open this page. If your work needs it, ask an administrator."),
    ),
    404: (
        _l("Page not found"),
        _l("There is no page at this address. Check the address, or start again from the console."),
    ),
    405: (
        _l("Not possible here"),
        _l("This page cannot be used that way. Go back and use the page's own buttons and forms."),
    ),
    409: (
        _l("It has changed meanwhile"),
        _l("Someone changed this in the meantime. Reload the page to see how it stands now."),
    ),
    413: (
        _l("Too much at once"),
        _l("What was sent is larger than the hotline accepts. Send less and try again."),
    ),
    415: (
        _l("Not sent as this page's form"),
        _l("This page takes only its own form. Reload the page, fill in the form and send it again."),
    ),
    429: (_l("Too many attempts"), _l("Wait a few minutes, then try again.")),
    500: (
        _l("Something went wrong"),
        _l("The hotline could not finish this; it has been noted. Try again in a moment."),
    ),
    503: (
        _l("Not available just now"),
        _l("The hotline cannot do this at the moment. Wait a minute, then try again."),
    ),
}
EXPIRED_FORM = (
    _l("The form has expired"),
    _l("The page was open too long, or the form did not come from this site. Reload the page and try again."),
)
UNREADABLE_TEXT = (
    _l("The text could not be read"),
    _l("Part of what was sent is not text the hotline can store. Type it again, then try once more."),
)
ANY_OTHER = (_l("This did not work"), _l("The hotline could not do what was asked. Go back and try again."))

# Errors whose page says more than their status's.
OWN_WORDS = {CSRFError: EXPIRED_FORM, UnreadableText: UNREADABLE_TEXT}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _http_error(error: HTTPException):
    status, name = error.code or 500, error.name
    message = error.description or name
    if request.path.startswith(JSON_PATHS) or request.accept_mimetypes.best == "application/json":
        return jsonify(ErrorSchema().dump({"error": name, "message": message})), status
    if request.path.startswith(PLAIN_PATHS):
        return f"{status} {name}: {message}\n", status, {"Content-Type": "text/plain; charset=utf-8"}
    page = _page(error, status)
    page.headers.update({key: value for key, value in error.get_headers() if key in KEPT_HEADERS})
    return page


def _page(error: HTTPException, status: int) -> Response:
    """The error page; if even the layout cannot be drawn (the database is down
    and the account cannot be read), the status line alone."""
    title, message = next(
        (words for kind, words in OWN_WORDS.items() if isinstance(error, kind)), PAGES.get(status, ANY_OTHER)
    )
    try:
        page = render_template("errors/error.html", status=status, title=title, message=message)
        return Response(page, status)
    except Exception as failure:
        log.error("the %d page could not be drawn: %s", status, type(failure).__name__)
        return Response(f"{status} {error.name}\n", status, mimetype="text/plain")


def _unexpected_error(error: Exception):
    # An exception's message may carry request data (SQL parameters, form
    # values): log its type and where it was raised, never its message.
    log.error(
        "unexpected %s on %s %s\n%s",
        type(error).__name__,
        request.method,
        request.url_rule or "?",
        "".join(traceback.format_tb(error.__traceback__)),
    )
    try:
        db.session.rollback()  # the page reads the account; a failed transaction must not stop it
    except Exception as failure:
        log.error("rollback after the error failed: %s", type(failure).__name__)
    return _http_error(InternalServerError())
