"""Whatever the callback form is sent, the answer is a page or a clear 4xx, never a
500, and the request records exactly one callback or nothing; the number sent is
never in the answer."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.database import empty_tables, row_counts
from tests.support.pages import csrf_token

numbers = st.one_of(
    st.sampled_from(["+77015550123", "8 701 555 0124", "+7 (701) 555-01-25", "anonymous", "", "+1"]),
    st.text(max_size=40),
    st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True),
)
topics = st.one_of(st.sampled_from(["psychologist", "medical", "legal", "general", ""]), st.text(max_size=20))
windows = st.one_of(
    st.sampled_from(["", "18:00-19:00", "9:00 - 10:30", "23:59-00:00", "24:00-25:00"]),
    st.text(max_size=40),
    st.from_regex(r"[0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}", fullmatch=True),
)
consents = st.one_of(st.sampled_from(["yes", "", "on", "YES"]), st.text(max_size=8))
traps = st.one_of(st.just(""), st.text(max_size=20))
CSRF = re.compile(r'(name="csrf-token" content|name="csrf_token" type="hidden" value)="[^"]*"')
fields = st.fixed_dictionaries(
    {},
    optional={"number": numbers, "topic": topics, "window": windows, "consent": consents, "website": traps},
)


@pytest.fixture
def form_app(make_app):
    return make_app(HOTLINE_CALLBACK_FORM_RATE_LIMIT="100000 per hour")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=fields, language=st.sampled_from(["kk", "ru", "en", "*", "xx"]))
@example(form={"number": "+77015550123", "topic": "legal", "consent": "yes"}, language="ru")
@example(form={"number": "+77015550123\x00", "topic": "legal", "consent": "yes"}, language="en")
@example(form={"number": "+7 ٧٠١ 555 01 23", "topic": "legal", "consent": "yes"}, language="kk")
@example(form={"number": "+77015550123", "topic": ["legal", "medical"], "consent": "yes"}, language="en")
def test_any_form_is_a_clear_answer_and_one_callback_or_none(form_app, form, language):
    client = form_app.test_client()
    headers = {"Accept-Language": language}
    with form_app.app_context():
        empty_tables()
    response = client.post(
        "/callback",
        data=form | {"csrf_token": csrf_token(client, "/callback", headers=headers)},
        headers=headers,
    )
    assert response.status_code in (200, 400)
    with form_app.app_context():
        _calls, callers, cases, callbacks, _audit = row_counts()
    assert (callers, cases, callbacks) in ((0, 0, 0), (1, 1, 1))
    if callbacks:
        assert response.status_code == 200
    number = form.get("number")
    digits = re.sub(r"[^0-9]", "", number) if isinstance(number, str) else ""
    if len(digits) >= 7:
        page = CSRF.sub("", response.get_data(as_text=True))
        assert digits not in page and digits[-7:] not in page
