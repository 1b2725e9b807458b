"""`GET/POST /callback`: the public page where a person asks to be called back.

Every POST is counted per address before anything else, and per number (a keyed
hash of it, never the number) once the number reads, in Redis as the login's
attempts are (hotline/accounts/attempts.py): past HOTLINE_CALLBACK_FORM_RATE_LIMIT
the answer is 429, and a refused request stays counted; when the counters do not
answer, 503. A bad field answers 400 with its own message beside it, and nothing
is recorded. The hidden field `website` is a trap for programs: filled, the
answer is the same confirmation, and nothing is recorded. The confirmation says
when to expect the call and repeats nothing that was typed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from hotline.accounts import attempts
from hotline.accounts.locale import page_language
from hotline.callbacks import service, web
from hotline.callbacks.policy import (
    CallbackPolicy,
    Expectation,
    ExpectationKind,
    InvalidWindow,
    Window,
    due_within,
    expectation,
    parse_window,
)
from hotline.extensions import LIMIT_PREFIX
from hotline.models.base import utcnow
from hotline.public import bp
from hotline.public.forms import CallbackForm

log = logging.getLogger(__name__)

SCOPE = (LIMIT_PREFIX, "callback")


@bp.route("/callback", methods=["GET", "POST"])
def callback():
    policy, vault = service.settings()
    form = CallbackForm(policy, vault.default_region)
    if request.method != "POST":
        return render_template("public/callback.html", form=form)
    refused = _refused(["address:" + (get_remote_address() or "unknown")])
    if refused is not None:
        return refused
    now = utcnow()
    if form.is_trap:
        log.info("callback form: the hidden field was filled; nothing recorded")
        return _confirmation(policy, due_within(policy, now, _window_or_none(form, policy)), now)
    valid = form.validate()
    if form.e164 is not None:
        refused = _refused(["number:" + vault.digest(form.e164)])
        if refused is not None:
            return refused
    if not valid:
        return render_template("public/callback.html", form=form), 400
    requested = web.request_callback(form.e164, form.topic.data, form.parsed_window, page_language(), now)
    return _confirmation(policy, requested.due_at, now)


def _refused(keys: list[str]):
    """None when the request is counted within the limit, else the answer that refuses it."""
    try:
        attempts.count_in(current_app.config["HOTLINE_CALLBACK_FORM_RATE_LIMIT"], SCOPE, keys)
    except attempts.TooManyAttempts as refused:
        page = render_template("public/limited.html")
        return page, 429, {"Retry-After": str(refused.retry_after)}
    except attempts.AttemptsUncounted as refused:
        abort(
            503, description="callback requests cannot be counted just now", retry_after=refused.retry_after
        )
    return None


def _window_or_none(form: CallbackForm, policy: CallbackPolicy) -> Window | None:
    text = (form.window.data or "").strip()
    try:
        return parse_window(text, policy) if text else None
    except InvalidWindow:
        return None


def _confirmation(policy: CallbackPolicy, due_at: datetime, now: datetime):
    return render_template("public/requested.html", when=when(expectation(policy, due_at, now)))


def when(expected: Expectation) -> str:
    """The confirmation's sentence of when the call will come, in the page's language."""
    at = expected.local_time.strftime("%H:%M")
    if expected.kind == ExpectationKind.SOON:
        return _("We will call you back within working hours today.")
    if expected.kind == ExpectationKind.TODAY_AT:
        return _("We will call you back today after %(time)s.", time=at)
    if expected.kind == ExpectationKind.TOMORROW_AFTER:
        return _("We will call you back tomorrow after %(time)s.", time=at)
    return _on_day(expected.weekday, at)


def _on_day(weekday: int, at: str) -> str:
    sentences = (
        _("We will call you back on Monday after %(time)s.", time=at),
        _("We will call you back on Tuesday after %(time)s.", time=at),
        _("We will call you back on Wednesday after %(time)s.", time=at),
        _("We will call you back on Thursday after %(time)s.", time=at),
        _("We will call you back on Friday after %(time)s.", time=at),
        _("We will call you back on Saturday after %(time)s.", time=at),
        _("We will call you back on Sunday after %(time)s.", time=at),
    )
    return sentences[weekday]
