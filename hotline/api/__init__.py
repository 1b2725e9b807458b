"""JSON API, /api/v1. Never returns a phone number."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from hotline.api import (  # noqa: E402,F401  # noqa: E402,F401
    audit,
    callbacks,
    calls,
    cases,
    desk,
    errors,
    offers,
    openapi,
    presence,
    routes,
    search,
    voice,
    wrapup,
)

errors.init_app(bp)
