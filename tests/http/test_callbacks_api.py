"""The callbacks' JSON API: the list and one callback, cancel, reschedule, a
request from a case; who may read and act; never a number, only its last two
digits; every change a case event and an audit record."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from hotline.callbacks import listing
from hotline.extensions import db
from hotline.models import AuditRecord, Callback, CaseEvent
from tests.support import clock
from tests.support.callbacks import HOURS, NUMBER, OTHER_NUMBER, ask, bearer, case_called, staff_tokens
from tests.support.pages import PASSWORD, csrf_token, log_in
from tests.support.published import Published


@pytest.fixture
def app(make_app):
    return make_app(HOTLINE_CALLBACK_HOURS=HOURS)


@pytest.fixture
def tokens(app) -> dict[str, str]:
    return staff_tokens(app)


def local_time(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(clock.ZONE)


def trail(app, action: str, kind: str | None = None) -> tuple[int, int]:
    """How many case events (of `kind`, by default the action's name) and audit records the action left."""
    with app.app_context():
        kind = kind or action.replace(".", "_")
        events = db.session.scalar(select(func.count()).where(CaseEvent.kind == kind))
        records = db.session.scalar(select(func.count()).where(AuditRecord.action == action))
        return events, records


def test_an_operator_asks_for_a_callback_from_a_case(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    due = clock.next_weekday_at(10, 30)

    answer = ask(client, tokens["aigerim"], reference, due_at=due.astimezone(clock.ZONE).isoformat())

    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert {key: shown[key] for key in ("kind", "status", "queue", "source", "case_reference", "merged")} == {
        "kind": "callback",
        "status": "scheduled",
        "queue": "legal",
        "source": "operator",
        "case_reference": reference,
        "merged": False,
    }
    assert local_time(shown["due_at"]) == due.astimezone(clock.ZONE)
    assert shown["masked_number"] == "••••34"
    assert shown["attempts"] == []
    assert NUMBER[1:] not in answer.get_data(as_text=True)
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "callback.requested")
        ).one()
        assert (record.actor, record.object_type, record.object_id) == (
            "aigerim",
            "callback",
            str(shown["id"]),
        )
    assert trail(app, "callback.requested") == (1, 1)


def test_a_case_asking_twice_has_one_callback(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    later = clock.next_weekday_at(15)
    first = ask(client, tokens["aigerim"], reference, due_at=later.isoformat()).get_json()
    earlier = clock.next_weekday_at(11, after=later - timedelta(days=1, hours=5))
    assert earlier < later

    second = ask(client, tokens["boris"], reference, due_at=earlier.isoformat())

    assert second.status_code == 201
    assert (second.get_json()["id"], second.get_json()["merged"]) == (first["id"], True)
    assert local_time(second.get_json()["due_at"]) == earlier.astimezone(clock.ZONE)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Callback)) == 1
    assert trail(app, "callback.merged", "callback_requested") == (2, 1)


def test_a_callback_asked_for_at_night_is_due_at_the_next_opening(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    night = clock.next_weekday_at(22)

    shown = ask(client, tokens["aigerim"], reference, due_at=night.isoformat()).get_json()

    next_morning = night.astimezone(clock.ZONE).date() + timedelta(days=1)
    assert local_time(shown["due_at"]) == clock.local(next_morning, 9).astimezone(clock.ZONE)


def test_a_callback_on_another_number_in_a_window_for_an_operator(app, client, twilio, tokens):
    reference = case_called(app, twilio)

    answer = ask(
        client, tokens["boris"], reference, number="8 701 777 88 99", operator="aigerim", window="18:00-19:00"
    )

    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert (shown["masked_number"], shown["operator"], shown["window"]) == (
        "••••99",
        "aigerim",
        "18:00-19:00",
    )
    assert local_time(shown["due_at"]).hour == 18
    assert OTHER_NUMBER[1:] not in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "12"}, "number"),
        ({"number": "+7701555123456789"}, "number"),
        ({"number": "anonymous"}, "number"),
        ({"number": "+7 799 123 45 67"}, "number"),  # a possible length, in no range
        ({"operator": "dana"}, "operator"),  # serves medical, not legal
        ({"operator": "boris"}, "operator"),  # a supervisor
        ({"operator": "nobody"}, "operator"),
        ({"window": "6pm-7pm"}, "window"),
        ({"window": "21:00-22:00"}, "window"),  # outside callback hours
        ({"due_at": "2030-01-01T10:00:00"}, "due_at"),  # naive
        ({"due_at": "tomorrow"}, "due_at"),
        ({"due_at": "٢٠٣٠-01-01T10:00:00+05:00"}, "due_at"),
        ({"due_at": None}, "due_at"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_request_from_a_case_names_its_field_and_makes_nothing(
    app, client, twilio, tokens, body, field
):
    reference = case_called(app, twilio)

    answer = ask(client, tokens["aigerim"], reference, **body)

    assert answer.status_code == 400
    message = answer.get_json()["message"]
    assert field in message.lower() or (field == "window" and "window" in message)
    for value in body.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Callback)) == 0
    assert trail(app, "callback.requested") == (0, 0)


