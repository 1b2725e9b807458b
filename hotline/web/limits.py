"""Bounded requests: a body larger than MAX_CONTENT_LENGTH, or a form with more than
MAX_FORM_PARTS fields, is refused with 413 before anything parses or signs it.

A declared Content-Length is refused without reading a byte. A chunked body is read
only up to the limit (Werkzeug's LimitedStream), so the gevent worker never holds
more than the limit of one request in memory or spends time parsing it; one that
reaches the limit is refused as too large.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

FORM = "application/x-www-form-urlencoded"


def init_app(app: Flask) -> None:
    app.before_request(_refuse_oversized)


def _refuse_oversized() -> None:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    too_large = f"the request body is larger than {limit} bytes"
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=too_large)
    if request.mimetype != FORM:
        return  # multipart forms: Werkzeug applies MAX_FORM_PARTS and MAX_FORM_MEMORY_SIZE itself
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        abort(413, description=too_large)
    if request.content_length is None and len(body) >= limit:
        # Werkzeug stops a body of unknown length at the limit without saying so.
        abort(413, description=too_large)
    fields = current_app.config["MAX_FORM_PARTS"]
    if body.count(b"&") >= fields:
        abort(413, description=f"the form has more than {fields} fields")
