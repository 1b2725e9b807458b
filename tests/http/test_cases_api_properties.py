"""Any body at a case's notes and status: a 2xx, a 400 or a 409, never a 5xx;
a refused one leaves everything as it was (no note, no status change, no
event, no audit record of a change); text with a lone surrogate is a 400."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, Case, CaseEvent, CaseNote
from tests.support import surrogates
from tests.support.bodies import json_values, objects, raw
from tests.support.cases import CATEGORY, NUMBER, OUTCOME, bearer, case_called, staff_tokens

PROPERTIES = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
note_fields = {
    "body": st.text(min_size=0, max_size=60)
    | st.sampled_from(["", "  ", "\x00", "x" * 10_001])
    | json_values,
    "corrects": st.integers(-2, 3) | json_values,
}
note_bodies = objects(note_fields) | st.fixed_dictionaries({"body": st.text(min_size=1, max_size=40)})
status_fields = {
    "status": st.sampled_from(["open", "in_progress", "waiting", "resolved", "closed", "done"]) | json_values,
    "outcome": st.sampled_from([OUTCOME, "referred", "x", ""]) | json_values,
    "category": st.sampled_from([CATEGORY, "housing", "x", ""]) | json_values,
}
status_bodies = objects(status_fields) | st.fixed_dictionaries(
    {"status": st.sampled_from(["in_progress", "waiting", "resolved", "closed", "open"])},
    optional={"outcome": st.just(OUTCOME), "category": st.just(CATEGORY)},
)


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def written(app) -> tuple:
    with app.app_context():
        db.session.expire_all()
        notes = tuple(db.session.execute(select(CaseNote.id, CaseNote.corrects_id)).all())
        statuses = tuple(db.session.execute(select(Case.id, Case.status, Case.outcome, Case.category)).all())
        events = db.session.scalar(select(func.count()).select_from(CaseEvent))
        changes = db.session.scalar(
            select(func.count()).where(AuditRecord.action.in_(["case.note_added", "case.status_changed"]))
        )
        return notes, statuses, events, changes


def check_answers(app, client, path, headers, bodies, field, done):
    seen = set()

    def check(answer, body, before):
        assert answer.status_code in (done, 400, 409), answer.get_data(as_text=True)
        seen.add(answer.status_code)
        assert NUMBER[1:] not in answer.get_data(as_text=True)
        if body is not None and surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
            assert answer.status_code == 400
        after = written(app)
        if answer.status_code != done:
            assert after == before
        else:
            assert (after[2], after[3]) == (before[2] + 1, before[3] + 1)

    @given(body=bodies)
    @PROPERTIES
    def json_bodies(body):
        before = written(app)
        check(client.post(path, json=body, headers=headers), body, before)

    @given(data=raw(field))
    @PROPERTIES
    def raw_bodies(data):
        before = written(app)
        answer = client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})
        check(answer, None, before)

    json_bodies()
    raw_bodies()
    return seen


def test_any_note_body_is_answered_and_leaves_no_half_record(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    path = f"/api/v1/cases/{reference}/notes"
    seen = check_answers(app, client, path, bearer(tokens["aigerim"]), note_bodies, "body", 201)
    assert {201, 400} <= seen


def test_any_status_body_is_answered_and_leaves_no_half_record(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    path = f"/api/v1/cases/{reference}/status"
    seen = check_answers(app, client, path, bearer(tokens["aigerim"]), status_bodies, "status", 200)
    assert {200, 400, 409} <= seen
