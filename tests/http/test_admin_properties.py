"""Whatever an admin's browser posts to the new-user form, the answer is the
created page or a 400 that wrote nothing: never a 500."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotline.models import Role
from tests.support.admin import counts, post_form, signed_in

codes = st.one_of(
    st.sampled_from(["legal", "general", "kk", "ru", "operator", "admin"]), st.text(max_size=20)
)


@pytest.fixture
def admin_app(make_app):
    app = make_app(HOTLINE_LOGIN_RATE_LIMIT="100000 per minute")
    app.admin = signed_in(app, "aliya", Role.ADMIN)
    return app


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    username=st.text(max_size=80),
    password=st.text(max_size=40),
    role=codes,
    queues=st.lists(codes, max_size=5),
    languages=st.lists(codes, max_size=4),
    phone=st.one_of(st.text(max_size=30), st.from_regex(r"\+7701[0-9]{7}", fullmatch=True)),
)
@example(username="x\x00", password="", role="operator", queues=["legal\x00"], languages=[], phone="")
@example(username="aliya", password="", role="admin", queues=[], languages=["kk"], phone="+77015550000")
@example(username="zere", password="", role="operator", queues=["legal"], languages=["ru"], phone="1" * 30)
def test_hostile_new_users_get_a_clear_answer(admin_app, username, password, role, queues, languages, phone):
    before = counts(admin_app)
    form = {"username": username, "password": password, "role": role, "queues": queues}
    form.update(languages=languages, phone=phone)
    response = post_form(admin_app.admin, "/admin/users/new", form)
    assert response.status_code in (200, 400)
    after = counts(admin_app)
    if response.status_code == 400:
        assert after == before
    else:
        assert after[0] == before[0] + 1
    phone_input = re.search(r'<input[^>]*id="phone"[^>]*>', response.get_data(as_text=True))
    assert phone_input is None or 'value=""' in phone_input.group(0)  # a number is never shown back
