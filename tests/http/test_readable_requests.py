"""Every route of the app, read from its url_map: a request carrying text that
is no UTF-8 (a lone surrogate as a JSON escape, as raw bytes in JSON, in a form
percent-encoded or raw, in the query) or JSON nested too deep is a 400 with a
plain message, before any view, form or service sees it; nothing is written.
The wrap-up, where such text once failed at commit, in detail (the login's in
test_login_properties.py); and the pages' forms, which take no JSON."""

from __future__ import annotations

import json
import re
import urllib.parse

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, CaseNote, Role
from hotline.web import bodies
from tests.support import surrogates
from tests.support.database import row_counts
from tests.support.pages import PASSWORD, csrf_token, log_in
from tests.support.wrapup import VALID, assignment_of, in_wrap_up

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# A path argument of each name, so a route is reached as a real request would reach it.
ARGUMENTS = {
    "call_sid": "CA" + "0" * 32,
    "offer_id": 1,
    "assignment_id": 1,
    "attempt_id": 1,
    "user_id": "1",
    "step_id": 1,
}
FIELD_NAMES = ("note", "outcome", "category", "queue", "presence", "username", "password", "From", "Digits")
# The 400 pages' headings, in the default Russian: for text that is no UTF-8, and any other.
UNREADABLE_TITLE = "Не удалось прочитать текст"
GENERIC_TITLE = "Не удалось прочитать запрос"


def routes(app, methods=WRITES) -> list[tuple[str, str]]:
    """(method, path) for every rule of the app's url_map that takes one of `methods`."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        values = {name: ARGUMENTS.get(name, "x") for name in rule.arguments}
        if rule.endpoint.startswith("simulator."):
            values["account_sid"] = app.config["TWILIO_ACCOUNT_SID"]
        found += [
            (method, adapter.build(rule.endpoint, values, method=method))
            for method in sorted(rule.methods & set(methods))
        ]
    return sorted(found)


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditRecord))


def refusal(response) -> str:
    """What a refused request was told: the API's message, the webhooks' plain
    line, or a page's heading."""
    if response.is_json:
        return response.get_json()["message"]
    text = response.get_data(as_text=True)
    heading = re.search(r'<h1 id="error-heading">(.*?)</h1>', text)
    return heading.group(1) if heading else text


def assert_refused(response, path: str, error, page_title: str = GENERIC_TITLE) -> None:
    assert response.status_code == 400, (path, response.get_data(as_text=True)[:300])
    told = refusal(response)
    if not response.content_type.startswith("text/html"):  # the API, /healthz, the webhooks
        assert error.description in told, (path, told)
    else:
        assert told == page_title, (path, told)


@pytest.fixture
def headers(app) -> dict:
    """An operator's token, so each route would go on to its view if the body passed."""
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])
        return {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}


def test_the_routes_are_read_from_the_app(app):
    found = routes(app)
    assert ("POST", "/api/v1/calls/" + ARGUMENTS["call_sid"] + "/wrap-up") in found
    assert ("PUT", "/api/v1/me/presence") in found
    assert ("POST", "/login") in found and ("POST", "/telephony/voice/incoming") in found
    assert len(found) > 30


DEEP = {
    "60,000 brackets": b"[" * 60_000,
    "33 objects": b'{"a":' * 33 + b"1" + b"}" * 33,
    "33 lists": b"[" * 33 + b"]" * 33,
}


@pytest.mark.parametrize("deep", DEEP.values(), ids=DEEP.keys())
def test_json_nested_too_deep_is_400_on_every_route(app, client, headers, deep):
    with app.app_context():
        before = row_counts()
        for method, path in routes(app, (*WRITES, "GET")):
            response = client.open(
                path, method=method, data=deep, content_type="application/json", headers=headers
            )
            assert_refused(response, path, bodies.TooDeep)
        assert row_counts() == before


def test_60000_deep_is_400_also_where_the_body_may_be_large(make_app):
    """Past the body limit it would be 413; with room for it, the decoder's recursion is caught."""
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    deep = b"[" * 60_000 + b"]" * 60_000
    response = app.test_client().put("/api/v1/me/presence", data=deep, content_type="application/json")
    assert_refused(response, "/api/v1/me/presence", bodies.TooDeep)


def test_32_deep_is_read():
    nested: object = "leaf"
    for _ in range(bodies.MAX_JSON_DEPTH):
        nested = [nested]
    bodies.refuse_unreadable(nested)
    with pytest.raises(bodies.TooDeep):
        bodies.refuse_unreadable([nested])


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\udc00\ud800"])
def test_a_lone_surrogate_anywhere_in_json_is_refused(text):
    for data in ({"note": text}, {text: 1}, [[{"a": [text]}]]):
        with pytest.raises(bodies.UnreadableText):
            bodies.refuse_unreadable(data)


