"""Queued callbacks in a queue's waiting list, in the place the distribution
offers them (`operators.offers`): a caller who asked for a callback after 4
minutes on hold is behind one who came 10 minutes ago and ahead of one who came
a minute ago; marked `kind: "callback"` with its id and case, never a number;
only to those who serve the queue; the page renders them as the snapshot has them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Call, Callback, Case, utcnow
from hotline.models.states import CallStage
from hotline.operators import offers
from tests.support.callbacks import queued_callback
from tests.support.pages import PASSWORD, log_in

PERSON = "+77015554466"


@pytest.fixture
def app(make_app):
    return make_app(HOTLINE_CALLBACK_HOURS="always")


def a_caller(sid: str, minutes_ago: int, queue: str = "legal") -> None:
    db.session.add(
        Call(
            call_sid=sid,
            stage=CallStage.QUEUED,
            queue=queue,
            language="ru",
            enqueued_at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    db.session.commit()


@pytest.fixture
def waiting(app, staff) -> int:
    early, late = "CA" + "e" * 32, "CA" + "l" * 32
    with app.app_context():
        a_caller(early, 10)
        a_caller(late, 1)
        a_caller("CA" + "m" * 32, 2, queue="medical")
        return queued_callback(PERSON, waiting_since=utcnow() - timedelta(minutes=4))


def test_a_queued_callback_waits_among_the_callers_in_answer_order(app, client, waiting):
    log_in(client, "aigerim", PASSWORD)

    answer = client.get("/api/v1/queues/legal/waiting")

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == 3
    assert [(e["kind"], e["call_sid"], e["callback_id"], e["position"]) for e in body["callers"]] == [
        ("call", "CA" + "e" * 32, None, 1),
        ("callback", None, waiting, 2),
        ("call", "CA" + "l" * 32, None, 3),
    ]
    entry = body["callers"][1]
    with app.app_context():
        callback = db.session.get(Callback, waiting)
        assert entry["case_reference"] == db.session.get(Case, callback.case_id).reference
        assert entry["waiting_since"] == callback.waiting_since.isoformat()
        assert entry["requested_at"] == callback.requested_at.isoformat()
        # The distribution offers in the same order: the caller who came first,
        # then the callback, then the caller who came last.
        by_sid = {call.call_sid: call for call in db.session.scalars(select(Call))}
        assert offers._callback_first(callback, by_sid["CA" + "l" * 32])
        assert not offers._callback_first(callback, by_sid["CA" + "e" * 32])
    assert re.fullmatch(r"HL-\d{4}-\d+", entry["case_reference"])
    assert (entry["language"], entry["crisis"], entry["queue"]) == ("ru", False, "legal")
    text = answer.get_data(as_text=True)
    assert PERSON[-9:] not in text and PERSON[-4:] not in text and "masked_number" not in text


def test_the_console_page_renders_the_callback_in_its_place(client, waiting):
    log_in(client, "aigerim", PASSWORD)

    page = client.get("/console").get_data(as_text=True)

    rows = re.findall(r'<tr data-key="([^"]+)"', page)
    assert rows == ["CA" + "e" * 32, f"callback:{waiting}", "CA" + "l" * 32]
    assert page.count('class="badge callback"') == 1 and PERSON[-4:] not in page


def test_operators_of_another_queue_do_not_see_the_callback(app, client, waiting):
    from hotline.accounts.users import create_user
    from hotline.models import Role

    with app.app_context():
        create_user("dana", Role.OPERATOR, PASSWORD, queues=["medical"], languages=["ru"])
    log_in(client, "dana", PASSWORD)

    assert client.get("/api/v1/queues/legal/waiting").status_code == 403
    medical = client.get("/api/v1/queues/medical/waiting").get_json()
    assert [entry["kind"] for entry in medical["callers"]] == ["call"] and medical["total"] == 1
    assert f"callback:{waiting}" not in client.get("/console").get_data(as_text=True)


def test_the_callbacks_words_come_in_the_users_language(client, waiting):
    log_in(client, "aigerim", PASSWORD)
    for language, word, panel in (
        ("ru", "Обратный звонок", "Обратные звонки"),
        ("kk", "Кері қоңырау", "Кері қоңыраулар"),
    ):
        page = client.get("/console", headers={"Accept-Language": language}).get_data(as_text=True)
        assert f'<span class="badge callback">{word}</span>' in page
        assert f'<h2 id="callbacks-heading">{panel}</h2>' in page
