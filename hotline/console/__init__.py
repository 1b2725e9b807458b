"""The operator console: for now the page's first state, rendered on the server."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from hotline.console import labels, views  # noqa: E402,F401
