"""Accounts in the browser: login, logout, the console's language, and `/`."""

from flask import Blueprint, current_app
from flask_babel import gettext

from hotline.accounts.forms import LANGUAGE_NAMES
from hotline.accounts.locale import page_language

bp = Blueprint("accounts", __name__)


@bp.app_context_processor
def _layout() -> dict:
    """What the base layout needs on every page."""
    return {
        "hotline_name": current_app.config["HOTLINE_NAME"] or gettext("Helpline"),
        "page_language": page_language,
        "language_names": LANGUAGE_NAMES,
    }


from hotline.accounts import views  # noqa: E402,F401
