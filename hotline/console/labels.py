"""The words for the hotline's codes, in the user's language: one registry for
the templates (templates/labels.html's queue_label, language_label, role_label)
and for the pages' scripts (the `labels` of a page's JSON block, read by
hotline/static/js/kit/labels.js under the same names)."""

from __future__ import annotations

from flask_babel import gettext

from hotline.console import bp


@bp.app_template_global()
def queue_labels() -> dict[str, str]:
    return {
        "psychologist": gettext("Psychologist"),
        "medical": gettext("Medical"),
        "legal": gettext("Legal"),
        "general": gettext("General"),
    }


@bp.app_template_global()
def language_labels() -> dict[str, str]:
    return {"kk": gettext("Kazakh"), "ru": gettext("Russian"), "en": gettext("English")}


@bp.app_template_global()
def role_labels() -> dict[str, str]:
    return {
        "operator": gettext("Operator"),
        "supervisor": gettext("Supervisor"),
        "admin": gettext("Administrator"),
    }
