"""`flask create-user` with skills, languages and an own phone number; every
refusal is a clear error that writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, OperatorLanguage, OperatorSkill, User
from tests.support.pages import log_in

NUMBER = "+77015554321"


def users_written(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_an_operator_with_queues_languages_and_a_phone(app, runner, client):
    result = runner.invoke(
        args=[
            "create-user",
            "aigerim",
            "--role",
            "operator",
            "--queues",
            "legal, general",
            "--languages",
            "ru,kk",
            "--password",
            "a long password",
            "--phone",
            "8 701 555 43 21",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "queues: legal, general" in result.output
    assert "languages: ru, kk" in result.output
    assert "phone: ••••21" in result.output
    assert NUMBER not in result.output

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        assert sorted(
            db.session.scalars(select(OperatorSkill.queue).where(OperatorSkill.user_id == user.id))
        ) == [
            "general",
            "legal",
        ]
        assert user.language_codes == ["kk", "ru"]
        assert user.phone_encrypted is not None and NUMBER.encode() not in user.phone_encrypted
        assert app.extensions["phone_vault"].decrypt(user.phone_encrypted) == NUMBER
        assert user.language is None
        audit = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "user.created")).one()
        assert NUMBER not in str(audit.detail)

    log_in(client, "aigerim", "a long password")
    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "My own phone: ••••21" in page
    assert NUMBER not in page


def test_skills_and_languages_are_searchable_by_sql(app, runner):
    runner.invoke(args=["create-user", "a", "--role", "operator", "--queues", "legal", "--languages", "kk"])
    runner.invoke(args=["create-user", "b", "--role", "operator", "--queues", "legal", "--languages", "ru"])
    runner.invoke(args=["create-user", "c", "--role", "operator", "--queues", "medical", "--languages", "kk"])
    with app.app_context():
        found = db.session.scalars(
            select(User.username)
            .join(OperatorSkill, OperatorSkill.user_id == User.id)
            .join(OperatorLanguage, OperatorLanguage.user_id == User.id)
            .where(OperatorSkill.queue == "legal", OperatorLanguage.language == "kk")
        ).all()
    assert found == ["a"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--queues", "legal,cooking"], "unknown queue: cooking"),
        (["--languages", "ru,de"], "unknown language: de"),
        (["--phone", "not a number"], "--phone is not a phone number"),
        (["--phone", "12"], "--phone is not a phone number"),
        (["--phone", "anonymous"], "--phone is not a phone number"),
        (["--role", "root"], "Invalid value for '--role'"),
    ],
)
def test_refusals_are_clear_and_write_nothing(app, runner, options, message):
    args = ["create-user", "aigerim", *(["--role", "operator"] if "--role" not in options else []), *options]
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert users_written(app) == 0


def test_a_second_user_of_the_same_name_is_refused(app, runner):
    assert runner.invoke(args=["create-user", "aigerim", "--role", "operator"]).exit_code == 0
    result = runner.invoke(args=["create-user", "aigerim", "--role", "admin", "--queues", "legal"])
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert users_written(app) == 1
