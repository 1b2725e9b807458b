"""flask commands, /healthz, and the settings' refusals."""

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from hotline.extensions import db
from hotline.models import AuditRecord, User


def test_create_user_with_a_password(runner, app_context):
    result = runner.invoke(args=["create-user", "aigerim", "--role", "operator", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.username, user.role) == ("aigerim", "operator")
    assert check_password_hash(user.password_hash, "s3cret-pass")
    assert db.session.scalars(select(AuditRecord).where(AuditRecord.action == "user.created")).one()


def test_create_user_generates_a_password_and_refuses_duplicates(runner, app_context):
    result = runner.invoke(args=["create-user", "dana", "--role", "supervisor"])
    password = result.output.strip().splitlines()[-1].removeprefix("password: ")
    assert check_password_hash(db.session.scalars(select(User)).one().password_hash, password)
    again = runner.invoke(args=["create-user", "dana", "--role", "admin"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_create_user_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["create-user", "x", "--role", "janitor"])
    assert result.exit_code == 2


def test_create_token_prints_a_working_token_last(runner, client):
    result = runner.invoke(args=["create-token", "wallboard"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/queues", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_says_when_redis_is_unreachable(make_app):
    from tests.support.servers import free_port

    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unreachable"}


def test_healthz_says_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/hotline.db")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable" and response.json["redis"] == "ok"


def test_a_language_with_no_prompts_is_refused_at_start_up(make_app):
    with pytest.raises(RuntimeError, match="no prompts: en"):
        make_app(HOTLINE_LANGUAGES=["ru", "en"])


def test_unreadable_hours_are_refused_at_start_up(make_app):
    from hotline.core.hours import InvalidHours

    with pytest.raises(InvalidHours):
        make_app(HOTLINE_HOURS="weekdays nine to five")