def test_a_withheld_caller_is_called_back_only_on_a_number_given(app, client, twilio, tokens):
    reference = case_called(app, twilio, number=None)

    refused = ask(client, tokens["aigerim"], reference)
    assert refused.status_code == 409
    assert "number" in refused.get_json()["message"]

    given = ask(client, tokens["aigerim"], reference, number=OTHER_NUMBER)
    assert given.status_code == 201
    assert given.get_json()["masked_number"] == "••••99"


def test_a_case_of_another_queue_or_none_is_refused(app, client, twilio, tokens):
    medical = case_called(app, twilio, queue="medical")

    assert ask(client, tokens["aigerim"], medical).status_code == 403
    assert ask(client, tokens["aigerim"], "HL-2020-999999").status_code == 404
    assert ask(client, tokens["aigerim"], "nonsense\u0000").status_code == 404
    assert ask(client, tokens["wallboard"], medical).status_code == 403
    assert ask(client, tokens["dana"], medical).status_code == 201


@pytest.fixture
def callbacks(app, client, twilio, tokens) -> dict[str, int]:
    """A scheduled callback in legal and one in medical, by queue."""
    made = {}
    for queue, number in (("legal", NUMBER), ("medical", OTHER_NUMBER)):
        reference = case_called(app, twilio, queue=queue, number=number)
        made[queue] = ask(client, tokens["boris"], reference).get_json()["id"]
    return made


