"""The OpenAPI document at /api/v1/openapi.json, and schemathesis against the
app through it: no 5xx, and every answer matches the schema the document gives.

schemathesis runs every operation three times during a shift under way
(tests/shift.py): with an integration's read-only token, with the operators'
tokens, and with a supervisor's; paths name the shift's real calls and offers
as often as generated ones (tests/openapi_runs.py), and each run must see the
writes its users may do carried out, not only refused.

schemathesis's own pytest plugin (`from_fixture`) reads a pytest internal that
pytest 9 no longer has, so each operation's cases are drawn with
`as_strategy()` in a plain hypothesis test instead; the checks are the same.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup

from hotline.accounts import auth
from hotline.api import desk as desk_api
from hotline.calls import queues as queue_service
from hotline.calls.queues import QueueFigures
from hotline.models import Role
from hotline.operators import taxonomy
from tests.support import desk
from tests.support import openapi_runs as runs
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
        ("GET", "/api/v1/cases/{reference}"),
        ("GET", "/api/v1/cases/{reference}/timeline"),
        ("POST", "/api/v1/cases/{reference}/notes"),
        ("POST", "/api/v1/cases/{reference}/status"),
        ("POST", "/api/v1/cases/{reference}/reveal"),
        ("GET", "/api/v1/cases/{reference}/passport"),
        ("PUT", "/api/v1/cases/{reference}/passport"),
        ("GET", "/api/v1/cases/{reference}/plan"),
        ("POST", "/api/v1/cases/{reference}/plan"),
        ("PATCH", "/api/v1/plan-steps/{step_id}"),
        ("GET", "/api/v1/me/plan-steps"),
        ("GET", "/api/v1/partners"),
        ("POST", "/api/v1/partners"),
        ("POST", "/api/v1/cases/{reference}/referrals"),
        ("POST", "/api/v1/referrals/{referral_id}/status"),
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/audit"),
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
    assert set(detail["responses"]) == {"200", "401", "403", "404"}
    assert document["paths"]["/healthz"]["get"]["security"] == []
    waiting = document["paths"]["/api/v1/queues/{name}/waiting"]["get"]
    assert set(waiting["responses"]) == {"200", "401", "403", "404"}


@pytest.fixture
def phone_app(app, monkeypatch):
    """The app with its telephony on its own simulator, in process."""
    monkeypatch.setitem(app.extensions, "telephony", desk.in_process_telephony(app))
    return app


def sorted_codes(app, kind: taxonomy.Kind) -> list[str]:
    with app.app_context():
        return sorted(taxonomy.active_codes(kind))


def send_cases(operation, run: str, hooks, shift: runs.ShiftUnderTest, tally: runs.Tally, fitting) -> None:
    """Draw the operation's cases and send each as one of the run's askers;
    the fitting case, if any, goes first."""

    @given(case=operation.as_strategy(hooks=hooks), who=st.sampled_from(runs.ASKERS[run]))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
    def answers_as_documented(case, who):
        case.path_parameters = shift.aim(case.path_parameters)
        answer = case.call_and_validate(headers={"Authorization": f"Bearer {shift.now.tokens[who]}"})
        assert answer.status_code < 500, (who, case.path, case.path_parameters, answer.text)
        tally.add(operation, answer.status_code)
        shift.after(operation, answer.status_code)

    if fitting is not None:
        who, path_parameters, body = fitting
        case = operation.Case(path_parameters=path_parameters, body=body)
        answers_as_documented = example(case=case, who=who)(answers_as_documented)
    answers_as_documented()


# Its time grows with the operations (each drawn EXAMPLES_PER_OPERATION times,
# every write on a shift made anew): bounded on its own, past the suite's 120 s.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("run", ["integration", "operator", "supervisor"])
def test_every_operation_answers_as_documented_during_a_shift(phone_app, run):
    """Every operation, with the run's tokens, against a shift with callers,
    offers, calls and cases: never a 5xx, every answer as documented, and the
    writes the run's users may do carried out, not only refused."""
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", phone_app)
    outcomes, categories = (sorted_codes(phone_app, kind) for kind in taxonomy.Kind)
    hooks = runs.aimed_at_the_shift(outcomes, categories)
    fitting = runs.fitting(run, outcomes[0], categories[0])
    shift = runs.ShiftUnderTest(phone_app)
    tally = runs.Tally()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" and run != "integration":
            shift.restart()
        send_cases(operation, run, hooks, shift, tally, fitting.get(runs.key(operation)))

    assert tally.never_carried_out(runs.CARRIED_OUT[run]) == {}
    assert tally.carried_out() == runs.CARRIED_OUT[run]
    assert tally.never_refused() == {}


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


@pytest.mark.parametrize(
    ("path", "schema"), [("/api/v1/me/call", "MyCallSchema"), ("/api/v1/me/offer", "MyOfferSchema")]
)
def test_a_call_or_offer_of_another_shape_is_caught(app, api_schema, staff, monkeypatch, path, schema):
    """A nullable nested object is null or of its schema, not any object (as apispec writes it)."""
    monkeypatch.setattr(
        getattr(desk_api, schema), "dump", lambda self, answer: {path.rsplit("/", 1)[1]: {"x": 1}}
    )
    with app.app_context():
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
    with pytest.raises(FailureGroup, match="Response violates schema"):
        api_schema[path]["GET"].Case().call_and_validate(headers=headers)
