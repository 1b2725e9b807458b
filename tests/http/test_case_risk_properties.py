"""Any body at a case's risk, emergency actions, acknowledgement and block: a
2xx, a 400 or a 409, never a 5xx; a refused one leaves everything as it was (no
alert, action or block, no event, no audit record of a change); text with a
lone surrogate is a 400."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, utcnow
from tests.support import surrogates
from tests.support.bodies import json_values, objects, raw
from tests.support.cases import NUMBER, bearer, case_called, staff_tokens
from tests.support.risk import rows

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
moments = st.sampled_from(
    ["2026-12-03T10:00:00", "2026-13-03T10:00:00+05:00", "yesterday", "", "2026-12-03T10:00:00+05:00\n"]
) | st.builds(lambda: utcnow().isoformat())
risk_bodies = objects(
    {"level": st.sampled_from(["none", "low", "high", "imminent", "IMMINENT", ""]) | json_values}
)
action_bodies = objects(
    {
        "contacted": st.sampled_from(["112", "ambulance", "police", "relative", "other", "fire"])
        | json_values,
        "at": moments | json_values,
        "result": st.text(max_size=30) | st.sampled_from(["", " ", "\x00", "x" * 2001]) | json_values,
    }
)
action_bodies |= st.fixed_dictionaries(
    {
        "contacted": st.sampled_from(["112", "relative"]),
        "at": st.builds(lambda: utcnow().isoformat()),
        "result": st.text(min_size=1, max_size=20),
    }
)
block_bodies = objects(
    {
        "hours": st.integers(-5, 2200) | st.sampled_from([1, 2160, 2161, 0]) | json_values,
        "reason": st.text(max_size=30) | st.sampled_from(["", "  ", "\x00", "x" * 1001]) | json_values,
    }
) | st.fixed_dictionaries({"hours": st.integers(1, 2160), "reason": st.text(min_size=1, max_size=20)})


@pytest.fixture
def tokens(app):
    return staff_tokens(app)


def written(app) -> tuple:
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(CaseEvent))
        changes = db.session.scalar(select(func.count()).where(AuditRecord.action.not_in(["case.viewed"])))
        return rows(app), events, changes


def check_answers(app, client, path, headers, bodies, field, done):
    seen = set()

    def check(answer, body, before):
        assert answer.status_code in (done, 400, 409), answer.get_data(as_text=True)
        seen.add(answer.status_code)
        assert NUMBER[1:] not in answer.get_data(as_text=True)
        if body is not None and surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
            assert answer.status_code == 400
        if answer.status_code != done:
            assert written(app) == before

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


def test_any_risk_body(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    seen = check_answers(
        app, client, f"/api/v1/cases/{reference}/risk", bearer(tokens["aigerim"]), risk_bodies, "level", 200
    )
    assert {200, 400} <= seen


def test_any_emergency_action_body(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    path = f"/api/v1/cases/{reference}/emergency-actions"
    seen = check_answers(app, client, path, bearer(tokens["aigerim"]), action_bodies, "result", 201)
    assert {201, 400} <= seen


def test_any_acknowledge_body(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    client.post(
        f"/api/v1/cases/{reference}/risk", json={"level": "imminent"}, headers=bearer(tokens["aigerim"])
    )
    path = f"/api/v1/cases/{reference}/risk/acknowledge"
    seen = check_answers(app, client, path, bearer(tokens["boris"]), json_values, "x", 200)
    assert 400 in seen


def test_any_block_body(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    path = f"/api/v1/cases/{reference}/block"
    seen = check_answers(app, client, path, bearer(tokens["boris"]), block_bodies, "reason", 201)
    assert {201, 400} <= seen
