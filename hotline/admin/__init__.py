"""The admin's pages: list, add and edit users, deactivate them. Admins only."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from hotline.admin import views  # noqa: E402,F401
