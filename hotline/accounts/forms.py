"""The login form and the language switcher (Flask-WTF: each carries csrf_token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp

from hotline.accounts.users import LANGUAGES

# Each language by its own name, so a reader finds theirs whatever the page's language.
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


# No keyboard types NUL; scrypt's HMAC would read "secret\0" as "secret".
NO_NUL = Regexp(r"^[^\x00]*$")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64), NO_NUL])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024), NO_NUL])


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("As the browser"))]
        + [SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code}) for code in LANGUAGES],
    )
