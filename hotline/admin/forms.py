"""The admin's user forms (Flask-WTF: each carries csrf_token).

Queues and languages are not checked against a list here: hotline/users.py
checks them, for this page and the CLI alike, and the view puts its refusal
next to the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from hotline.accounts.forms import NO_NUL, PageForm
from hotline.accounts.users import LANGUAGES
from hotline.models import QueueName, Role


class UserForm(PageForm):
    role = SelectField(
        _l("Role"),
        choices=[role.value for role in Role],
        default=Role.OPERATOR.value,
        validators=[DataRequired(message=_l("Choose a role."))],
    )
    queues = SelectMultipleField(_l("Queues"), choices=[q.value for q in QueueName], validate_choice=False)
    languages = SelectMultipleField(
        _l("Languages spoken with callers"), choices=LANGUAGES, validate_choice=False
    )
    phone = StringField(_l("Own phone number"), validators=[Optional(), Length(max=32), NO_NUL])


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter a username.")), Length(max=64), NO_NUL],
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
    )
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1024), NO_NUL])


class EditUserForm(UserForm):
    interface_language = SelectField(_l("Console language"), choices=["", *LANGUAGES])
    remove_phone = BooleanField(_l("Remove the phone number"))
