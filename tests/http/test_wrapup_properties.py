"""Any body at the wrap-up: a 200 with a valid outcome and category, or a 400
that leaves the wrap-up as it was; never a 5xx, never a half-written record.
Text with a lone surrogate anywhere in the body (which no database can store)
is always the 400."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import CaseNote, Role
from hotline.models.states import AssignmentStatus
from tests.support import surrogates
from tests.support.bodies import json_values, objects
from tests.support.bodies import raw as raw_bodies
from tests.support.wrapup import assignment_of, in_wrap_up

OUTCOMES = ["support_given", "referred", "no_contact"]
CATEGORIES = ["documents", "housing", "other"]

fields = {
    "outcome": st.sampled_from(OUTCOMES) | json_values,
    "category": st.sampled_from(CATEGORIES) | json_values,
    "note": st.none()
    | st.text(max_size=60)
    | st.text(min_size=3990, max_size=4010, alphabet="ab\x00я")
    | surrogates.with_surrogates
    | json_values,
}
bodies = objects(fields)
raw = raw_bodies("note")


def test_any_body_is_answered_without_a_5xx_and_leaves_no_half_record(app, client):
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, queues=["legal"], languages=["ru"])
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
    current = []

    def wrap_up_to_save() -> str:
        with app.app_context():
            if not current or assignment_of(current[-1]).status != AssignmentStatus.WRAP_UP:
                current.append(in_wrap_up("aigerim"))
        return current[-1]

    def check(sid: str, answer, body) -> None:
        assert answer.status_code in (200, 400), answer.get_data(as_text=True)
        if surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
            assert answer.status_code == 400
        with app.app_context():
            assignment = assignment_of(sid)
            notes = db.session.scalar(select(func.count()).where(CaseNote.call_id == assignment.call_id))
            if answer.status_code == 200:
                assert (assignment.outcome, assignment.category) == (body["outcome"], body["category"])
                assert answer.get_json()["outcome"] == body["outcome"]
            else:
                assert (assignment.status, assignment.outcome, notes) == ("wrap_up", None, 0)

    @given(body=bodies)
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    def json_bodies(body):
        sid = wrap_up_to_save()
        check(sid, client.post(f"/api/v1/calls/{sid}/wrap-up", json=body, headers=headers), body)

    @given(
        data=raw,
        content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    )
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    def raw_bodies(data, content_type):
        sid = wrap_up_to_save()
        answer = client.post(
            f"/api/v1/calls/{sid}/wrap-up", data=data, headers={**headers, "Content-Type": content_type}
        )
        assert answer.status_code == 400, answer.get_data(as_text=True)

    json_bodies()
    raw_bodies()