def listed(client, token: str, query: str = "") -> list[int]:
    answer = client.get(f"/api/v1/callbacks{query}", headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    return [item["id"] for item in answer.get_json()["items"]]


def test_the_list_filters_by_queue_and_status(client, tokens, callbacks):
    both = sorted(callbacks.values())
    assert listed(client, tokens["boris"]) == both
    assert listed(client, tokens["boris"], "?queue=medical") == [callbacks["medical"]]
    assert listed(client, tokens["boris"], "?status=scheduled,queued&queue=&from=") == both
    assert listed(client, tokens["boris"], "?status=cancelled") == []
    today = clock.now().astimezone(clock.ZONE).date()
    assert listed(client, tokens["boris"], f"?from={today - timedelta(days=3)}&to={today}") == both


def test_the_list_shows_closed_callbacks_on_the_days_asked_for(client, tokens, callbacks):
    client.post(f"/api/v1/callbacks/{callbacks['legal']}/cancel", headers=bearer(tokens["boris"]))
    today = clock.now().astimezone(clock.ZONE).date()

    assert listed(client, tokens["boris"], "?status=cancelled") == [callbacks["legal"]]
    assert listed(client, tokens["boris"], f"?status=cancelled&from={today - timedelta(days=2)}") == []
    assert listed(client, tokens["boris"], f"?status=cancelled&to={today + timedelta(days=1)}") == []


def test_days_out_of_order_or_of_any_year_list_the_open_callbacks(client, tokens, callbacks):
    client.post(f"/api/v1/callbacks/{callbacks['legal']}/cancel", headers=bearer(tokens["boris"]))
    today = clock.now().astimezone(clock.ZONE).date()

    assert listed(client, tokens["boris"], f"?from={today}&to={today - timedelta(days=1)}") == [
        callbacks["medical"]
    ]
    assert listed(client, tokens["boris"], "?from=0001-01-01&to=9999-12-31") == sorted(callbacks.values())
    assert listed(client, tokens["boris"], "?to=0001-01-01") == [callbacks["medical"]]


def test_the_list_comes_in_pages(client, tokens, callbacks, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    first = client.get("/api/v1/callbacks", headers=bearer(tokens["boris"])).get_json()
    assert [item["id"] for item in first["items"]] == [callbacks["legal"]]
    assert first["next"] == callbacks["legal"]
    second = client.get(
        f"/api/v1/callbacks?after={first['next']}", headers=bearer(tokens["boris"])
    ).get_json()
    assert ([item["id"] for item in second["items"]], second["next"]) == ([callbacks["medical"]], None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=scheduled,nonsense", "status"),
        ("status=Scheduled", "status"),
        ("status=scheduled,", "status"),
        ("queue=crisis", "queue"),
        ("from=2026-1-01", "from"),
        ("from=2026-02-30", "from"),
        ("to=2026-01-01T00:00", "to"),
        ("from=٢٠٢٦-01-01", "from"),
        ("after=-1", "after"),
        ("after=1e3", "after"),
        ("after=١", "after"),
        ("after=99999999999", "after"),
    ],
)
def test_a_bad_query_is_a_400_naming_it(client, tokens, query, field):
    answer = client.get(f"/api/v1/callbacks?{query}", headers=bearer(tokens["boris"]))
    assert answer.status_code == 400
    assert answer.get_json()["message"] == f"invalid query parameter: {field}"


def test_an_operator_reads_and_acts_on_their_queues_callbacks_only(client, tokens, callbacks):
    aigerim = bearer(tokens["aigerim"])
    medical = callbacks["medical"]

    assert listed(client, tokens["aigerim"]) == [callbacks["legal"]]
    assert listed(client, tokens["aigerim"], "?queue=legal") == [callbacks["legal"]]
    assert client.get("/api/v1/callbacks?queue=medical", headers=aigerim).status_code == 403
    assert client.get(f"/api/v1/callbacks/{medical}", headers=aigerim).status_code == 403
    assert client.post(f"/api/v1/callbacks/{medical}/cancel", headers=aigerim).status_code == 403
    moved = client.post(
        f"/api/v1/callbacks/{medical}/reschedule",
        json={"due_at": clock.next_weekday_at(12).isoformat()},
        headers=aigerim,
    )
    assert moved.status_code == 403
    assert client.get(f"/api/v1/callbacks/{medical}", headers=bearer(tokens["dana"])).status_code == 200
    assert client.get(f"/api/v1/callbacks/{medical}", headers=bearer(tokens["boris"])).status_code == 200


def test_an_integration_token_neither_reads_nor_cancels(client, tokens, callbacks):
    wallboard = bearer(tokens["wallboard"])
    assert client.get("/api/v1/callbacks", headers=wallboard).status_code == 403
    assert client.get(f"/api/v1/callbacks/{callbacks['legal']}", headers=wallboard).status_code == 403
    refused = client.post(f"/api/v1/callbacks/{callbacks['legal']}/cancel", headers=wallboard)
    assert refused.get_json() == {"error": "Forbidden", "message": "this token is read-only"}
    assert listed(client, tokens["boris"], "?status=scheduled") == sorted(callbacks.values())


@pytest.mark.parametrize("path", ["999999", "0", "١", "+1", "1.0", "99999999999", "abc"])
def test_an_unknown_callback_is_a_404(client, tokens, callbacks, path):
    assert client.get(f"/api/v1/callbacks/{path}", headers=bearer(tokens["boris"])).status_code == 404
    assert client.post(f"/api/v1/callbacks/{path}/cancel", headers=bearer(tokens["boris"])).status_code == 404


def test_the_detail_shows_the_callback_without_its_number(client, tokens, callbacks):
    answer = client.get(f"/api/v1/callbacks/{callbacks['legal']}", headers=bearer(tokens["aigerim"]))

    shown = answer.get_json()
    assert (shown["id"], shown["queue"], shown["status"], shown["masked_number"]) == (
        callbacks["legal"],
        "legal",
        "scheduled",
        "••••34",
    )
    assert NUMBER[1:] not in answer.get_data(as_text=True)
    assert NUMBER[-6:] not in answer.get_data(as_text=True)


def test_cancel_then_cancel_again_is_a_409(app, client, tokens, callbacks):
    path = f"/api/v1/callbacks/{callbacks['legal']}/cancel"

    cancelled = client.post(path, headers=bearer(tokens["aigerim"]))
    again = client.post(path, headers=bearer(tokens["aigerim"]))

    assert cancelled.status_code == 200
    assert (cancelled.get_json()["status"], cancelled.get_json()["closed_at"] is not None) == (
        "cancelled",
        True,
    )
    assert again.status_code == 409
    assert again.get_json()["message"] == "cannot cancel a callback that is cancelled"
    assert trail(app, "callback.cancelled") == (1, 1)
    moved = client.post(
        f"/api/v1/callbacks/{callbacks['legal']}/reschedule",
        json={"due_at": clock.next_weekday_at(12).isoformat()},
        headers=bearer(tokens["aigerim"]),
    )
    assert moved.status_code == 409
    assert trail(app, "callback.scheduled") == (0, 0)


def test_cancel_takes_no_body(client, tokens, callbacks):
    path = f"/api/v1/callbacks/{callbacks['legal']}/cancel"
    assert client.post(path, json={"why": "x"}, headers=bearer(tokens["aigerim"])).status_code == 400
    assert client.post(path, json={}, headers=bearer(tokens["aigerim"])).status_code == 200


def test_reschedule_moves_the_due_time_into_callback_hours(app, client, tokens, callbacks):
    evening = clock.next_weekday_at(21, 15)
    path = f"/api/v1/callbacks/{callbacks['legal']}/reschedule"

    moved = client.post(path, json={"due_at": evening.isoformat()}, headers=bearer(tokens["aigerim"]))

    assert moved.status_code == 200, moved.get_json()
    next_morning = evening.astimezone(clock.ZONE).date() + timedelta(days=1)
    assert local_time(moved.get_json()["due_at"]) == clock.local(next_morning, 9).astimezone(clock.ZONE)
    assert moved.get_json()["status"] == "scheduled"
    assert trail(app, "callback.scheduled") == (1, 1)
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "callback.scheduled")
        ).one()
        assert record.actor == "aigerim"
    shown = client.get(f"/api/v1/callbacks/{callbacks['legal']}", headers=bearer(tokens["boris"])).get_json()
    assert shown["due_at"] == moved.get_json()["due_at"]


