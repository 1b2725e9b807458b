"""`flask --app hotline doctor`: one line per check, ok or the problem and what
to do, exit 1 when anything is wrong; through the CLI runner and as the
command a person types, never showing a secret."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

import config
from tests.support.production import GOOD
from tests.support.servers import OURS, ROOT, free_port

FLASK = str(Path(sys.executable).with_name("flask"))
CHECKS = ["settings", "database", "redis", "recordings", "telephony"]


def verdicts(output: str) -> dict[str, str]:
    """{check: "ok" or "problem"}, and every line is one check's."""
    found = {}
    for line in output.splitlines():
        check, rest = line.split(":", 1)
        found[check] = rest.split(":", 1)[0].strip()
    assert list(found) == CHECKS, output
    return found


def only_problem(output: str, check: str, *also: str) -> str:
    """The line of `check`, the one (with `also`) that found a problem."""
    problems = {check, *also}
    assert verdicts(output) == {name: "problem" if name in problems else "ok" for name in CHECKS}, output
    return next(line for line in output.splitlines() if line.startswith(check + ":"))


def doctor(app):
    return app.test_cli_runner().invoke(args=["doctor"])


def test_all_fine(make_app):
    result = doctor(make_app(HOTLINE_LANGUAGES=["ru"]))
    assert result.exit_code == 0, result.output
    assert set(verdicts(result.output).values()) == {"ok"}
    assert "migrations at head" in result.output
    assert "the simulator answers in this app" in result.output


def test_redis_unreachable(make_app):
    result = doctor(make_app(HOTLINE_LANGUAGES=["ru"], REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    assert result.exit_code == 1
    # The simulator keeps its calls in Redis: it fails too, and says so.
    line = only_problem(result.output, "redis", "telephony")
    assert "nothing answers at 127.0.0.1:" in line and "start Redis" in line
    assert "is Redis up?" in result.output


def test_database_not_migrated_or_behind(make_app, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = doctor(make_app(HOTLINE_LANGUAGES=["ru"], SQLALCHEMY_DATABASE_URI=f"sqlite:///{empty}"))
    assert result.exit_code == 1
    assert "not migrated" in only_problem(result.output, "database")
    assert "flask --app hotline db upgrade" in result.output

    with sqlite3.connect(empty) as behind:
        behind.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        behind.execute("INSERT INTO alembic_version VALUES ('0001_initial')")
    result = doctor(make_app(HOTLINE_LANGUAGES=["ru"], SQLALCHEMY_DATABASE_URI=f"sqlite:///{empty}"))
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert f"at migration 0001_initial, this code needs {head}:" in only_problem(result.output, "database")

    missing = tmp_path / "nowhere.db"
    result = doctor(make_app(HOTLINE_LANGUAGES=["ru"], SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}"))
    assert "does not exist" in only_problem(result.output, "database")
    assert not missing.exists()


def test_a_setting_the_rules_refuse(make_app):
    result = doctor(make_app(HOTLINE_LANGUAGES=[]))
    assert result.exit_code == 1
    assert "HOTLINE_LANGUAGES names no language" in result.output.splitlines()[0]


def test_missing_recordings_are_named(make_app):
    result = doctor(make_app())
    line = only_problem(result.output, "recordings")
    assert "have no Kazakh recording" in line and "hotline/static/prompts/kk/<prompt>.mp3" in line
    assert "notice" in line and "goodbye" in line


def test_twilio_credentials_are_checked_by_shape_and_never_tried(make_app, monkeypatch):
    def no_network(*_args, **_kwargs):
        raise AssertionError("the doctor called out")

    monkeypatch.setattr("requests.sessions.Session.request", no_network)
    real = {"TWILIO_ACCOUNT_SID": GOOD["TWILIO_ACCOUNT_SID"], "TWILIO_AUTH_TOKEN": GOOD["TWILIO_AUTH_TOKEN"]}
    result = doctor(make_app(HOTLINE_LANGUAGES=["ru"], TELEPHONY_SIMULATOR=False, **real))
    assert result.exit_code == 0, result.output
    assert "shaped right" in result.output

    result = doctor(
        make_app(HOTLINE_LANGUAGES=["ru"], TELEPHONY_SIMULATOR=False, TWILIO_ACCOUNT_SID="AC1234")
    )
    line = only_problem(result.output, "telephony")
    assert "TWILIO_ACCOUNT_SID must be AC followed by 32" in line and "AC1234" not in line


def run_doctor(**settings: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith(OURS)}
    env.update(settings)
    return subprocess.run(
        [FLASK, "--app", "hotline", "doctor"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def testing(database_url, redis_url) -> dict[str, str]:
    return {"HOTLINE_ENV": "testing", "DATABASE_URL": database_url, "REDIS_URL": redis_url}


def test_the_command_all_fine(testing):
    result = run_doctor(**testing, HOTLINE_LANGUAGES="ru")
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(verdicts(result.stdout).values()) == {"ok"}


def test_the_command_with_redis_unreachable(testing):
    result = run_doctor(
        **{**testing, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, HOTLINE_LANGUAGES="ru"
    )
    assert result.returncode == 1
    only_problem(result.stdout, "redis", "telephony")


def test_the_command_says_why_production_refuses_to_start_and_checks_the_rest(testing):
    spoiled = {**GOOD, "SECRET_KEY": "a-secret-far-too-short"}
    result = run_doctor(**{**testing, **spoiled, "HOTLINE_ENV": "production"}, HOTLINE_LANGUAGES="ru")
    assert result.returncode == 1
    line = only_problem(result.stdout, "settings")
    assert "SECRET_KEY must be at least 32 characters" in line
    assert "Traceback" not in result.stderr
    everything = result.stdout + result.stderr
    assert not [name for name, value in spoiled.items() if value in everything]

    result = run_doctor(**{**testing, "HOTLINE_ENV": "production"}, HOTLINE_LANGUAGES="ru")
    assert result.returncode == 1
    assert verdicts(result.stdout)["settings"] == "problem"
    assert "SECRET_KEY is the development default" in result.stdout
    assert config.DEV_SECRET_KEY not in result.stdout + result.stderr


def test_other_commands_say_the_refusal_in_plain_words(testing):
    env = {name: value for name, value in os.environ.items() if not name.startswith(OURS)}
    env.update(testing, HOTLINE_ENV="production")
    result = subprocess.run(
        [FLASK, "--app", "hotline", "create-token", "wallboard"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Error: Refusing to start in production: SECRET_KEY is the development default" in result.stderr
    assert "Traceback" not in result.stderr
