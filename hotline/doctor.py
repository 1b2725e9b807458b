"""`flask --app hotline doctor`: is this hotline set up to work?

One line per check, "ok" or "problem" with what to do: the settings (the same
rules that refuse a start, config/), the database (reachable, migrations at
head), Redis (reachable within a second), the recordings (Kazakh prompts with
no recording), the telephony credentials (with the simulator: it answers; for
Twilio: shaped right, never tried, since the doctor never calls Twilio). Exits
non-zero when any check found a problem. No line shows a secret or a URL's
password.

Settings so wrong that the app refuses to start are what the doctor is for.
When the flask CLI loads the app to find one of its commands, the app factory
builds a bare app anyway (`refused_app`), from the settings as given,
unchecked: its one command is the doctor, and any other says the refusal in
plain words. Everything else (gunicorn, `flask run`, `flask shell`, a test)
is refused as before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import requests
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

import config as settings

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
TIMEOUT_SECONDS = 1
REFUSED = "refused_settings"


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    words: str

    def line(self) -> str:
        return f"{self.check + ':':<12} {'ok' if self.ok else 'problem'}: {self.words}"


def ok(check: str, words: str) -> Finding:
    return Finding(check, True, words)


def problem(check: str, words: str) -> Finding:
    return Finding(check, False, words)


def check_settings(app: Flask) -> Finding:
    mode = os.environ.get("HOTLINE_ENV", "development")
    refused = app.extensions.get(REFUSED)
    if refused is None:
        rules = settings.CONFIGS.get(mode, settings.Config)
        as_loaded = rules.__new__(rules)
        vars(as_loaded).update(app.config)
        try:
            as_loaded.check()
        except RuntimeError as error:
            refused = str(error)
    if refused is not None:
        return problem("settings", f"{refused}; set these environment variables and run the doctor again")
    return ok("settings", f"{mode} settings")


def check_database(app: Flask) -> Finding:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    upgrade = "run `flask --app hotline db upgrade`"
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return problem("database", f"the SQLite file {url.database} does not exist: {upgrade}")
    options = {"connect_timeout": TIMEOUT_SECONDS * 3} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, connect_args=options)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        where = f"{url.host}:{url.port or ''}" if url.host else "DATABASE_URL"
        return problem("database", f"cannot connect to {where} ({type(error).__name__}): check DATABASE_URL")
    finally:
        engine.dispose()
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(alembic).get_heads())
    if not current:
        return problem("database", f"reachable, but not migrated (no tables): {upgrade}")
    if current != heads:
        at, needed = ", ".join(sorted(current)), ", ".join(sorted(heads))
        return problem("database", f"at migration {at}, this code needs {needed}: {upgrade}")
    return ok("database", f"{url.get_backend_name()}, migrations at head ({', '.join(sorted(heads))})")


def check_redis(app: Flask) -> Finding:
    connection = Redis.from_url(
        app.config["REDIS_URL"], socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    )
    where = "{host}:{port}".format(**connection.connection_pool.connection_kwargs)
    try:
        connection.ping()
    except RedisError as error:
        return problem(
            "redis",
            f"nothing answers at {where} ({type(error).__name__}): start Redis "
            "(bin/run starts the embedded one) or fix REDIS_URL",
        )
    finally:
        connection.close()
    return ok("redis", f"answers at {where}")


def check_recordings(app: Flask) -> Finding:
    from telephony import recordings

    missing = recordings.missing(app)
    if not missing:
        return ok("recordings", "every prompt of every language has its recording, or needs none")
    words = "; ".join(
        f"{recordings.summary(app, language, keys)}: {', '.join(keys)}" for language, keys in missing.items()
    )
    return problem("recordings", words)


def check_telephony(app: Flask) -> Finding:
    config = app.config
    if not config.get("TELEPHONY_SIMULATOR"):
        shapes = [
            found
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
            if (found := settings._secret_problem(_Values(config), name, settings.SECRETS[name]))
        ]
        if shapes:
            return problem("telephony", "; ".join(shapes) + ": copy them from Twilio's console")
        return ok(
            "telephony", "Twilio's account SID and auth token are shaped right (not tried: never called)"
        )
    return _simulator_answers(app)


def _simulator_answers(app: Flask) -> Finding:
    config = app.config
    account, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    path = f"/2010-04-01/Accounts/{account}/Queues.json"
    base = config.get("TWILIO_API_BASE_URL", "").rstrip("/")
    if base:
        try:
            status = requests.get(base + path, auth=(account, token), timeout=TIMEOUT_SECONDS * 3).status_code
        except requests.RequestException as error:
            return problem(
                "telephony",
                f"the simulator does not answer at {base} ({type(error).__name__}): start the web process "
                "(bin/run) or fix TWILIO_API_BASE_URL",
            )
        where = f"at {base}"
    elif "simulator" in app.blueprints:
        status = app.test_client().get("/simulator" + path, auth=(account, token)).status_code
        where = "in this app"
    else:
        return problem("telephony", "the simulator is on but not mounted: fix the settings first")
    if status == 401:
        return problem(
            "telephony",
            f"the simulator {where} refuses TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: "
            "give every process the web process's",
        )
    if status >= 500:
        return problem(
            "telephony", f"the simulator {where} fails ({status}): it keeps its calls in Redis, is Redis up?"
        )
    if status != 200:
        return problem("telephony", f"the simulator {where} answers {status}: is TWILIO_API_BASE_URL right?")
    return ok("telephony", f"the simulator answers {where}")


class _Values:
    """A config mapping read as attributes, as config's rules read a settings object."""

    def __init__(self, values) -> None:
        self._values = values

    def __getattr__(self, name: str):
        return self._values.get(name, "")


CHECKS: list[Callable[[Flask], Finding]] = [
    check_settings,
    check_database,
    check_redis,
    check_recordings,
    check_telephony,
]


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check the settings, the database, Redis, the recordings and the telephony credentials."""
    app = current_app._get_current_object()
    findings = [_run(check, app) for check in CHECKS]
    for finding in findings:
        click.echo(finding.line())
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)


def _run(check: Callable[[Flask], Finding], app: Flask) -> Finding:
    try:
        return check(app)
    except KeyError as unset:  # the settings did not load at all
        return problem(check.__name__.removeprefix("check_"), f"not checked: {unset} is not set")


def finding_a_command() -> bool:
    """True while the flask CLI loads the app to find one of the app's commands
    (or list them); False for its own `run`, `shell` and `routes`, which load
    the app once chosen, and outside the CLI."""
    context = click.get_current_context(silent=True)
    return context is not None and context.find_root().invoked_subcommand is None


class _RefusedCommands(AppGroup):
    """The commands of an app whose settings are refused: the doctor, and for any
    other the refusal."""

    def __init__(self, name: str, refusal: str) -> None:
        super().__init__(name)
        self.refusal = refusal
        self.add_command(doctor)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == doctor.name:
            return doctor
        raise click.ClickException(f"{self.refusal} (`flask --app hotline doctor` checks the rest)")


def refused_app(refusal: Exception) -> Flask:
    """A bare app for the doctor alone, from the settings as given, unchecked."""
    app = Flask("hotline", static_folder="static")
    app.cli = _RefusedCommands(app.name, str(refusal))
    rules = settings.CONFIGS.get(os.environ.get("HOTLINE_ENV", "development"), settings.Config)
    with contextlib.suppress(ValueError, TypeError):  # then every check but the settings' says "not checked"
        app.config.from_object(rules())
    app.extensions[REFUSED] = str(refusal)
    return app
