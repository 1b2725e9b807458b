"""Any body at the callbacks' writes, any query at their list: a 2xx or a 4xx,
never a 5xx; a refused request leaves everything as it was, a carried-out one
its one case event and audit record; no answer holds the number."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, Callback, CaseEvent
from tests.support import clock, surrogates
from tests.support.callbacks import HOURS, NUMBER, ask, bearer, case_called, staff_tokens

OFFSETS = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-3, minutes=-30))]
texts = st.text(max_size=40) | surrogates.with_surrogates
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
moments = st.builds(
    lambda minutes, offset: (clock.now() + timedelta(minutes=minutes)).astimezone(offset).isoformat(),
    st.integers(-3 * 24 * 60, 400 * 24 * 60),
    st.sampled_from(OFFSETS),
)
fields = {
    "due_at": moments | moments.map(lambda text: text[:19]) | json_values,
    "number": st.sampled_from(["+77017778899", "87017778899", "12", "anonymous", "\x00"]) | json_values,
    "operator": st.sampled_from(["aigerim", "dana", "boris", ""]) | json_values,
    "window": st.sampled_from(["18:00-19:00", "08:00-10:00", "21:00-22:00", "25:00-26:00"]) | json_values,
}
bodies = st.fixed_dictionaries({}, optional=fields) | st.dictionaries(
    st.sampled_from([*fields, "extra"]) | st.text(max_size=10), json_values, max_size=4
)
raw = (
    st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | surrogates.with_surrogates.map(
        lambda text: surrogates.raw(json.dumps({"window": text}, ensure_ascii=False))
    )
)
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def app(make_app):
    return make_app(HOTLINE_CALLBACK_HOURS=HOURS)


@pytest.fixture
def tokens(app) -> dict[str, str]:
    return staff_tokens(app)


def written(app) -> tuple:
    """Every callback as it stands, and how many case events and audit records of callbacks there are."""
    with app.app_context():
        db.session.expire_all()
        rows = tuple(
            db.session.execute(
                select(
                    Callback.id, Callback.status, Callback.due_at, Callback.operator_id, Callback.number_tail
                )
            ).all()
        )
        events = db.session.scalar(select(func.count()).where(CaseEvent.kind.like("callback%")))
        records = db.session.scalar(select(func.count()).where(AuditRecord.action.like("callback.%")))
        return rows, events, records


def refused_or_done(app, answer, before: tuple, body, done: int, seen: set | None = None) -> None:
    assert answer.status_code in (done, 400), answer.get_data(as_text=True)
    if seen is not None:
        seen.add(answer.status_code)
    assert NUMBER[1:] not in answer.get_data(as_text=True)
    if isinstance(body, (dict, list)) and surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
        assert answer.status_code == 400
    rows, events, records = written(app)
    if answer.status_code == 400:
        assert (rows, events, records) == before
    else:
        assert len(rows) == 1
        assert (events, records) == (before[1] + 1, before[2] + 1)
        local = datetime.fromisoformat(answer.get_json()["due_at"]).astimezone(clock.ZONE)
        assert 9 <= local.hour < 20


def test_any_body_asking_for_a_callback_is_answered_and_leaves_no_half_record(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    path = f"/api/v1/cases/{reference}/callbacks"
    headers = bearer(tokens["aigerim"])
    seen: set[int] = set()

    @given(
        body=bodies
        | st.fixed_dictionaries(
            {"due_at": moments}, optional={k: v for k, v in fields.items() if k != "due_at"}
        )
    )
    @PROPERTIES
    def json_bodies(body):
        before = written(app)
        refused_or_done(app, client.post(path, json=body, headers=headers), before, body, 201, seen)

    @given(data=raw)
    @PROPERTIES
    def raw_bodies(data):
        before = written(app)
        answer = client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})
        refused_or_done(app, answer, before, None, 201)

    json_bodies()
    raw_bodies()
    assert seen == {200 if "reschedule" in path else 201, 400}


def test_any_body_rescheduling_is_answered_and_leaves_no_half_record(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    callback_id = ask(client, tokens["boris"], reference).get_json()["id"]
    path = f"/api/v1/callbacks/{callback_id}/reschedule"
    headers = bearer(tokens["aigerim"])
    seen: set[int] = set()

    @given(body=bodies | st.fixed_dictionaries({"due_at": moments}))
    @PROPERTIES
    def json_bodies(body):
        before = written(app)
        refused_or_done(app, client.post(path, json=body, headers=headers), before, body, 200, seen)

    @given(data=raw)
    @PROPERTIES
    def raw_bodies(data):
        before = written(app)
        answer = client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})
        refused_or_done(app, answer, before, None, 200)

    json_bodies()
    raw_bodies()
    assert seen == {200 if "reschedule" in path else 201, 400}


def test_any_body_cancelling_is_answered_and_leaves_no_half_record(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    headers = bearer(tokens["aigerim"])

    @given(body=bodies | st.just({}))
    @PROPERTIES
    def json_bodies(body):
        callback_id = ask(client, tokens["boris"], reference).get_json()["id"]
        before = written(app)
        answer = client.post(f"/api/v1/callbacks/{callback_id}/cancel", json=body, headers=headers)
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)
        rows, events, records = written(app)
        if answer.status_code == 400:
            assert (rows, events, records) == before
        else:
            assert answer.get_json()["status"] == "cancelled"
            assert (events, records) == (before[1] + 1, before[2] + 1)

    json_bodies()


queries = st.dictionaries(
    st.sampled_from(["status", "queue", "from", "to", "after", "other"]),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=24)
    | st.sampled_from(["scheduled,queued", "legal", "2026-01-01", "0", "1"])
    | st.dates().map(str),
    max_size=5,
)


def test_any_query_of_the_list_is_answered_without_a_5xx(app, client, twilio, tokens):
    ask(client, tokens["boris"], case_called(app, twilio))

    @given(query=queries)
    @PROPERTIES
    def lists(query):
        answer = client.get("/api/v1/callbacks", query_string=query, headers=bearer(tokens["boris"]))
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)
        if answer.status_code == 400:
            assert answer.get_json()["message"].startswith("invalid query parameter: ")
        assert NUMBER[1:] not in answer.get_data(as_text=True)

    lists()
