"""The callback form: each field checked on its own, with its own message in the
reader's language, and none that repeats what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from hotline.accounts.forms import PageForm
from hotline.callbacks.policy import CallbackPolicy, InvalidWindow, Window, parse_window
from hotline.core.phones import TYPED, TYPED_MAX_CHARS, InvalidNumber, dialable, is_withheld
from hotline.models import QueueName

CONSENT = "yes"
TOPICS = tuple(queue.value for queue in QueueName)

WINDOW_MESSAGES = {
    "format": _l("Write the time as two times of day with a dash, like 18:00-19:00."),
    "time": _l("The times must be between 00:00 and 23:59."),
    "order": _l("The end of the time must come after its start, on the same day."),
    "outside_hours": _l("We call back only during our callback hours, and this time is outside them."),
}


class CallbackForm(PageForm):
    number = StringField(_l("Your phone number"))
    topic = RadioField(
        _l("What would you like to talk about?"),
        choices=[
            SelectChoice("psychologist", _l("With a psychologist")),
            SelectChoice("medical", _l("A medical question")),
            SelectChoice("legal", _l("A legal question")),
            SelectChoice("general", _l("Something else")),
        ],
        validate_choice=False,
    )
    window = StringField(_l("When is it convenient to call? (optional)"))
    consent = BooleanField(_l("I agree that the hotline calls me back on this number."))
    website = StringField(_l("Leave this field empty"))

    def __init__(self, policy: CallbackPolicy, region: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.region = region
        self.e164: str | None = None
        self.parsed_window: Window | None = None

    @property
    def is_trap(self) -> bool:
        """The honeypot was filled: no person sees the field, so a program sent this."""
        return bool(self.website.raw_data and self.website.raw_data[0])

    def validate_number(self, field: StringField) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Write the number we should call."))
        if is_withheld(text):
            raise ValidationError(_l("This is not a phone number we can call. Check it and write it again."))
        if len(text) > TYPED_MAX_CHARS or not TYPED.fullmatch(text):
            raise ValidationError(_l("Write the number with digits only, like +7 701 234 56 78."))
        try:
            self.e164 = dialable(text, self.region)
        except InvalidNumber:
            raise ValidationError(
                _l("This is not a phone number we can call. Check it and write it again.")
            ) from None

    def validate_topic(self, field: RadioField) -> None:
        if field.data not in TOPICS:
            raise ValidationError(_l("Choose what you would like to talk about."))

    def validate_window(self, field: StringField) -> None:
        text = (field.data or "").strip()
        if not text:
            return
        try:
            self.parsed_window = parse_window(text, self.policy)
        except InvalidWindow as refused:
            raise ValidationError(WINDOW_MESSAGES.get(refused.reason, WINDOW_MESSAGES["format"])) from None

    def validate_consent(self, field: BooleanField) -> None:
        if field.raw_data != [CONSENT]:
            raise ValidationError(_l("Tick the box to agree, so that we may call you."))
