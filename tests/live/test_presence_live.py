"""Presence, live: presence.changed reaches the supervisors and the operator's
own consoles and nobody else (real python-socketio clients on a live server);
consoles' heartbeats and the sweep that sends away those gone quiet, with a
reload inside the grace changing nothing; and a Redis that stops answering,
which neither breaks a console's connection nor sends anyone away."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from redis import Redis
from sqlalchemy import select, update

from hotline import events
from hotline.accounts.users import create_user
from hotline.extensions import db
from hotline.models import AuditRecord, Role, User, utcnow
from hotline.models.states import Presence
from hotline.operators import presence
from tests.support.clock import later
from tests.support.live_events import Console, frozen, listening, logged_in, private_redis
from tests.support.live_server import serve
from tests.support.pages import CSRF_META, PASSWORD
from workers.sweep import sweep

PATH = "/api/v1/me/presence"
START = later()  # after every login of the run: a session from the future is refused
GRACE = 30


def choose(url: str, browser, body: dict) -> dict:
    """What the console's fetch does: PUT with the page's CSRF token."""
    token = CSRF_META.search(browser.get(f"{url}/console").text).group(1)
    answer = browser.put(f"{url}{PATH}", json=body, headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.text
    return answer.json()


def presence_events(console: Console, username: str | None = None) -> list[dict]:
    return [
        data
        for name, data in list(console.received)
        if name == events.PRESENCE_CHANGED and username in (None, data["username"])
    ]


def wait_for_presence(console: Console, username: str, presence_now: str, timeout: float = 5) -> dict:
    return console.heard(
        events.PRESENCE_CHANGED,
        lambda data: (data["username"], data["presence"]) == (username, presence_now),
        timeout,
        f"presence.changed {username} → {presence_now}",
    )


def presence_of(app, username: str) -> str:
    with app.app_context():
        return db.session.scalars(select(User.presence).where(User.username == username)).one()


def staff(app) -> None:
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        create_user("dana", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        create_user("boris", Role.SUPERVISOR, PASSWORD)


def test_presence_changes_reach_the_supervisors_and_the_operators_own_consoles_only(make_app):
    with serve(make_app) as live:
        staff(live.app)
        aigerim_browser, dana_browser = logged_in(live.url, "aigerim"), logged_in(live.url, "dana")
        redis_url = live.app.config["REDIS_URL"]
        aigerim = listening(redis_url, lambda: Console(live.url, aigerim_browser))
        other_tab = Console(live.url, aigerim_browser)
        dana = Console(live.url, dana_browser)
        supervisor = Console(live.url, logged_in(live.url, "boris"))
        try:
            answer = choose(live.url, aigerim_browser, {"presence": "available"})
            assert answer["presence"] == "available"
            for console in (supervisor, aigerim, other_tab):
                message = wait_for_presence(console, "aigerim", "available")
                assert set(message) == {"username", "presence", "device", "since"}
                assert message["device"] == "browser"
            # Dana's own change comes after Aigerim's on the same queue of events.
            choose(live.url, dana_browser, {"presence": "available"})
            wait_for_presence(dana, "dana", "available")
            wait_for_presence(supervisor, "dana", "available")
        finally:
            for console in (aigerim, other_tab, dana, supervisor):
                console.close()
    assert presence_events(dana) == presence_events(dana, "dana")
    assert [data["username"] for data in presence_events(aigerim)] == ["aigerim"]


def sweep_at(app) -> None:
    with app.app_context():
        sweep()


def reasons(app, username: str) -> list[str]:
    with app.app_context():
        records = db.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.action == "presence.changed", AuditRecord.object_id == username)
            .order_by(AuditRecord.id)
        )
        return [f"{r.detail['presence']}:{r.detail['reason']}" for r in records]


def closed_at_once(console: Console) -> None:
    """The tab is closed: the connection drops with no goodbye."""
    console.client.eio.disconnect(abort=True)


def test_a_closed_console_goes_away_after_the_grace_and_a_reload_does_not(make_app):
    with serve(make_app, HOTLINE_PRESENCE_GRACE_SECONDS=GRACE) as live:
        staff(live.app)
        browser = logged_in(live.url, "aigerim")
        with time_machine.travel(START, tick=False) as clock:
            console = Console(live.url, browser)
            choose(live.url, browser, {"presence": "available"})
            closed_at_once(console)
            sweep_at(live.app)
            clock.shift(20)
            sweep_at(live.app)
            assert presence_of(live.app, "aigerim") == "available"
            # The reload: a new connection, 20 s after the first.
            closed_at_once(Console(live.url, browser))
            clock.shift(25)
            sweep_at(live.app)
            assert presence_of(live.app, "aigerim") == "available"
            clock.shift(10)
            sweep_at(live.app)
            assert presence_of(live.app, "aigerim") == "away"
            sweep_at(live.app)
    assert reasons(live.app, "aigerim") == ["available:chosen", "away:disconnected"]


def test_heartbeats_keep_an_open_console_available(make_app):
    with serve(make_app, HOTLINE_PRESENCE_GRACE_SECONDS=GRACE) as live:
        staff(live.app)
        browser = logged_in(live.url, "aigerim")
        with time_machine.travel(START, tick=False) as clock:
            console = Console(live.url, browser)
            try:
                choose(live.url, browser, {"presence": "available"})
                for _beat in range(6):
                    clock.shift(GRACE - 5)
                    console.client.call("console.alive", timeout=5)
                    sweep_at(live.app)
                    assert presence_of(live.app, "aigerim") == "available"
                clock.shift(GRACE + 1)
                sweep_at(live.app)
                assert presence_of(live.app, "aigerim") == "away"
            finally:
                console.close()


def test_the_sweep_sends_away_only_the_available_never_seen(app):
    with app.app_context():
        for name, state in (
            ("aigerim", Presence.AVAILABLE),
            ("dana", Presence.AWAY),
            ("erlan", Presence.BUSY),
        ):
            create_user(name, Role.OPERATOR, PASSWORD, queues=["legal"])
            db.session.execute(update(User).where(User.username == name).values(presence=state))
        db.session.commit()
        # The first sweep to find no heartbeats at all (Redis new, or flushed)
        # gives every console the grace to be heard from.
        assert presence.away_when_gone(START) == []
        assert presence.away_when_gone(START + timedelta(seconds=GRACE - 1)) == []
        assert len(presence.away_when_gone(START + timedelta(seconds=GRACE + 1))) == 1
        states = dict(db.session.execute(select(User.username, User.presence)).all())
    assert states == {"aigerim": "away", "dana": "away", "erlan": "busy"}


def test_heartbeats_keep_no_name_or_number_in_redis(app):
    with app.app_context():
        user, _password = create_user("aigerim", Role.OPERATOR, PASSWORD, phone="+77015550101")
        redis: Redis = app.extensions["redis"]
        presence.seen(redis, user.id, START)
        presence.seen(redis, user.id, START - timedelta(seconds=5))
        assert redis.keys("*") == [presence.CONSOLES.encode()]
        assert redis.zrange(presence.CONSOLES, 0, -1, withscores=True) == [
            (str(user.id).encode(), START.timestamp())
        ]


@pytest.fixture
def quiet_redis(tmp_path):
    with private_redis(tmp_path) as (process, url):
        yield process, url


def test_when_redis_stops_answering_the_sweep_sends_nobody_away(make_app, quiet_redis, caplog):
    process, url = quiet_redis
    app = make_app(REDIS_URL=url, HOTLINE_PRESENCE_GRACE_SECONDS=GRACE)
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
        db.session.execute(update(User).values(presence=Presence.AVAILABLE))
        db.session.commit()
        with frozen(process, url), caplog.at_level(logging.WARNING, logger="hotline.operators.presence"):
            assert presence.away_when_gone(utcnow() + timedelta(days=1)) == []
        assert presence_of(app, "aigerim") == "available"
    assert "presence sweep skipped: Redis failed (TimeoutError)" in caplog.messages


def test_when_redis_stops_answering_a_console_still_connects_and_beats(make_app, quiet_redis, caplog):
    process, url = quiet_redis
    with serve(make_app, REDIS_URL=url) as live:
        staff(live.app)
        browser = logged_in(live.url, "aigerim")
        with caplog.at_level(logging.WARNING, logger="hotline.console.sockets"):
            with frozen(process, url):
                console = Console(live.url, browser)
                try:
                    console.client.call("console.alive", timeout=10)
                    assert console.client.connected
                finally:
                    console.close()
            with live.app.app_context():
                user_id = db.session.scalars(select(User.id).where(User.username == "aigerim")).one()
            assert Redis.from_url(url).zscore(presence.CONSOLES, str(user_id)) is None
            console = Console(live.url, browser)
            try:
                assert Redis.from_url(url).zscore(presence.CONSOLES, str(user_id)) is not None
            finally:
                console.close()
    assert caplog.messages.count("console heartbeat not recorded: Redis failed (TimeoutError)") == 2
