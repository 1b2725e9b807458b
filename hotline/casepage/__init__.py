"""The case page, /cases/<reference>: a case in the hotline's layout, for those who may see it."""

from flask import Blueprint

bp = Blueprint("casepage", __name__)

from hotline.casepage import search, views  # noqa: E402,F401
