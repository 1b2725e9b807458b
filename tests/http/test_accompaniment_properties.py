"""Any body at the passport, a new plan step and a step's PATCH: a 2xx, a 400
or a 409, never a 5xx; a refused one leaves everything as it was (no passport
or version, no step or move, no event, no audit record of a change); text with
a lone surrogate is a 400; a change writes exactly one event and one record."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.cases import passport
from tests.support import surrogates
from tests.support.accompaniment import add_step, written
from tests.support.bodies import json_values, objects, raw
from tests.support.cases import bearer, case_called, staff_tokens

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
dates = st.dates().map(str) | st.sampled_from(["2026-02-30", "2026-1-1", "", "0000-01-01"])
documents = st.lists(st.sampled_from([*passport.DOCUMENTS, "diploma"]), max_size=4)
passport_fields = {
    "region": st.sampled_from([*passport.REGIONS, "almaty", None]) | json_values,
    "release_date": dates | json_values,
    "documents_held": documents | json_values,
    "documents_missing": documents | json_values,
    "housing": st.text(max_size=30) | st.sampled_from(["\x00", "x" * 2001, None]) | json_values,
    "health_insurance": st.booleans() | json_values,
    "follow_up_consent": st.booleans() | st.none(),
    "follow_up_consent_date": dates | st.none(),
    "supervision_ends": dates | st.none(),
}
passport_bodies = objects(passport_fields) | st.fixed_dictionaries(
    {}, optional={name: passport_fields[name] for name in ("region", "documents_held", "release_date")}
)
step_fields = {
    "goal": st.text(max_size=30) | st.sampled_from(["", " ", "\x00", "x" * 1001]) | json_values,
    "category": st.sampled_from(["documents", "housing", "nope", ""]) | json_values,
    "due_date": dates | json_values,
    "owner": st.sampled_from(["aigerim", "boris", "nobody", "partner:1", None]) | json_values,
}
step_bodies = objects(step_fields) | st.fixed_dictionaries(
    {
        "goal": st.text(min_size=1, max_size=20),
        "category": st.just("documents"),
        "due_date": st.dates().map(str),
    }
)
patch_fields = {
    "status": st.sampled_from(["open", "done", "dropped", "finished", None]) | json_values,
    "result": st.text(max_size=30) | st.sampled_from(["", " ", "\x00"]) | json_values,
}
patch_bodies = objects(patch_fields)


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def check_answers(app, client, send, bodies, field, done):
    """Every body `send`s answered as the module says; the statuses seen."""
    seen = set()

    def check(answer, body, before):
        assert answer.status_code in (done, 400, 409), answer.get_data(as_text=True)
        seen.add(answer.status_code)
        if body is not None and surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
            assert answer.status_code == 400
        after = written(app)
        if answer.status_code != done:
            assert after == before
        elif after != before:
            assert (after[3], after[4]) == (before[3] + 1, before[4] + 1)

    @given(body=bodies)
    @PROPERTIES
    def json_bodies(body):
        before = written(app)
        check(send(json=body), body, before)

    @given(data=raw(field))
    @PROPERTIES
    def raw_bodies(data):
        before = written(app)
        check(send(data=data, content_type="application/json"), None, before)

    json_bodies()
    raw_bodies()
    return seen


def test_any_passport_body_is_answered_and_leaves_no_half_version(app, client, twilio, tokens):
    reference = case_called(app, twilio)

    def send(**request):
        return client.put(f"/api/v1/cases/{reference}/passport", headers=bearer(tokens["aigerim"]), **request)

    assert {200, 400} <= check_answers(app, client, send, passport_bodies, "housing", 200)


def test_any_plan_step_body_is_answered_and_leaves_no_half_step(app, client, twilio, tokens):
    reference = case_called(app, twilio)

    def send(**request):
        return client.post(f"/api/v1/cases/{reference}/plan", headers=bearer(tokens["aigerim"]), **request)

    assert {201, 400} <= check_answers(app, client, send, step_bodies, "goal", 201)


def test_any_patch_body_is_answered_and_leaves_no_half_move(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    step_ids = [add_step(client, tokens["aigerim"], reference).get_json()["id"] for _ in range(3)]
    rounds = iter(range(10**6))

    def send(**request):
        step_id = step_ids[next(rounds) % len(step_ids)]
        return client.patch(f"/api/v1/plan-steps/{step_id}", headers=bearer(tokens["aigerim"]), **request)

    assert {200, 400, 409} <= check_answers(app, client, send, patch_bodies, "result", 200)


def test_any_if_match_is_answered_and_a_refused_one_writes_nothing(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    regions = iter(passport.REGIONS * 100)

    @given(tag=st.text(max_size=14) | st.integers(-2, 3).map(lambda n: f'"{n}"') | st.just('"0"'))
    @PROPERTIES
    def tags(tag):
        before = written(app)
        try:
            headers = {**bearer(tokens["aigerim"]), "If-Match": tag}
            answer = client.put(
                f"/api/v1/cases/{reference}/passport", json={"region": next(regions)}, headers=headers
            )
        except ValueError:
            return  # text no HTTP header can carry (a newline, say): the client refuses to send it
        assert answer.status_code in (200, 400, 409), answer.get_data(as_text=True)
        if answer.status_code != 200:
            assert written(app) == before

    tags()


def test_any_due_is_a_200_or_a_400(app, client, tokens):
    @given(due=st.text(max_size=10) | st.just("week"))
    @PROPERTIES
    def dues(due):
        answer = client.get(
            "/api/v1/me/plan-steps", query_string={"due": due}, headers=bearer(tokens["aigerim"])
        )
        assert answer.status_code == (200 if due == "week" else 400)

    dues()
