"""The public callback page, /callback: a good request is one callback (source web)
with its case; each bad field has its own message and records nothing; the trap
field answers as a success and records nothing; requests are limited per address
and per number; the number never shows again, in the page, the log or Redis."""

from __future__ import annotations

import logging
import re

import pytest
import time_machine
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Callback, Caller, Case
from tests.support import clock
from tests.support.calls import ScriptedCall
from tests.support.database import row_counts
from tests.support.pages import csrf_token
from tests.support.servers import free_port

NUMBER = "+7 701 555 01 23"
E164 = "+77015550123"
DIGITS = "7015550123"


def good(**changes) -> dict:
    return {"number": NUMBER, "topic": "legal", "window": "", "consent": "yes", "website": ""} | changes


def send(client, form: dict, language: str = "en", address: str = "10.0.0.1"):
    headers = {"Accept-Language": language}
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client, "/callback", headers=headers, environ_base=environ)
    return client.post("/callback", data=form | {"csrf_token": token}, headers=headers, environ_base=environ)


def callbacks(app) -> list[Callback]:
    with app.app_context():
        return db.session.scalars(select(Callback)).all()


def nothing_recorded(app) -> bool:
    with app.app_context():
        return row_counts()[1:4] == [0, 0, 0]  # callers, cases, callbacks


def test_the_page_asks_in_each_language(client):
    for language, words in (("en", "Ask us to call you back"), ("ru", "Попросите"), ("kk", "Бізден")):
        page = client.get("/callback", headers={"Accept-Language": language})
        assert page.status_code == 200
        assert words in page.get_data(as_text=True)


def test_a_good_request_is_one_web_callback_with_its_case(app, client):
    response = send(client, good(window="10:00-12:00"))
    assert response.status_code == 200
    assert "Your request has been received" in response.get_data(as_text=True)
    [callback] = callbacks(app)
    assert (callback.source, callback.queue, callback.language) == ("web", "legal", "en")
    assert (callback.window_start, callback.window_end) == ("10:00", "12:00")
    with app.app_context():
        case = db.session.get(Case, callback.case_id)
        caller = db.session.get(Caller, callback.caller_id)
        assert case.queue == "legal" and case.caller_id == caller.id
        vault = app.extensions["phone_vault"]
        assert caller.number_hash == vault.digest(E164)
        assert vault.decrypt(caller.number_encrypted) == E164


def test_the_same_number_twice_is_one_callback(app, client):
    assert send(client, good(number="+77015550123")).status_code == 200
    assert send(client, good(number="8 701 555 0123"), address="10.0.0.2").status_code == 200
    assert len(callbacks(app)) == 1
    with app.app_context():
        assert len(db.session.scalars(select(Caller)).all()) == 1


