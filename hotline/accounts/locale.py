"""Which language and time zone a page is shown in."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

from hotline.accounts.users import LANGUAGES
from hotline.extensions import babel


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["HOTLINE_TIMEZONE"]
    babel.init_app(app, locale_selector=page_language, timezone_selector=hotline_timezone)


def page_language() -> str:
    """The user's chosen language, else the browser's best match among ours."""
    if current_user and current_user.is_authenticated and current_user.language:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]


def hotline_timezone() -> str:
    return current_app.config["HOTLINE_TIMEZONE"]
