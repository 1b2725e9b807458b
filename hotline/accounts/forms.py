"""The login form and the language switcher (Flask-WTF: each carries csrf_token),
and the base of every form of the pages."""

from __future__ import annotations

from flask import abort, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from hotline.accounts.users import LANGUAGES

FORM = "application/x-www-form-urlencoded"  # what the pages' forms send (none uploads a file)

# Each language by its own name, so a reader finds theirs whatever the page's language.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


# No keyboard types NUL; scrypt's HMAC would read "secret\0" as "secret".
NO_NUL = Regexp(r"^[^\x00]*$")


class PageForm(FlaskForm):
    """A form of the pages: filled from a posted form alone. Flask-WTF would
    fill it from a JSON body too, whose values need not be text (a number, a
    list, an object) and fail the validators, written for text, with a 500;
    ignoring the body instead would let an edit form save what it shows. A
    form posted as anything but a form (JSON, plain text …) is refused with 415."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            posted_otherwise = has_request_context() and request.mimetype != FORM
            if formdata is not None and posted_otherwise and form.is_submitted():
                abort(415, description="send the form as application/x-www-form-urlencoded")
            return super().wrap_formdata(form, formdata)


class LoginForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64), NO_NUL])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024), NO_NUL])


class LanguageForm(PageForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("As the browser"))]
        + [SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code}) for code in LANGUAGES],
    )
