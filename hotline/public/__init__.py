"""The hotline's public pages, for its website: asking for a callback. No login."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from hotline.public import views  # noqa: E402,F401