@pytest.mark.parametrize(
    "body",
    [
        {"due_at": "2030-01-01T10:00:00"},
        {"due_at": "2030-01-01"},
        {"due_at": "next tuesday"},
        {"due_at": 1893456000},
        {"due_at": "9999-12-31T23:59:59+00:00"},
        {"due_at": "0001-01-01T00:00:00+05:00"},
        {},
        [],
    ],
)
def test_reschedule_refuses_a_naive_or_unreadable_time(app, client, tokens, callbacks, body):
    path = f"/api/v1/callbacks/{callbacks['legal']}/reschedule"
    before = client.get(f"/api/v1/callbacks/{callbacks['legal']}", headers=bearer(tokens["boris"])).get_json()

    answer = client.post(path, json=body, headers=bearer(tokens["aigerim"]))

    assert answer.status_code == 400
    after = client.get(f"/api/v1/callbacks/{callbacks['legal']}", headers=bearer(tokens["boris"])).get_json()
    assert after == before
    assert trail(app, "callback.scheduled") == (0, 0)


def test_a_session_writes_with_its_csrf_token_only(app, client, tokens, callbacks):
    log_in(client, "aigerim", PASSWORD)
    path = f"/api/v1/callbacks/{callbacks['legal']}/cancel"

    assert client.get("/api/v1/callbacks").get_json()["items"][0]["id"] == callbacks["legal"]
    assert client.post(path).status_code == 400
    assert trail(app, "callback.cancelled") == (0, 0)
    assert client.post(path, headers={"X-CSRFToken": csrf_token(client, "/console")}).status_code == 200
    assert trail(app, "callback.cancelled") == (1, 1)


def test_the_document_lists_the_callbacks_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/api/v1/callbacks"]) == {"get"}
    listing_parameters = {parameter["name"] for parameter in paths["/api/v1/callbacks"]["get"]["parameters"]}
    assert listing_parameters == {"status", "queue", "from", "to", "after"}
    assert set(paths["/api/v1/callbacks/{callback_id}/cancel"]["post"]["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
    }
    assert "201" in paths["/api/v1/cases/{reference}/callbacks"]["post"]["responses"]
    assert "masked_number" in document["components"]["schemas"]["Callback"]["properties"]


def test_every_change_reaches_the_queue_and_the_supervisors(app, client, twilio, tokens):
    reference = case_called(app, twilio)
    published = Published(app)

    created = ask(client, tokens["aigerim"], reference, number=OTHER_NUMBER).get_json()
    path = f"/api/v1/callbacks/{created['id']}"
    client.post(
        f"{path}/reschedule",
        json={"due_at": clock.next_weekday_at(12).isoformat()},
        headers=bearer(tokens["aigerim"]),
    )
    client.post(f"{path}/cancel", headers=bearer(tokens["aigerim"]))

    with app.app_context():
        everything = published.events()
        kept = [event.data for event in db.session.scalars(select(CaseEvent))]
        kept += [record.detail for record in db.session.scalars(select(AuditRecord))]
    sent = [(name, data["status"], room) for name, data, room in everything if name.startswith("callback.")]
    assert sent == [
        ("callback.scheduled", "scheduled", ["queue:legal", "supervisors"]),
        ("callback.scheduled", "scheduled", ["queue:legal", "supervisors"]),
        ("callback.cancelled", "cancelled", ["queue:legal", "supervisors"]),
    ]
    assert {data["id"] for name, data, _ in everything if name.startswith("callback.")} == {created["id"]}
    for text in (NUMBER, OTHER_NUMBER):
        assert text[-6:] not in json.dumps(kept)
        assert text[-6:] not in json.dumps([data for _, data, _ in everything])
