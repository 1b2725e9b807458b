"""The callback page, asked at once: requests for one new number, sent together
to the threaded live server, make one caller, one case and one callback."""

from __future__ import annotations

import re

import requests
from sqlalchemy import func, select

from hotline.callbacks import service
from hotline.extensions import db
from hotline.models import Callback, Caller, Case
from tests.support.concurrency import at_once
from tests.support.live_server import serve

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TRIALS = 3


def asking(url: str, number: str):
    """A browser of its own, with the page open: returns the send of its form."""
    session = requests.Session()
    token = CSRF.search(session.get(f"{url}/callback", timeout=10).text).group(1)
    form = {"number": number, "topic": "medical", "consent": "yes", "csrf_token": token, "website": ""}
    return lambda: session.post(f"{url}/callback", data=form, timeout=20).status_code


def test_a_new_number_asked_for_at_once_is_one_caller_case_and_callback(make_app):
    with serve(make_app, HOTLINE_CALLBACK_FORM_RATE_LIMIT="1000 per hour") as live:
        numbers = [f"+7701555{trial:04d}" for trial in range(TRIALS)]
        for number in numbers:
            assert at_once([asking(live.url, number) for _ in range(4)]) == [200] * 4
        with live.app.app_context():
            _, vault = service.settings()
            for number in numbers:
                caller = db.session.scalars(
                    select(Caller).where(Caller.number_hash == vault.digest(number))
                ).one()
                assert rows(Case, Case.caller_id == caller.id) == 1
                assert rows(Callback, Callback.caller_id == caller.id) == 1


def rows(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition))
