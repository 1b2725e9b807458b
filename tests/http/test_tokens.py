"""API tokens: a user's token acts as that user, an integration's only reads;
revoking, deactivating, and last_used_at written at most once a minute without
ever holding up a read."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest
import time_machine
from flask import g, jsonify
from sqlalchemy import create_engine, func, select, update

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import ApiToken, AuditRecord, Role, User
from tests.support.clock import later

WRITE_PATH = "/api/v1/test-only-write"


@pytest.fixture
def write_route(app):
    """A write endpoint for these tests alone: issue 7 brings the real ones."""

    @auth.token_required(write=True)
    def write_something():
        return jsonify(user=g.api_user.username, token=g.api_token.name)

    app.add_url_rule(WRITE_PATH, "test_only_write", write_something, methods=["POST"])
    return WRITE_PATH


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def created_token(runner, *args: str) -> str:
    result = runner.invoke(args=["create-token", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def audit_actions() -> list[tuple[str, str]]:
    db.session.rollback()
    return [
        (r.action, r.object_type)
        for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))
        if r.action != "user.created"
    ]


def token_named(name: str) -> ApiToken:
    db.session.rollback()
    return db.session.scalars(select(ApiToken).where(ApiToken.name == name)).one()


@pytest.fixture
def aigerim(app_context) -> User:
    return auth.create_user("aigerim", Role.OPERATOR)[0]


def test_a_users_token_acts_as_that_user(runner, client, write_route, aigerim):
    token = created_token(runner, "console", "--user", "aigerim")
    response = client.post(write_route, headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {"user": "aigerim", "token": "console"}
    assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
    assert token_named("console").user_id == aigerim.id
    created = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "token.created")).one()
    assert created.detail == {"name": "console", "user_id": aigerim.id}


def test_an_integration_token_only_reads(runner, client, write_route, app_context):
    token = created_token(runner, "wallboard")
    assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
    response = client.post(write_route, headers=bearer(token))
    assert response.status_code == 403
    assert response.json == {"error": "Forbidden", "message": "this token is read-only"}


def test_write_route_still_needs_a_valid_token(client, write_route, app_context):
    assert client.post(write_route).status_code == 401
    assert client.post(write_route, headers=bearer("hl_nope")).status_code == 401


@pytest.mark.parametrize("username", ["nobody", "dana"])
def test_no_token_for_an_unknown_or_deactivated_user(runner, app_context, username):
    auth.create_user("dana", Role.OPERATOR)
    auth.deactivate_user("dana")
    before = db.session.scalar(select(func.count()).select_from(AuditRecord))
    result = runner.invoke(args=["create-token", "console", "--user", username])
    assert result.exit_code == 1
    expected = "no user named 'nobody'" if username == "nobody" else "the user 'dana' is deactivated"
    assert expected in result.output
    assert "hl_" not in result.output
    db.session.rollback()
    assert db.session.scalars(select(ApiToken)).all() == []
    assert db.session.scalar(select(func.count()).select_from(AuditRecord)) == before


def test_revoke_token_revokes_every_token_of_that_name(runner, client, app_context):
    first, second = created_token(runner, "wallboard"), created_token(runner, "wallboard")
    other = created_token(runner, "reports")
    result = runner.invoke(args=["revoke-token", "wallboard"])
    assert result.exit_code == 0, result.output
    assert "revoked 2 API token(s) named 'wallboard'" in result.output
    for token in (first, second):
        response = client.get("/api/v1/queues", headers=bearer(token))
        assert response.status_code == 401
        assert response.json["message"] == "the API token is unknown or revoked"
    assert client.get("/api/v1/queues", headers=bearer(other)).status_code == 200
    assert audit_actions()[-2:] == [("token.revoked", "api_token")] * 2
    db.session.rollback()
    revoked = db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_not(None))).all()
    assert sorted(t.name for t in revoked) == ["wallboard", "wallboard"]


@pytest.mark.parametrize("name", ["nothing-here", "wallboard"])
def test_revoke_token_with_no_unrevoked_token_of_that_name(runner, app_context, name):
    created_token(runner, "wallboard")
    assert runner.invoke(args=["revoke-token", "wallboard"]).exit_code == 0
    before = audit_actions()
    result = runner.invoke(args=["revoke-token", name])
    assert result.exit_code == 1
    assert f"no unrevoked API token named {name!r}" in result.output
    assert audit_actions() == before


def test_deactivating_a_user_revokes_their_tokens(runner, client, aigerim):
    tokens = [
        created_token(runner, "console", "--user", "aigerim"),
        created_token(runner, "phone", "--user", "aigerim"),
    ]
    integration = created_token(runner, "wallboard")
    result = runner.invoke(args=["deactivate-user", "aigerim"])
    assert result.exit_code == 0, result.output
    assert "revoked 2 API token(s)" in result.output
    for token in tokens:
        assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/queues", headers=bearer(integration)).status_code == 200
    db.session.rollback()
    assert db.session.get(User, aigerim.id).active is False
    assert all(
        t.revoked_at for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == aigerim.id))
    )
    assert audit_actions()[-3:] == [("user.deactivated", "user")] + [("token.revoked", "api_token")] * 2


@pytest.mark.parametrize("name", ["nobody", "aigerim"])
def test_deactivate_user_refuses_unknown_or_inactive_users(runner, aigerim, name):
    auth.deactivate_user("aigerim")
    before = audit_actions()
    result = runner.invoke(args=["deactivate-user", name])
    assert result.exit_code == 1
    expected = "no user named 'nobody'" if name == "nobody" else "the user 'aigerim' is deactivated already"
    assert expected in result.output
    assert audit_actions() == before


def test_an_inactive_users_token_is_refused_even_unrevoked(runner, client, write_route, aigerim):
    """As when a token is created while the user's deactivation commits."""
    token = created_token(runner, "console", "--user", "aigerim")
    db.session.execute(update(User).where(User.id == aigerim.id).values(active=False))
    db.session.commit()
    assert token_named("console").revoked_at is None
    assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 401
    assert client.post(write_route, headers=bearer(token)).status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(runner, client, app_context):
    token = created_token(runner, "wallboard")
    start = later()
    with time_machine.travel(start, tick=False) as clock:
        assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
        assert token_named("wallboard").last_used_at == start
        clock.shift(timedelta(seconds=59))
        assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
        assert token_named("wallboard").last_used_at == start
        clock.shift(timedelta(seconds=2))
        assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
        assert token_named("wallboard").last_used_at == start + timedelta(seconds=61)


