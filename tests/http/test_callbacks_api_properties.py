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
from tests.support.bodies import json_values, objects, raw
from tests.support.callbacks import HOURS, NUMBER, ask, bearer, case_called, staff_tokens

OFFSETS = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-3, minutes=-30))]
moments = st.builds(
    lambda minutes, offset: (clock.now() + timedelta(minutes=minutes)).astimezone(offset).isoformat(),
    st.integers(-3 * 24 * 60, 400 * 24 * 60),
    st.sampled_from(OFFSETS),
)
fields = {
    "number": st.sampled_from(["+77017778899", "87017778899", "12", "anonymous", "\x00"]) | json_values,
    "operator": st.sampled_from(["aigerim", "dana", "boris", ""]) | json_values,
    "window": st.sampled_from(["18:00-19:00", "08:00-10:00", "21:00-22:00", "25:00-26:00"]) | json_values,
}
due_at = moments | moments.map(lambda text: text[:19]) | json_values
# Bodies of any shape, and bodies with a due time and some of the other fields.
bodies = objects({"due_at": due_at, **fields}) | st.fixed_dictionaries({"due_at": moments}, optional=fields)
PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def app(make_app):
    return make_app(HOTLINE_CALLBACK_HOURS=HOURS)


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


def answered_without_half_records(app, client, path: str, headers: dict, done: int) -> None:
    """Any JSON body or bytes at `path`: `done` (the one callback there is, due in
    callback hours, one more case event and audit record) or 400 (nothing changed)."""
    seen = set()

    def check(answer, body) -> None:
        assert answer.status_code in (done, 400), answer.get_data(as_text=True)
        seen.add(answer.status_code)
        assert NUMBER[1:] not in answer.get_data(as_text=True)
        if surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
            assert answer.status_code == 400
        rows, events, records = written(app)
        if answer.status_code == 400:
            assert (rows, events, records) == before[-1]
        else:
            assert len(rows) == 1
            assert (events, records) == (before[-1][1] + 1, before[-1][2] + 1)
            local = datetime.fromisoformat(answer.get_json()["due_at"]).astimezone(clock.ZONE)
            assert 9 <= local.hour < 20

    before = []

    @given(body=bodies)
    @PROPERTIES
    def json_bodies(body):
        before.append(written(app))
        check(client.post(path, json=body, headers=headers), body)

    @given(data=raw("window"))
    @PROPERTIES
    def raw_bodies(data):
        before.append(written(app))
        check(client.post(path, data=data, headers={**headers, "Content-Type": "application/json"}), None)

    json_bodies()
    raw_bodies()
    assert seen == {done, 400}


def test_any_body_asking_for_a_callback_is_answered_and_leaves_no_half_record(app, client, twilio):
    tokens = staff_tokens(app)
    path = f"/api/v1/cases/{case_called(app, twilio)}/callbacks"
    answered_without_half_records(app, client, path, bearer(tokens["aigerim"]), 201)


def test_any_body_rescheduling_is_answered_and_leaves_no_half_record(app, client, twilio):
    tokens = staff_tokens(app)
    callback_id = ask(client, tokens["boris"], case_called(app, twilio)).get_json()["id"]
    path = f"/api/v1/callbacks/{callback_id}/reschedule"
    answered_without_half_records(app, client, path, bearer(tokens["aigerim"]), 200)


def test_any_body_cancelling_is_answered_and_leaves_no_half_record(app, client, twilio):
    tokens = staff_tokens(app)
    reference = case_called(app, twilio)
    headers = bearer(tokens["aigerim"])

    @given(body=objects(fields) | st.just({}))
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


def test_any_query_of_the_list_is_answered_without_a_5xx(app, client, twilio):
    tokens = staff_tokens(app)
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
