"""The /cases search form (Flask-WTF). Its values are read by the API's one
reader (`cases.search_query.read`); a refusal is put next to its field here.
The number field is always drawn empty: a number typed is never shown back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField

from hotline.accounts.forms import PageForm
from hotline.core.phones import TYPED_MAX_CHARS

NUMBER_HASH_CHARS = 64

MESSAGES = {
    "number": _l("Write the number with digits only, like +7 701 234 56 78 or 8 701 234 56 78."),
    "opened_from": _l("Choose a day, or leave it empty."),
    "opened_to": _l("Choose a day, or leave it empty."),
}
CHECK = _l("Check this value.")


class CaseSearchForm(PageForm):
    """GET fills every field but the number (never in a URL); POST fills all."""

    reference = StringField(_l("Reference"), render_kw={"maxlength": 32, "autocomplete": "off"})
    number = StringField(
        _l("Caller's number"),
        render_kw={"maxlength": TYPED_MAX_CHARS, "autocomplete": "off", "inputmode": "tel", "value": ""},
    )
    # The selects' choices are the hotline's codes, drawn in the reader's words by the template.
    status = StringField(_l("Status"))
    queue = StringField(_l("Queue"))
    operator = StringField(_l("Assigned operator"), render_kw={"maxlength": 64, "autocomplete": "off"})
    category = StringField(_l("Category"))
    risk = StringField(_l("Risk level"))
    opened_from = StringField(_l("Opened from"), render_kw={"type": "date"})
    opened_to = StringField(_l("Opened until"), render_kw={"type": "date"})
    accompanied = StringField(_l("Full accompaniment"))
    # The keyed hash of a number searched for, so the next page of that search
    # is asked for without the number (a POST body, never a URL).
    person = HiddenField()

    def refuse(self, name: str) -> None:
        """Put the refusal of parameter `name` next to its field."""
        field = getattr(self, name, None)
        if field is not None:
            field.errors = [*field.errors, MESSAGES.get(name, CHECK)]
