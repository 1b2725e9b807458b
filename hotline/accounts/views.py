"""Login, logout, the console's language, and `/`.

Login attempts are limited per username and per address (HOTLINE_LOGIN_RATE_LIMIT):
each is counted before its password is checked and given back when it succeeds
(hotline/accounts/attempts.py). Over the limit the answer is 429; when the counters
do not answer, 503: never a check that was not counted. A wrong password, an unknown
user and a deactivated one get the same answer. The login takes its own form only
(form-encoded; `forms.PageForm`): any other body is 415, and counts for nobody.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from hotline import audit
from hotline.accounts import attempts, auth, bp, users
from hotline.accounts.forms import LanguageForm, LoginForm
from hotline.extensions import db


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("console.console"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        username = form.username.data.strip()
        attempt = _counted(username)
        user = auth.authenticate(username, form.password.data)
        if user is not None:
            attempts.give_back(attempt)
            session.clear()
            login_user(user)
            audit.record(user.username, "user.logged_in", "user", user.id)
            db.session.commit()
            return redirect(_safe_next() or url_for("console.console"))
        audit.record(username[: attempts.USERNAME_CHARS], "user.login_failed", "user", "")
        db.session.commit()
        failed = True
    elif request.method == "POST":
        failed = True
    return render_template("accounts/login.html", form=form, failed=failed)


def _counted(username: str) -> attempts.Attempt:
    """This attempt, counted; else the login ends here with 429 or 503."""
    try:
        return attempts.count(
            current_app.config["HOTLINE_LOGIN_RATE_LIMIT"], username, get_remote_address() or "unknown"
        )
    except attempts.TooManyAttempts as refused:
        abort(429, description="too many login attempts", retry_after=refused.retry_after)
    except attempts.AttemptsUncounted as refused:
        abort(503, description="login attempts cannot be counted just now", retry_after=refused.retry_after)


def _safe_next() -> str | None:
    """Where the login page was asked from: a path on this site only."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or parts.scheme
        or parts.netloc
        or "\\" in target
    ):
        return None
    return target


@bp.post("/logout")
@login_required
def logout():
    """Ends every session of the user, not only this browser's: a cookie copied
    before the logout is refused, and their open consoles are disconnected."""
    audit.record(current_user.username, "user.logged_out", "user", current_user.id)
    users.end_sessions(current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


@bp.post("/me/language")
@login_required
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return _("Choose one of the languages offered."), 400, {"Content-Type": "text/plain; charset=utf-8"}
    users.set_interface_language(current_user._get_current_object(), form.language.data or None)
    return redirect(url_for("console.console"))


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("console.console"))
    return redirect(url_for("accounts.login"))
