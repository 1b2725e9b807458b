"""JSON API, /api/v1. Never returns a phone number."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from hotline.api import callbacks, calls, desk, errors, offers, openapi, presence, routes, voice, wrapup  # noqa: E402,F401

errors.init_app(bp)
