"""JSON API, /api/v1. Never returns a phone number."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from hotline.api import (  # noqa: E402,F401  # noqa: E402,F401
    accompaniment,
    audit,
    blocks,
    callbacks,
    calls,
    cases,
    desk,
    errors,
    follow_ups,
    offers,
    openapi,
    partners,
    presence,
    referrals,
    risk,
    routes,
    search,
    stats,
    stats_live,
    voice,
    wrapup,
)

errors.init_app(bp)
