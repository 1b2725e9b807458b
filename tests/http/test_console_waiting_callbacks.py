"""Queued callbacks in a queue's waiting list, in the place the distribution
offers them (`operators.offers`): a caller who asked for a callback after 4
minutes on hold is behind one who came 10 minutes ago and ahead of one who came
a minute ago; marked `kind: "callback"` with its id and case, never a number;
only to those who serve the queue; the page renders them as the snapshot has them;
"offered" while an operator holds its offer (`queue.caller_updated` with `kind:
"callback"`, and the snapshot), no longer once the offer is declined or lapses.
The callbacks panel's filters offer the reader's queues (supervisors: all four)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline import events
from hotline.extensions import db
from hotline.models import Call, Callback, Case, Offer, User, utcnow
from hotline.models.states import CallStage, OfferStatus, Presence
from hotline.operators import desk, offer_endings, offers
from tests.support.callbacks import bearer, queued_callback, staff_tokens
from tests.support.pages import PASSWORD, log_in
from tests.support.published import published_by

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


def offered_to_aigerim(app) -> tuple[int, int]:
    """A queued callback offered to aigerim as she becomes available: its id, the offer's."""
    with app.app_context():
        callback_id = queued_callback(PERSON)
        aigerim = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        desk.choose_presence(aigerim, Presence.AVAILABLE, None, utcnow())
        offer_id = db.session.scalars(select(Offer.id).where(Offer.callback_id == callback_id)).one()
    return callback_id, offer_id


@pytest.mark.parametrize("ending", ["declined", "lapsed"])
def test_a_callback_is_offered_in_the_list_while_its_offer_is_open(app, client, monkeypatch, ending):
    tokens = staff_tokens(app)
    handed = published_by(app, monkeypatch)
    callback_id, offer_id = offered_to_aigerim(app)

    def listed() -> list[tuple]:
        answer = client.get("/api/v1/queues/legal/waiting", headers=bearer(tokens["boris"]))
        return [(e["kind"], e["callback_id"], e["offered"]) for e in answer.get_json()["callers"]]

    def updates() -> list[tuple]:
        found = [(data, rooms) for event, data, rooms in handed if event == events.CALLER_UPDATED]
        handed.clear()
        return found

    update = {"kind": "callback", "callback_id": callback_id, "call_sid": None, "queue": "legal"}
    rooms = [events.queue_room("legal"), events.SUPERVISORS_ROOM]
    assert updates() == [({**update, "offered": True, "connected": False}, rooms)]
    assert listed() == [("callback", callback_id, True)]

    if ending == "declined":
        answer = client.post(f"/api/v1/offers/{offer_id}/decline", headers=bearer(tokens["aigerim"]))
        assert answer.status_code == 200, answer.get_json()
    else:
        with app.app_context():
            assert offer_endings.lapse_offers(utcnow() + timedelta(minutes=5)) == [offer_id]

    assert updates() == [({**update, "offered": False, "connected": False}, rooms)]
    assert listed() == [("callback", callback_id, False)]
    with app.app_context():
        assert db.session.get(Offer, offer_id).status == OfferStatus(ending)


def test_the_console_page_renders_an_offered_callback_as_offered(app, client):
    staff_tokens(app)
    callback_id, _ = offered_to_aigerim(app)
    log_in(client, "aigerim", PASSWORD)

    page = client.get("/console", headers={"Accept-Language": "en"}).get_data(as_text=True)

    row = re.search(rf'<tr data-key="callback:{callback_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert 'data-offered="true"' in row.group(0)
    assert '<span class="badge state">Offered</span>' in row.group(1)


def filter_options(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select id="callbacks-filter-{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)">([^<]*)</option>', select)


@pytest.mark.parametrize(
    ("language", "show", "all_open", "yours", "everyone"),
    [
        ("en", "Show", "All open", "All your queues", "All queues"),
        ("ru", "Показать", "Все открытые", "Все ваши очереди", "Все очереди"),
        ("kk", "Көрсету", "Барлық ашықтары", "Сіздің барлық кезектеріңіз", "Барлық кезектер"),
    ],
)
def test_the_callbacks_filters_offer_the_readers_queues_in_their_language(
    app, client, staff, language, show, all_open, yours, everyone
):
    words = {"Accept-Language": language}
    log_in(client, "aigerim", PASSWORD, headers=words)
    page = client.get("/console", headers=words).get_data(as_text=True)
    assert f'<label for="callbacks-filter-status">{show}</label>' in page
    statuses = filter_options(page, "status")
    assert [value for value, _ in statuses] == [
        "all",
        "open",
        "scheduled",
        "queued",
        "overdue",
        "failed",
        "completed",
    ]
    assert statuses[1][1] == all_open
    assert [value for value, _ in filter_options(page, "queue")] == ["", "legal"]
    assert filter_options(page, "queue")[0][1] == yours

    supervisor = app.test_client()
    log_in(supervisor, "boris", PASSWORD, headers=words)
    page = supervisor.get("/console", headers=words).get_data(as_text=True)
    queues = filter_options(page, "queue")
    assert [value for value, _ in queues] == ["", "psychologist", "medical", "legal", "general"]
    assert queues[0][1] == everyone
