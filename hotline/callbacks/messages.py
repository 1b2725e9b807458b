"""What the hotline writes to a person it could not call back.

One SMS after the last failed attempt, in the person's language, naming no
topic and no queue (the phone may be shared): only that the hotline called and
how to reach it. HOTLINE_CALLBACK_FAILED_SMS may give the text per language as
a JSON object ({"ru": "…", "kk": "…", "en": "…"}; `%(number)s` is the
hotline's number); a language it leaves out gets the translated default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import current_app
from flask_babel import force_locale, gettext


class InvalidSmsSetting(RuntimeError):
    """HOTLINE_CALLBACK_FAILED_SMS is not a JSON object of texts by language."""


def texts(setting: str) -> dict[str, str]:
    """The texts by language that HOTLINE_CALLBACK_FAILED_SMS gives (empty: none)."""
    if not setting.strip():
        return {}
    try:
        parsed = json.loads(setting)
    except ValueError:
        raise InvalidSmsSetting(
            "HOTLINE_CALLBACK_FAILED_SMS must be a JSON object of texts by language"
        ) from None
    if not isinstance(parsed, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) and value.strip() for key, value in parsed.items()
    ):
        raise InvalidSmsSetting("HOTLINE_CALLBACK_FAILED_SMS must map each language to a text")
    return dict(parsed)


def failed_sms(language: str | None) -> str:
    config = current_app.config
    language = language or config["HOTLINE_LANGUAGES"][0]
    number = config["HOTLINE_NUMBER"]
    given = texts(config["HOTLINE_CALLBACK_FAILED_SMS"]).get(language)
    if given is not None:
        return given.replace("%(number)s", number)
    with force_locale(language):
        return gettext(
            "We tried to call you back and could not reach you. Call us on %(number)s when it suits you.",
            number=number,
        )
