"""The login's limits against the Procfile's web process (gunicorn, one gevent worker,
its own redis-server), through HTTP as an attacker would send: logins at once, with
the limiter's Redis frozen, and bodies that are not the login's form.

The user's password is hashed with werkzeug's default scrypt, as in production, so
each check costs what a real one does."""

from __future__ import annotations

import time

import pytest
import requests
from redis import Redis
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, Role
from tests.support.concurrency import at_once
from tests.support.live_events import frozen, private_redis
from tests.support.pages import CSRF_META
from tests.support.servers import web_processes

PASSWORD = "correct horse battery"
LIMIT = 5


class Browser:
    """A browser's session: the login page read once, then its form sent."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        page = self.session.get(f"{url}/login", timeout=10)
        self.token = CSRF_META.search(page.text).group(1)

    def log_in(self, password: str, username: str = "aigerim") -> int:
        form = {"username": username, "password": password, "csrf_token": self.token}
        answer = self.session.post(f"{self.url}/login", data=form, allow_redirects=False, timeout=20)
        return answer.status_code


@pytest.fixture
def line(make_app, database_url, tmp_path):
    """(the gunicorn's URL, its redis-server process and URL, an app on the same database)."""
    with (
        private_redis(tmp_path) as (process, url),
        web_processes(1, database_url, url, tmp_path, HOTLINE_LOGIN_RATE_LIMIT=f"{LIMIT} per minute") as [
            web
        ],
    ):
        app = make_app(REDIS_URL=url)
        with app.app_context():
            user, _password = auth.create_user("aigerim", Role.OPERATOR, PASSWORD)
            user.password_hash = generate_password_hash(PASSWORD)
            db.session.commit()
        yield web.url, process, url, app


def login_actions(app) -> list[str]:
    with app.app_context():
        records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        return [r.action for r in records if r.action.startswith("user.log")]


def test_of_30_wrong_passwords_at_once_only_the_limit_are_checked(line):
    url, _process, _redis_url, app = line
    browsers = [Browser(url) for _ in range(30)]
    statuses = at_once([lambda b=browser: b.log_in("wrong") for browser in browsers])
    checked = statuses.count(200)
    # Each attempt is counted per username and per address, and must be within both:
    # the two counters may order the attempts differently, so fewer than the limit may pass.
    assert 1 <= checked <= LIMIT and statuses.count(429) == 30 - checked, statuses
    assert login_actions(app) == ["user.login_failed"] * checked
    # The right password within the minute waits out the limit too, unchecked.
    assert Browser(url).log_in(PASSWORD) == 429
    assert login_actions(app) == ["user.login_failed"] * checked


def test_logins_are_refused_while_the_limiters_redis_is_frozen(line):
    url, process, redis_url, app = line
    assert Browser(url).log_in("wrong") == 200  # the counters' script loaded, connections made
    browsers = [Browser(url) for _ in range(2 * LIMIT)]
    started = time.monotonic()
    with frozen(process, redis_url):
        statuses = at_once(
            [lambda b=b, n=n: b.log_in(PASSWORD if n % 2 else "wrong") for n, b in enumerate(browsers)]
        )
    assert statuses == [503] * len(browsers)
    assert time.monotonic() - started < 10  # each waited for a counter for a second, not for Redis
    assert login_actions(app) == ["user.login_failed"]

    # What was sent while it was stopped, Redis may still count once it reads it.
    Redis.from_url(redis_url).flushdb()
    browser = Browser(url)
    assert browser.log_in(PASSWORD) == 302
    assert browser.session.get(f"{url}/console", allow_redirects=False, timeout=10).status_code == 200


def test_a_json_login_is_refused_and_counts_for_nobody(line):
    url, _process, _redis_url, app = line
    browser = Browser(url)
    body = {"username": "aigerim", "password": "wrong"}
    for _ in range(LIMIT + 1):
        answer = browser.session.post(
            f"{url}/login",
            json=body,
            headers={"X-CSRFToken": browser.token},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.status_code == 415
        assert answer.headers["Content-Type"].startswith("text/html")
    assert browser.session.post(f"{url}/login", json=body, timeout=10).status_code == 400  # no CSRF token
    assert [browser.log_in("wrong") for _ in range(LIMIT + 1)] == [200] * LIMIT + [429]
    assert login_actions(app) == ["user.login_failed"] * LIMIT
