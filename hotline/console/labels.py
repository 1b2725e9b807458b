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


@bp.app_template_global()
def partner_kind_labels() -> dict[str, str]:
    return {
        "organisation": gettext("Organisation"),
        "expert": gettext("Expert"),
        "mentor": gettext("Mentor"),
    }


@bp.app_template_global()
def partner_field_labels() -> dict[str, str]:
    """What help a partner gives (hotline.models.partners.PartnerField)."""
    return {
        "legal": gettext("Legal help"),
        "psychological": gettext("Psychological help"),
        "medical": gettext("Medical help"),
        "housing": gettext("Housing"),
        "work": gettext("Work"),
        "documents": gettext("Documents"),
        "training": gettext("Training"),
        "other": gettext("Other help"),
    }


@bp.app_template_global()
def region_labels() -> dict[str, str]:
    return {
        "astana": gettext("Astana"),
        "karaganda": gettext("Karaganda region"),
        "akmola": gettext("Akmola region"),
        "other": gettext("Other regions"),
    }
