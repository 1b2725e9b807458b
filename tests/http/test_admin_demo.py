"""seed-demo: the demo operator bin/run creates, once, and never in production."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.cli import DEMO_PASSWORD, DEMO_USERNAME
from hotline.extensions import db
from hotline.models import AuditRecord, User
from tests.support.pages import log_in


def demo_users(app) -> list[User]:
    with app.app_context():
        found = db.session.scalars(select(User).where(User.username == DEMO_USERNAME)).all()
        return [(user.role, user.queue_names, user.language_codes, user.active) for user in found]


def test_seed_demo_creates_the_demo_operator_once(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "created the demo operator demo" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "exists already" in second.output
    assert demo_users(app) == [
        ("operator", ["psychologist", "medical", "legal", "general"], ["kk", "ru"], True)
    ]
    with app.app_context():
        created = select(func.count()).where(AuditRecord.action == "user.created")
        assert db.session.scalar(created) == 1
    client = app.test_client()
    assert log_in(client, DEMO_USERNAME, DEMO_PASSWORD).status_code == 302
    assert client.get("/console").status_code == 200


def test_seed_demo_is_refused_in_production(app, runner, monkeypatch):
    monkeypatch.setenv("HOTLINE_ENV", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "seed-demo is for development only, not production" in result.output
    assert demo_users(app) == []