def test_a_surrogate_pair_is_one_character_and_read(app, client, headers):
    body = b'{"presence": "away", "device": "\\ud83d\\ude00"}'  # U+1F600, escaped as JSON escapes it
    response = client.put("/api/v1/me/presence", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["message"] == "invalid or missing field(s): device"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    fields=st.dictionaries(st.sampled_from(FIELD_NAMES), surrogates.with_surrogates, min_size=1, max_size=3)
    | st.dictionaries(surrogates.with_surrogates, st.text(max_size=10), min_size=1, max_size=2),
    carrier=st.sampled_from(surrogates.CARRIERS),
    plain=st.dictionaries(st.sampled_from(FIELD_NAMES), st.text(max_size=20), max_size=3),
)
def test_text_that_is_no_utf8_is_400_on_every_route_and_writes_nothing(
    app, client, headers, data, fields, carrier, plain
):
    method, path = data.draw(st.sampled_from(routes(app)), label="route")
    sent, content_type = surrogates.body({**plain, **fields}, carrier)
    with app.app_context():
        before = row_counts()
        response = client.open(path, method=method, data=sent, content_type=content_type, headers=headers)
        assert_refused(response, path, bodies.UnreadableText, UNREADABLE_TITLE)
        assert row_counts() == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_query_that_is_no_utf8_is_400(client, method):
    for path in ("/api/v1/queues", "/login", "/telephony/voice/status", "/healthz"):
        response = client.open(path + "?attempt=" + surrogates.quoted("1\ud800"), method=method)
        assert_refused(response, path, bodies.UnreadableText, UNREADABLE_TITLE)


# --- the wrap-up -------------------------------------------------------------


@pytest.mark.parametrize("carrier", ["json-escaped", "json-raw"])
@pytest.mark.parametrize("field", ["note", "outcome", "category"])
def test_a_wrap_up_with_a_lone_surrogate_is_400_and_stays_in_wrap_up(app, client, headers, carrier, field):
    with app.app_context():
        sid = in_wrap_up("aigerim")
    body, content_type = surrogates.body({**VALID, "note": "звонил \ud800 вчера", field: "x\udc00"}, carrier)
    response = client.post(
        f"/api/v1/calls/{sid}/wrap-up", data=body, content_type=content_type, headers=headers
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == bodies.UnreadableText.description
    with app.app_context():
        assignment = assignment_of(sid)
        notes = db.session.scalar(select(func.count()).where(CaseNote.call_id == assignment.call_id))
        assert (assignment.status, assignment.outcome, notes) == ("wrap_up", None, 0)
    saved = client.post(
        f"/api/v1/calls/{sid}/wrap-up", json={**VALID, "note": "звонил 😀 вчера"}, headers=headers
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)


def test_a_percent_sign_typed_in_a_form_is_text(app, client):
    """ "%ED" typed is sent as %25ED: UTF-8, read as typed."""
    sent = urllib.parse.urlencode({"username": "Әлия %ED", "password": "x"}).encode()
    response = client.post("/login", data=sent, content_type=surrogates.FORM)
    assert response.status_code == 400
    assert refusal(response) == "Форма устарела"  # read, then refused for its missing CSRF token


# --- the pages' forms take forms ---------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
PAGE_FORMS = ("/login", "/me/language", "/admin/users/new", "/admin/users/{id}")


@pytest.fixture
def admin(make_app):
    """Logins unlimited (a form posted as JSON counts as a failed login): the app,
    a logged-in admin's browser, its CSRF token, and the id of an operator to edit."""
    app = make_app(HOTLINE_LOGIN_RATE_LIMIT="100000 per minute")
    with app.app_context():
        auth.create_user("root", Role.ADMIN, PASSWORD)
        operator_id = auth.create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"])[0].id
    browser = app.test_client()
    assert log_in(browser, "root", PASSWORD).status_code == 302
    return app, browser, csrf_token(browser, "/admin/users/new"), operator_id


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(PAGE_FORMS),
    body=st.fixed_dictionaries(
        {},
        optional={
            "username": json_values,
            "role": json_values,
            "queues": json_values,
            "language": json_values,
        },
    )
    | json_values,
)
@example(path="/admin/users/new", body={"username": {"a": 1}, "role": "operator"})
@example(path="/admin/users/{id}", body={"role": "supervisor"})
@example(path="/login", body={"username": ["aigerim"], "password": PASSWORD})
def test_a_form_posted_as_json_is_415_and_changes_nothing(admin, path, body):
    """Flask-WTF filled the form from a JSON body: values that are no text
    failed its validators, written for text, with a 500."""
    app, browser, token, operator_id = admin
    if path == "/login":  # a logged-in browser is sent on to the console
        browser = app.test_client()
        token = csrf_token(browser)
    before = audit_count(app)
    response = browser.post(
        path.format(id=operator_id),
        data=json.dumps(body),
        content_type=surrogates.JSON,
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 415, response.get_data(as_text=True)[:300]
    assert refusal(response) == "Отправлено не через форму этой страницы"  # 415 in Russian
    assert audit_count(app) == before
