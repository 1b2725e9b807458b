"""Errors answer with a clear message and never repeat what the request carried."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from hotline.api.schemas import ErrorSchema

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _body(status: int, name: str, message: str):
    if request.path.startswith(("/api/", "/healthz")) or request.accept_mimetypes.best == "application/json":
        return jsonify(ErrorSchema().dump({"error": name, "message": message})), status
    return f"{status} {name}: {message}\n", status, {"Content-Type": "text/plain; charset=utf-8"}


def _http_error(error: HTTPException):
    return _body(error.code or 500, error.name, error.description or error.name)


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
    return _http_error(InternalServerError())
