"""The admin's pages through a test client: signed in as a new user, the form posted
with its CSRF token, the rows counted."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Role, User
from tests.support.pages import PASSWORD, csrf_token, log_in


def signed_in(app, username: str, role: Role, **headers):
    """A test client logged in as a new user of that role (the user made in a context of its own)."""
    with app.app_context():
        auth.create_user(username, role, PASSWORD)
    client = app.test_client()
    assert log_in(client, username, PASSWORD, headers=headers).status_code == 302
    return client


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(AuditRecord)),
        )


def post_form(client, path: str, form: dict, page: str | None = None, **kwargs):
    return client.post(path, data={**form, "csrf_token": csrf_token(client, page or path)}, **kwargs)
