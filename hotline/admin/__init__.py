"""The admin's pages: users and the directory of partners (list, add, edit, deactivate). Admins only."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from hotline.admin import partners, views  # noqa: E402,F401
