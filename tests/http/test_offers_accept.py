"""Taking a caller through HTTP: accepting an offer, picking a caller from the
list, and every refusal (400, 401, 403, 404, 409) in the API's JSON shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import Assignment, AuditRecord, Call, CaseEvent, Role
from telephony.simulator import state
from tests.support import desk
from tests.support.calls import TwilioWebhooks
from tests.support.clock import next_weekday_at
from tests.support.live_events import integration_token
from tests.support.pages import csrf_token, log_in

T0 = next_weekday_at(11)


def ago(seconds: int) -> datetime:
    return T0 - timedelta(seconds=seconds)


@pytest.fixture
def phone_app(app, monkeypatch):
    """The app with its REST client on the in-process simulator."""
    monkeypatch.setitem(app.extensions, "telephony", desk.in_process_telephony(app))
    with time_machine.travel(T0, tick=False):
        yield app


@pytest.fixture
def line(phone_app, client):
    with phone_app.app_context():
        yield TwilioWebhooks(client)


@pytest.fixture
def carrier(phone_app):
    return desk.network(phone_app)


def bearer(username: str) -> dict:
    return {"Authorization": "Bearer " + auth.create_token(f"{username}-console", username)}


def refused(answer, status: int) -> str:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert set(answer.json) == {"error", "message"}
    return answer.json["message"]


def test_accepting_an_offer_puts_the_caller_through(line, carrier, client, phone_app):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    sid = desk.queued(line, carrier)
    offer = desk.offer_of(sid)

    answer = client.post(f"/api/v1/offers/{offer.id}/accept", headers=bearer("asel"))

    assert answer.status_code == 200, answer.json
    db.session.expire_all()
    assignment = db.session.scalars(select(Assignment)).one()
    call = db.session.scalars(select(Call).where(Call.call_sid == sid)).one()
    assert answer.json == {
        "kind": "call",
        "assignment_id": assignment.id,
        "call_sid": sid,
        "case_reference": call.case.reference,
        "queue": "legal",
        "language": "ru",
        "crisis": False,
        "device": "browser",
        "state": "connecting",
    }
    assert (assignment.status, assignment.device, assignment.user.username) == (
        "connecting",
        "browser",
        "asel",
    )
    assert (call.stage, call.operator.username) == ("connected", "asel")
    assert desk.offer_status(offer.id) == "accepted"
    assert desk.presence_of("asel") == "busy"
    assert state.load("call", sid)["url"] == f"http://localhost/telephony/voice/connect/{assignment.id}"
    assert "accepted" in db.session.scalars(select(CaseEvent.kind)).all()
    assert db.session.scalar(select(func.count()).where(AuditRecord.action == "call.accepted")) == 1


def test_the_console_takes_a_caller_with_its_session_and_csrf_token(phone_app, client, carrier):
    with phone_app.app_context():
        desk.operator("asel", ["legal"], ["ru"])
        sid = desk.queued(TwilioWebhooks(client), carrier)
    assert log_in(client, "asel", desk.PASSWORD).status_code == 302
    path = f"/api/v1/calls/{sid}/accept"
    assert "CSRF" in refused(client.post(path), 400)
    answer = client.post(path, headers={"X-CSRFToken": csrf_token(client, "/console")})
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "connecting"


def test_taking_a_caller_offered_to_someone_else_withdraws_their_offer(line, carrier, client):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    desk.operator("bolat", ["legal"], ["ru"])
    sid = desk.queued(line, carrier)
    offer = desk.offer_of(sid)
    assert offer.user.username == "asel"

    answer = client.post(f"/api/v1/calls/{sid}/accept", json={}, headers=bearer("bolat"))

    assert answer.status_code == 200, answer.json
    assert desk.offer_status(offer.id) == "withdrawn"
    assert desk.presence_of("asel") == "available"
    assert desk.presence_of("bolat") == "busy"
    refused(client.post(f"/api/v1/offers/{offer.id}/accept", headers=bearer("asel")), 409)


def test_taking_another_caller_releases_the_takers_own_offer(line, carrier, client):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    desk.operator("bolat", ["legal"], ["ru"], available_since=ago(30))
    offered, other = desk.queued(line, carrier), desk.queued(line, carrier)
    assert desk.open_offers() == [(offered, "asel"), (other, "bolat")]
    asel_offer = desk.offer_of(offered).id

    answer = client.post(f"/api/v1/calls/{other}/accept", headers=bearer("asel"))

    assert answer.status_code == 200, answer.json
    assert desk.offer_status(asel_offer) == "withdrawn"
    assert desk.open_offers() == [(offered, "bolat")], "bolat, who lost his offer to the take, is free"
    assert (desk.presence_of("asel"), desk.presence_of("bolat")) == ("busy", "available")


def test_a_supervisor_takes_a_caller_of_any_queue(line, carrier, client):
    desk.operator("boris", [], [], role=Role.SUPERVISOR)
    sid = desk.queued(line, carrier, need="1")  # psychologist
    answer = client.post(f"/api/v1/calls/{sid}/accept", headers=bearer("boris"))
    assert answer.status_code == 200, answer.json
    assert answer.json["queue"] == "psychologist"


def test_refusals(line, carrier, client, phone_app):
    desk.operator("asel", ["legal"], ["ru"])
    desk.operator("dana", ["general"], ["ru"])
    first, second = desk.queued(line, carrier), desk.queued(line, carrier)
    asel, dana = bearer("asel"), bearer("dana")

    assert "CallSid" in refused(client.post("/api/v1/calls/CAnothing/accept", headers=asel), 404)
    assert "serve" in refused(client.post(f"/api/v1/calls/{first}/accept", headers=dana), 403)
    assert "read-only" in refused(
        client.post(
            f"/api/v1/calls/{first}/accept",
            headers={"Authorization": "Bearer " + integration_token(phone_app)},
        ),
        403,
    )
    refused(client.post(f"/api/v1/calls/{first}/accept"), 401)
    for body in ([], {"queue": "legal"}, "null", "not json"):
        kwargs = (
            {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
        )
        refused(client.post(f"/api/v1/calls/{first}/accept", headers=asel, **kwargs), 400)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0, "nothing half-written"

    assert client.post(f"/api/v1/calls/{first}/accept", headers=asel).status_code == 200
    assert "not waiting" in refused(client.post(f"/api/v1/calls/{first}/accept", headers=asel), 409)
    assert "on a call" in refused(client.post(f"/api/v1/calls/{second}/accept", headers=asel), 409)


def test_refusals_of_offers(line, carrier, client):
    desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
    desk.operator("bolat", ["legal"], ["ru"])
    sid = desk.queued(line, carrier)
    offer = desk.offer_of(sid)
    asel, bolat = bearer("asel"), bearer("bolat")

    for path in (
        "/api/v1/offers/999999/accept",
        f"/api/v1/offers/{2**63}/decline",
        "/api/v1/offers/x/accept",
    ):
        refused(client.post(path, headers=asel), 404)
    for verb in ("accept", "decline"):
        assert "someone else" in refused(client.post(f"/api/v1/offers/{offer.id}/{verb}", headers=bolat), 403)
    refused(client.post(f"/api/v1/offers/{offer.id}/decline", json=[1], headers=asel), 400)
    assert client.post(f"/api/v1/offers/{offer.id}/decline", headers=asel).status_code == 200
    for verb in ("accept", "decline"):
        assert "no longer open" in refused(
            client.post(f"/api/v1/offers/{offer.id}/{verb}", headers=asel), 409
        )


def test_a_caller_gone_before_the_redirect_frees_the_operator(line, client):
    desk.operator("asel", ["legal"], ["ru"])
    sid = desk.queued(line)  # never rang on the simulated network: the REST API does not know it

    message = refused(client.post(f"/api/v1/calls/{sid}/accept", headers=bearer("asel")), 409)

    assert message == "the caller is no longer on the line"
    db.session.expire_all()
    assert db.session.scalars(select(Assignment.status)).all() == ["missed"]
    assert desk.presence_of("asel") == "available"
    assert desk.stage_of(sid) == "queued", "its final status, when it comes, ends it as abandoned"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.one_of(
        st.builds(
            lambda n, verb: f"/api/v1/offers/{n}/{verb}",
            st.integers(-(2**70), 2**70),
            st.sampled_from(["accept", "decline"]),
        ),
        st.builds(lambda sid: f"/api/v1/calls/{quote(sid, safe='')}/accept", st.text(max_size=80)),
        st.builds(
            lambda hex_: f"/api/v1/calls/CA{hex_}/accept",
            st.text("0123456789abcdef", min_size=32, max_size=32),
        ),
    ),
    body=st.one_of(
        st.binary(max_size=64),
        st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3),
    ),
)
@example(target="/api/v1/calls/%00/accept", body=b"")  # PostgreSQL refuses a NUL in a string
@example(target=f"/api/v1/offers/{2**63}/accept", body=b"")
def test_hostile_ids_and_bodies_never_get_a_5xx(line, carrier, client, target, body):
    if not hasattr(line, "asel"):
        desk.operator("asel", ["legal"], ["ru"], available_since=ago(60))
        desk.queued(line, carrier)
        line.asel = bearer("asel")
    kwargs = {"json": body} if isinstance(body, dict) else {"data": body, "content_type": "application/json"}
    answer = client.post(target, headers=line.asel, **kwargs)
    assert answer.status_code < 500, (target, answer.get_data(as_text=True))