class WriteLock:
    """Another connection holding the write lock: on SQLite the database's,
    on PostgreSQL the token's row."""

    def __init__(self, database_url: str, token_id: int) -> None:
        self.database_url, self.token_id = database_url, token_id

    def __enter__(self):
        if self.database_url.startswith("sqlite"):
            self.connection = sqlite3.connect(
                self.database_url.removeprefix("sqlite:///"), isolation_level=None
            )
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            self.engine = create_engine(self.database_url)
            self.connection = self.engine.connect()
            self.connection.execute(update(ApiToken).where(ApiToken.id == self.token_id).values(name="held"))
        return self

    def __exit__(self, *exc) -> None:
        self.connection.rollback()
        self.connection.close()
        if hasattr(self, "engine"):
            self.engine.dispose()


def test_a_read_answers_while_the_database_is_busy(runner, client, app_context, database_url):
    token = created_token(runner, "wallboard")
    with WriteLock(database_url, token_named("wallboard").id):
        started = time.monotonic()
        response = client.get("/api/v1/queues", headers=bearer(token))
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2, "the read waited on the write lock"
    assert token_named("wallboard").last_used_at is None
    assert client.get("/api/v1/queues", headers=bearer(token)).status_code == 200
    assert token_named("wallboard").last_used_at is not None
