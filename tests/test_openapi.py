"""The OpenAPI document at /api/v1/openapi.json, and schemathesis against the
app through it: no 5xx, and every answer matches the schema the document gives.

schemathesis's own pytest plugin (`from_fixture`) reads a pytest internal that
pytest 9 no longer has, so each operation's cases are drawn with
`as_strategy()` in a plain hypothesis test instead; the checks are the same.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup

from hotline.accounts import auth
from hotline.calls import queues as queue_service
from hotline.calls.queues import QueueFigures
from hotline.models import Role
from tests.support.calls import ScriptedCall

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def api_token(app):
    with app.app_context():
        return auth.create_token("schemathesis")


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_document_describes_the_api(api_schema):
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in api_schema.get_all_operations())}
    assert {
        ("GET", "/api/v1/calls/{call_sid}"),
        ("GET", "/api/v1/queues"),
        ("GET", "/api/v1/queues/{name}/waiting"),
        ("GET", "/api/v1/me"),
        ("GET", "/healthz"),
    } <= operations
    assert ("GET", "/api/v1/openapi.json") not in operations
    document = api_schema.raw_schema
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token: flask create-token",
    }
    detail = document["paths"]["/api/v1/calls/{call_sid}"]["get"]
    assert detail["security"] == [{"bearer": []}]
    assert set(detail["responses"]) == {"200", "401", "404"}
    assert document["paths"]["/healthz"]["get"]["security"] == []
    waiting = document["paths"]["/api/v1/queues/{name}/waiting"]["get"]
    assert set(waiting["responses"]) == {"200", "401", "403", "404"}


def test_every_operation_answers_as_documented(api_schema, api_token):
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})

        answers_as_documented()


def test_a_waiting_call_and_the_queues_answer_as_documented(api_schema, api_token, twilio):
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    headers = {"Authorization": f"Bearer {api_token}"}
    detail = api_schema["/api/v1/calls/{call_sid}"]["GET"].Case(path_parameters={"call_sid": call.sid})
    assert detail.call_and_validate(headers=headers).json()["stage"] == "queued"
    queues = api_schema["/api/v1/queues"]["GET"].Case()
    assert {"name": "legal", "waiting": 1} in [
        {key: row[key] for key in ("name", "waiting")}
        for row in queues.call_and_validate(headers=headers).json()["queues"]
    ]


def test_the_console_endpoints_answer_as_documented_for_an_operator(app, api_schema, twilio):
    with app.app_context():
        auth.create_user("aigerim", Role.OPERATOR, queues=["legal"], languages=["ru"])
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
    call = ScriptedCall(twilio)
    call.to_queue(need="3")
    waiting = api_schema["/api/v1/queues/{name}/waiting"]["GET"]
    legal = waiting.Case(path_parameters={"name": "legal"}).call_and_validate(headers=headers).json()
    assert [caller["call_sid"] for caller in legal["callers"]] == [call.sid]
    medical = waiting.Case(path_parameters={"name": "medical"}).call_and_validate(headers=headers)
    assert medical.status_code == 403
    me = api_schema["/api/v1/me"]["GET"].Case().call_and_validate(headers=headers).json()
    assert me["queues"] == ["legal"]


def test_an_answer_that_leaves_its_schema_is_caught(api_schema, api_token, monkeypatch):
    monkeypatch.setattr(queue_service, "figures", lambda now: [QueueFigures("legal", -1, 0)])
    queues = api_schema["/api/v1/queues"]["GET"].Case()
    with pytest.raises(FailureGroup, match="Response violates schema"):
        queues.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})
