"""Operators taking the same caller at the same moment: real threads against the
threaded live server, and against two gunicorn web processes (the Procfile's
command) on one database and Redis. Exactly one accept wins; the others get 409
and nothing of theirs is written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Assignment, Call, Offer, User
from hotline.models.states import HOLDING_CALL
from tests.support import desk
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.clock import recent
from tests.support.concurrency import at_once
from tests.support.live_server import serve
from tests.support.servers import web_processes

LONG_AGO = recent(days=1)


class Http:
    def __init__(self, url: str) -> None:
        self.url = url

    def post(self, path: str, data: dict, headers: dict) -> requests.Response:
        return requests.post(self.url + path, data=data, headers=headers, timeout=15)


@dataclass(frozen=True)
class Desk:
    """Where the accepts go (one server, or two processes), the live server that
    callers ring through, and an app to read and write the database with."""

    urls: list[str]
    caller_url: str
    app: Flask

    def caller(self) -> str:
        """A caller waiting in `legal` (Russian), ringing on the simulated network."""
        webhooks = TwilioWebhooks(Http(self.caller_url), base_url=self.caller_url)
        with self.app.app_context():
            return desk.queued(webhooks, desk.network(self.app, self.caller_url))

    def operators(self, prefix: str, count: int, **kwargs) -> list[str]:
        """`count` operators of `legal`; each one's API token."""
        tokens = []
        with self.app.app_context():
            for number in range(count):
                desk.operator(f"{prefix}{number}", ["legal"], ["ru"], **kwargs)
                tokens.append(auth.create_token("console", f"{prefix}{number}"))
        return tokens

    def accept(self, number: int, path: str, token: str):
        url = self.urls[number % len(self.urls)]
        return partial(requests.post, url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture(params=["threads", "processes"])
def servers(request, make_app, database_url, redis_url, tmp_path_factory):
    with serve(make_app) as live:
        if request.param == "threads":
            yield Desk([live.url], live.url, live.app)
            return
        workdir = tmp_path_factory.mktemp("web")
        settings = {
            "TWILIO_API_BASE_URL": live.url + "/simulator",
            "SECRET_KEY": live.app.config["SECRET_KEY"],
        }
        with web_processes(2, database_url, redis_url, workdir, **settings) as webs:
            yield Desk([web.url for web in webs], live.url, live.app)


def one_won(answers: list[requests.Response]) -> int:
    """The index of the one 200; every other answer a 409 in the API's JSON shape."""
    codes = [answer.status_code for answer in answers]
    assert sorted(codes) == [200] + [409] * (len(codes) - 1), [a.text for a in answers]
    assert all(set(a.json()) == {"error", "message"} for a in answers if a.status_code == 409)
    return codes.index(200)


def holding(app: Flask, call_sid: str) -> list[str]:
    """Who holds the call: the usernames of its holding assignments."""
    with app.app_context():
        return db.session.scalars(
            select(User.username)
            .join(Assignment, Assignment.user_id == User.id)
            .join(Call, Call.id == Assignment.call_id)
            .where(Call.call_sid == call_sid, Assignment.status.in_([s.value for s in HOLDING_CALL]))
        ).all()


@pytest.mark.parametrize("count", [2, 10])
def test_concurrent_accepts_of_one_caller_one_wins(servers, count):
    tokens = servers.operators("op", count)
    for _trial in range(3 if count == 2 else 1):
        sid = servers.caller()
        answers = at_once(
            [servers.accept(n, f"/api/v1/calls/{sid}/accept", token) for n, token in enumerate(tokens)]
        )
        winner = f"op{one_won(answers)}"
        assert holding(servers.app, sid) == [winner]
        with servers.app.app_context():
            busy = db.session.scalars(select(User.username).where(User.presence == "busy")).all()
            stage = db.session.scalar(select(Call.stage).where(Call.call_sid == sid))
            # Free the winner for the next trial, as the wrap-up (another branch's) would.
            db.session.execute(db.update(Assignment).values(status="done"))
            db.session.execute(db.update(User).values(presence="away"))
            db.session.commit()
        assert (busy, stage) == ([winner], "connected")


def test_two_operators_accept_at_once_while_one_holds_the_offer(servers):
    holder_token = servers.operators("holder", 1, available_since=LONG_AGO)[0]
    other_token = servers.operators("other", 1)[0]
    for _trial in range(3):
        sid = servers.caller()
        with servers.app.app_context():
            offer = db.session.scalars(
                select(Offer).join(Call, Call.id == Offer.call_id).where(Call.call_sid == sid)
            ).one()
            assert (offer.user.username, offer.status) == ("holder0", "open")
        answers = at_once(
            [
                servers.accept(0, f"/api/v1/offers/{offer.id}/accept", holder_token),
                servers.accept(1, f"/api/v1/calls/{sid}/accept", other_token),
            ]
        )
        winner = ["holder0", "other0"][one_won(answers)]
        assert holding(servers.app, sid) == [winner]
        with servers.app.app_context():
            status = db.session.scalar(select(Offer.status).where(Offer.id == offer.id))
            assert status == ("accepted" if winner == "holder0" else "withdrawn")
            assert db.session.scalar(select(func.count()).where(Offer.status == "open")) == 0
            db.session.execute(db.update(Assignment).values(status="done"))
            db.session.execute(db.update(User).values(presence="away"))
            db.session.execute(db.update(User).where(User.username == "holder0").values(presence="available"))
            db.session.commit()


def test_callers_joining_at_once_get_one_offer_each_and_each_operator_one(servers):
    """Six callers reach the menu at once with three operators available: three
    offers, to three operators, of three callers; the rest wait."""
    servers.operators("free", 3, available_since=LONG_AGO)
    calls = []
    for number in range(6):
        url = servers.urls[number % len(servers.urls)]
        call = ScriptedCall(TwilioWebhooks(Http(url), base_url=url), f"+7705555{number:04d}")
        call.dial()
        call.press("/telephony/voice/language?attempt=1", "2")
        calls.append(call)
    answers = at_once([partial(call.press, "/telephony/voice/menu?attempt=1", "3") for call in calls])
    assert [answer.status_code for answer in answers] == [200] * 6
    with servers.app.app_context():
        offered = desk.open_offers()
        stages = db.session.scalars(select(Call.stage).order_by(Call.id)).all()
    assert len(offered) == 3
    assert len({sid for sid, _user in offered}) == len({user for _sid, user in offered}) == 3
    assert sorted(stages) == ["offered"] * 3 + ["queued"] * 3
