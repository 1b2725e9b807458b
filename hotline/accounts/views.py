"""Login, logout, the console's language, and `/`.

Login attempts are limited per username and per address (HOTLINE_LOGIN_RATE_LIMIT,
counted in Redis); only failed attempts count, so an office where everyone logs in
at the start of a shift is not locked out. A wrong password, an unknown user and
a deactivated one get the same answer.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from hotline import audit
from hotline.accounts import auth, bp, users
from hotline.accounts.forms import LanguageForm, LoginForm
from hotline.extensions import db, limiter

USERNAME_CHARS = 64


def _login_limit() -> str:
    return current_app.config["HOTLINE_LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code != 302


def _username_key() -> str:
    """A digest, so whatever is typed as a username never becomes a Redis key itself."""
    typed = request.form.get("username", "").strip().lower()[:USERNAME_CHARS]
    return "user:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def _address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_username_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("console.console"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        username = form.username.data.strip()
        user = auth.authenticate(username, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            audit.record(user.username, "user.logged_in", "user", user.id)
            db.session.commit()
            return redirect(_safe_next() or url_for("console.console"))
        audit.record(username[:USERNAME_CHARS], "user.login_failed", "user", "")
        db.session.commit()
        failed = True
    elif request.method == "POST":
        failed = True
    return render_template("accounts/login.html", form=form, failed=failed)


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
