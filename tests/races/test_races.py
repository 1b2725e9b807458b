"""Races with real concurrency: threads against the threaded live server, and two
gunicorn web processes (the Procfile's command) on one database and Redis. The
requests of each round wait at a barrier and go out at the same moment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import Call, Callback, Case
from tests.support.calls import Http, ScriptedCall, TwilioWebhooks
from tests.support.concurrency import at_once
from tests.support.live_server import serve
from tests.support.servers import web_processes

ALMATY = ZoneInfo("Asia/Almaty")
MENU = "/telephony/voice/menu?attempt=1"
TRIALS = 5


@dataclass(frozen=True)
class Servers:
    """Two addresses the calls are spread over (one server twice, or two
    processes) and an app to read the database with."""

    urls: list[str]
    app: Flask

    def webhooks(self, number: int) -> TwilioWebhooks:
        url = self.urls[number % len(self.urls)]
        return TwilioWebhooks(Http(url), base_url=url)

    def call(self, number: int, from_number: str | None) -> ScriptedCall:
        return ScriptedCall(self.webhooks(number), from_number)

    def posts(self, sid: str, path: str, forms: list[dict]) -> list[Callable]:
        """One webhook of call `sid` per form, spread over the servers."""
        return [
            partial(self.webhooks(n).post, path, {"CallSid": sid, **form}) for n, form in enumerate(forms)
        ]


@pytest.fixture(scope="module")
def gunicorns(database_url, redis_url, tmp_path_factory) -> list[str]:
    workdir = tmp_path_factory.mktemp("web")
    with web_processes(2, database_url, redis_url, workdir, HOTLINE_LANGUAGES="ru") as webs:
        yield [web.url for web in webs]


@pytest.fixture(params=["threads", "processes"])
def servers(request, make_app):
    if request.param == "threads":
        with serve(make_app, HOTLINE_LANGUAGES=["ru"]) as live:
            yield Servers([live.url, live.url], live.app)
    else:
        yield Servers(request.getfixturevalue("gunicorns"), make_app())


def all_answered(answers: list[requests.Response]) -> None:
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers]


def test_calls_from_one_number_at_once_share_one_open_case(servers):
    references = []
    for trial in range(TRIALS):
        calls = [servers.call(n, f"+7701555{trial:04d}") for n in range(6)]
        all_answered(at_once([call.dial for call in calls]))
        answers = at_once([partial(call.press, MENU, "3") for call in calls])
        all_answered(answers)
        assert all("<Enqueue" in answer.text for answer in answers)
        with servers.app.app_context():
            rows = db.session.scalars(select(Call).where(Call.call_sid.in_([c.sid for c in calls]))).all()
            assert len(rows) == len(calls)
            assert len({row.caller_id for row in rows}) == 1, "one number, one caller"
            cases = db.session.scalars(select(Case).where(Case.caller_id == rows[0].caller_id)).all()
            assert [(case.status, case.queue) for case in cases] == [("open", "legal")]
            assert {row.case_id for row in rows} == {cases[0].id}
            references.append(cases[0].reference)
    assert len(set(references)) == TRIALS


def test_many_cases_opened_at_once_have_contiguous_references(servers):
    """Numbers are given out in the cases' transactions: none twice, and none
    skipped, since a conflict gives its number back."""
    calls = [servers.call(n, f"+7702555{n:04d}") for n in range(8)]
    calls += [servers.call(n, None) for n in range(4)]  # withheld: never merged
    all_answered(at_once([call.dial for call in calls]))
    all_answered(at_once([partial(call.press, MENU, "4") for call in calls]))
    with servers.app.app_context():
        cases = db.session.scalars(select(Case)).all()
        assert len(cases) == len(calls)
        year = cases[0].opened_at.astimezone(ALMATY).year
        assert sorted(case.reference for case in cases) == [
            f"HL-{year}-{number:06d}" for number in range(1, len(calls) + 1)
        ]


def test_two_presses_of_1_at_once_make_one_callback(servers):
    for trial in range(TRIALS):
        call = servers.call(0, f"+7703555{trial:04d}")
        call.dial()
        call.press(MENU, "2")
        call.press("/telephony/voice/wait/choice", "1")
        answers = at_once(
            servers.posts(call.sid, "/telephony/voice/wait/number?attempt=1", [{"Digits": "1"}] * 2)
        )
        all_answered(answers)
        assert answers[0].text == answers[1].text
        assert "<Leave" in answers[0].text
        with servers.app.app_context():
            call_id = db.session.scalar(select(Call.id).where(Call.call_sid == call.sid))
            assert db.session.scalar(select(func.count()).where(Callback.call_id == call_id)) == 1


def test_status_callbacks_out_of_order_at_once_leave_the_newest(servers):
    """Depends on the conditional status update in hotline/calls.py."""
    for trial in range(TRIALS):
        call = servers.call(0, f"+7704555{trial:04d}")
        call.dial()
        updates = [("completed", 2), ("in-progress", 1), ("ringing", 0)]
        forms = [{"CallStatus": s, "SequenceNumber": str(n), "CallDuration": "30"} for s, n in updates]
        answers = at_once(servers.posts(call.sid, "/telephony/voice/status", forms))
        assert [a.status_code for a in answers] == [204] * len(forms)
        with servers.app.app_context():
            status, sequence = db.session.execute(
                select(Call.status, Call.status_sequence).where(Call.call_sid == call.sid)
            ).one()
        assert (status, sequence) == ("completed", 2)
