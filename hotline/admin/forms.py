"""The admin's user and partner forms (Flask-WTF: each carries csrf_token).

Queues and languages are not checked against a list here: hotline/users.py
checks them, for this page and the CLI alike, and the view puts its refusal
next to the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from hotline.accounts.forms import NO_NUL, PageForm
from hotline.accounts.users import LANGUAGES
from hotline.models import QueueName, Role
from hotline.models.partners import FACET_CODES, Facet, PartnerKind


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


class PartnerForm(PageForm):
    """A partner of the directory. The codes are checked by hotline.partners.directory,
    for this page and the API alike; the view puts its refusal next to the field."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter the partner's name.")), Length(max=200), NO_NUL],
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[kind.value for kind in PartnerKind],
        default=PartnerKind.ORGANISATION.value,
        validate_choice=False,
    )
    fields = SelectMultipleField(
        _l("Fields of help"), choices=FACET_CODES[Facet.FIELD], validate_choice=False
    )
    regions = SelectMultipleField(_l("Regions"), choices=FACET_CODES[Facet.REGION], validate_choice=False)
    languages = SelectMultipleField(
        _l("Languages"), choices=FACET_CODES[Facet.LANGUAGE], validate_choice=False
    )
    contacts = TextAreaField(_l("Contacts"), validators=[Length(max=2000), NO_NUL])


class EditPartnerForm(PartnerForm):
    active = BooleanField(_l("Active: offered to operators for referrals"))
