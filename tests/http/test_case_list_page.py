"""/cases: the list and search of cases in the layout; an operator sees only
the cases they may see; the number is searched by a POST and never shown back
nor put in an address (a search without one goes on to the GET list); pages by
links, or for a number's search by a POST carrying its keyed hash; a refused
value is a 400 with the message next to its field."""

from __future__ import annotations

import re

import pytest

from hotline.cases import search
from tests.support.callbacks import OTHER_NUMBER
from tests.support.cases import NUMBER, audit_count, case_called, set_status, staff_tokens
from tests.support.pages import PASSWORD, csrf_token, log_in

ROW = re.compile(r'<tr data-reference="([^"]+)">')


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def as_user(client, username):
    assert log_in(client, username, PASSWORD).status_code == 302
    return csrf_token(client, "/cases")


def listed(answer) -> list[str]:
    return ROW.findall(answer.get_data(as_text=True))


def test_an_operator_lists_their_queues_cases_with_links_and_a_supervisor_all(app, client, twilio, tokens):
    legal = case_called(app, twilio, "legal")
    medical = case_called(app, twilio, "medical", OTHER_NUMBER)
    as_user(client, "aigerim")
    answer = client.get("/cases", headers={"Accept-Language": "en"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    text = answer.get_data(as_text=True)
    assert listed(answer) == [legal]
    assert f'href="/cases/{legal}"' in text and "••••34" in text and NUMBER[1:] not in text
    assert "<script>" not in text
    assert listed(client.get("/cases?queue=medical")) == []
    supervisor = app.test_client()
    as_user(supervisor, "boris")
    assert listed(supervisor.get("/cases")) == [medical, legal]
    assert listed(supervisor.get("/cases?status=open&queue=medical")) == [medical]


@pytest.mark.parametrize("typed", ["+7 701 555 12 34", "87015551234", "8-701-555-12-34"])
def test_a_number_is_searched_by_a_post_answered_in_place_and_never_shown_back(
    app, client, twilio, tokens, typed
):
    reference = case_called(app, twilio)
    case_called(app, twilio, number=OTHER_NUMBER)
    token = as_user(client, "aigerim")
    answer = client.post("/cases", data={"csrf_token": token, "number": typed})
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert listed(answer) == [reference]
    assert typed not in text and NUMBER[1:] not in text and NUMBER[-7:] not in text
    assert re.search(r'<input[^>]*id="number"[^>]*value=""', text)
    assert audit_count(app, search.SEARCHED_BY_NUMBER) == 1


def test_a_search_without_a_number_goes_on_to_the_list_s_address(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    token = as_user(client, "aigerim")
    answer = client.post("/cases", data={"csrf_token": token, "status": "open", "reference": ""})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/cases?status=open"
    assert listed(client.get(answer.headers["Location"])) == [reference]


def test_a_number_in_the_address_is_refused(app, client, tokens):
    as_user(client, "aigerim")
    assert client.get("/cases", query_string={"number": NUMBER}).status_code == 400


def test_pages_by_links_and_a_number_s_pages_by_a_post_with_its_hash(
    app, client, twilio, tokens, monkeypatch
):
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    made = [case_called(app, twilio, queue) for queue in ("legal", "medical", "general")]
    token = as_user(client, "boris")
    first = client.get("/cases")
    assert listed(first) == [made[2], made[1]]
    older = re.search(r'href="([^"]+)" id="cases-older"', first.get_data(as_text=True)).group(1)
    assert "after=" in older
    assert listed(client.get(older.replace("&amp;", "&"))) == [made[0]]
    by_number = client.post("/cases", data={"csrf_token": token, "number": NUMBER})
    text = by_number.get_data(as_text=True)
    assert listed(by_number) == [made[2], made[1]]
    person = re.search(r'name="person" value="([0-9a-f]{64})"', text).group(1)
    after = re.search(r'name="after" value="([0-9]+)"', text).group(1)
    assert 'id="cases-older"' in text and "href" not in re.search(
        r'<[^>]*id="cases-older"[^>]*>', text
    ).group(0)
    rest = client.post("/cases", data={"csrf_token": token, "person": person, "after": after})
    assert listed(rest) == [made[0]]
    assert client.post("/cases", data={"csrf_token": token, "person": "not-a-hash"}).status_code == 400


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "call me maybe", "Write the number with digits only"),
        ("opened_to", "31.12.2026", "Choose a day, or leave it empty."),
        ("opened_from", "someday", "Choose a day, or leave it empty."),
        ("status", "done", "Check this value."),
    ],
)
def test_a_refused_value_is_a_400_with_its_message_next_to_its_field(
    app, client, tokens, field, value, message
):
    token = as_user(client, "aigerim")
    data = {"csrf_token": token, field: value, "number": "8 701 555 12 34" if field != "number" else value}
    answer = client.post("/cases", data=data, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert message in text
    assert f'aria-describedby="{field}-errors"' in text
    assert "call me maybe" not in text and NUMBER[-7:] not in text


def test_the_page_in_russian_and_kazakh(app, client, tokens):
    as_user(client, "boris")
    assert "Обращения" in client.get("/cases", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Өтініштер" in client.get("/cases", headers={"Accept-Language": "kk"}).get_data(as_text=True)


def test_nobody_logged_in_goes_to_the_login_page_and_a_post_without_csrf_is_refused(app, client, tokens):
    answer = client.get("/cases")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    as_user(client, "aigerim")
    assert client.post("/cases", data={"number": NUMBER}).status_code == 400


def test_a_resolved_case_is_found_by_its_category(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    case_called(app, twilio, number=OTHER_NUMBER)
    set_status(app, reference, "resolved", outcome="support_given", category="documents")
    as_user(client, "aigerim")
    assert listed(client.get("/cases?category=documents")) == [reference]