def test_a_caller_who_phoned_before_is_the_same_person(app, client, twilio):
    ScriptedCall(twilio, E164).dial()
    assert send(client, good()).status_code == 200
    with app.app_context():
        [caller] = db.session.scalars(select(Caller)).all()
        assert callbacks(app)[0].caller_id == caller.id


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("number", "", "Write the number we should call."),
        ("number", "anonymous", "This is not a phone number we can call."),
        ("number", "12", "This is not a phone number we can call."),
        ("number", "+7 799 123 45 67", "This is not a phone number we can call."),  # no range's
        ("number", "+7 ٧٠١ 555 01 23", "Write the number with digits only"),
        ("number", "+7701555012" + "3" * 40, "Write the number with digits only"),
        ("number", "call me", "Write the number with digits only"),
        ("topic", "", "Choose what you would like to talk about."),
        ("topic", "sales", "Choose what you would like to talk about."),
        ("consent", "", "Tick the box to agree"),
        ("consent", "on", "Tick the box to agree"),
        ("window", "evening", "Write the time as two times of day"),
        ("window", "25:00-26:00", "between 00:00 and 23:59"),
        ("window", "19:00-18:00", "must come after its start"),
    ],
)
def test_each_bad_field_has_its_own_message_and_nothing_is_recorded(app, client, field, value, message):
    response = send(client, good(**{field: value}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-errors"' in page
    assert f'{field}-errors" aria-invalid="true"' in page or f'aria-describedby="{field}-errors"' in page
    assert DIGITS not in page and "555" not in page
    assert nothing_recorded(app)


def test_a_window_outside_the_callback_hours_is_refused(make_app):
    app = make_app(HOTLINE_CALLBACK_HOURS="09:00-20:00")
    response = send(app.test_client(), good(window="21:00-22:00"))
    assert response.status_code == 400
    assert "outside them" in response.get_data(as_text=True)
    assert nothing_recorded(app)


def test_messages_are_in_the_page_language(app, client):
    page = send(client, good(number="", consent=""), language="ru").get_data(as_text=True)
    assert "Напишите номер" in page and "Отметьте" in page
    page = send(client, good(topic="x"), language="kk", address="10.0.0.2").get_data(as_text=True)
    assert "Не туралы сөйлескіңіз келетінін таңдаңыз" in page


def test_the_trap_field_answers_as_a_success_and_records_nothing(app, client, caplog):
    caplog.set_level(logging.INFO)
    response = send(client, good(website="http://spam.example"))
    assert response.status_code == 200
    assert "Your request has been received" in response.get_data(as_text=True)
    assert nothing_recorded(app)
    # Even with every other field wrong: a program learns nothing.
    assert send(client, good(website="x", number="nope", consent="")).status_code == 200
    assert nothing_recorded(app)


def test_the_confirmation_the_log_and_redis_never_hold_the_number(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    response = send(client, good(), language="ru")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Мы перезвоним вам" in page
    for part in (DIGITS, "0123", "•", "23<", "555"):
        assert part not in page
    assert DIGITS not in caplog.text and "555" not in caplog.text
    keys = [key.decode() for key in app.extensions["redis"].keys("*")]
    assert any("/callback/" in key for key in keys), keys
    assert not [key for key in keys if DIGITS in key or "555" in key]
    vault = app.extensions["phone_vault"]
    assert any(vault.digest(E164) in key for key in keys), keys


def test_the_sixth_request_from_an_address_within_the_hour_is_refused(app, client):
    # Refused forms count too: three bad ones, two good ones, then 429 for a good one.
    statuses = [send(client, good(number="x")).status_code for _ in range(3)]
    statuses += [send(client, good(number=f"+7701555010{n}")).status_code for n in range(3)]
    assert statuses == [400, 400, 400, 200, 200, 429]
    refused = send(client, good(number="+77015550109"), language="ru")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert "Слишком много запросов" in refused.get_data(as_text=True)
    assert len(callbacks(app)) == 2
    # Another address is not limited by this one.
    assert send(client, good(number="+77015550109"), address="10.0.0.2").status_code == 200


def test_the_sixth_request_for_a_number_within_the_hour_is_refused(app, client):
    statuses = [
        send(client, good(consent="" if n % 2 else "yes"), address=f"10.0.1.{n}").status_code
        for n in range(6)
    ]
    assert statuses == [200, 400, 200, 400, 200, 429]
    assert len(callbacks(app)) == 1
    assert send(client, good(number="+77015550124"), address="10.0.1.9").status_code == 200


def test_the_limit_is_configurable(make_app):
    app = make_app(HOTLINE_CALLBACK_FORM_RATE_LIMIT="2 per hour")
    client = app.test_client()
    assert [send(client, good()).status_code for _ in range(3)] == [200, 200, 429]


def test_a_request_is_refused_while_the_counters_cannot_be_reached(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    response = send(client, good())
    assert response.status_code == 503
    assert "Wait a minute, then try again." in response.get_data(as_text=True)
    assert nothing_recorded(app)


def test_a_body_that_is_not_the_form_is_refused(app, client):
    token = csrf_token(client, "/callback")
    response = client.post("/callback", json=good(), headers={"X-CSRFToken": token})
    assert response.status_code == 415
    assert nothing_recorded(app)


def test_a_form_without_its_csrf_token_is_refused(app, client):
    client.get("/callback")
    assert client.post("/callback", data=good()).status_code == 400
    assert nothing_recorded(app)


def test_the_page_has_no_inline_script_or_style(client):
    page = client.get("/callback")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    html = page.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html and "<style" not in html


HOURS = "mon-fri 09:00-18:00"


def confirmation_at(make_app, moment, language="en", **form) -> str:
    app = make_app(HOTLINE_CALLBACK_HOURS=HOURS)
    with time_machine.travel(moment, tick=False):
        response = send(app.test_client(), good(**form), language=language)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_confirmation_says_within_working_hours_today(make_app):
    page = confirmation_at(make_app, clock.next_weekday_at(10))
    assert "We will call you back within working hours today." in page


def test_the_confirmation_says_today_after_the_window(make_app):
    page = confirmation_at(make_app, clock.next_weekday_at(10), language="ru", window="15:00-16:00")
    assert "Мы перезвоним вам сегодня после 15:00." in page


def test_the_confirmation_says_tomorrow_or_the_next_working_day(make_app):
    evening = clock.next_weekday_at(19)
    page = confirmation_at(make_app, evening, language="kk")
    if evening.astimezone(clock.ZONE).weekday() == 4:  # a Friday: Monday is next
        assert "Біз сізге дүйсенбі күні 09:00 уақытынан кейін кері қоңырау шаламыз." in page
    else:
        assert "Біз сізге ертең 09:00 уақытынан кейін кері қоңырау шаламыз." in page


def test_the_confirmation_names_the_day_after_a_weekend(make_app):
    page = confirmation_at(make_app, clock.next_saturday_at(10), language="ru")
    assert "Мы перезвоним вам в понедельник после 09:00." in page


def test_the_trap_is_told_the_same_as_a_person(make_app):
    moment = clock.next_saturday_at(10)
    person = confirmation_at(make_app, moment, number="+77015550130")
    trap = confirmation_at(make_app, moment, number="+77015550131", website="x")
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(person).group(0) == main.search(trap).group(0)
