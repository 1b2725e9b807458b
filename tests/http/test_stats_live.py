"""GET /api/v1/stats/live: the wallboard's snapshot of a built hotline equals the
figures worked out by hand; who may read it (the stats API's rule); the page
/wallboard for supervisors, the 403 page for operators."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event

from hotline.extensions import db
from tests.support.callbacks import bearer
from tests.support.clock import ZONE, local, now
from tests.support.pages import PASSWORD, log_in
from tests.support.wallboard import built, staff

DAY = (now() + timedelta(days=3)).astimezone(ZONE).date()
NOON = local(DAY, 12)


@pytest.fixture
def app(make_app):
    return make_app(HOTLINE_CALLBACK_HOURS="always")


@pytest.fixture
def tokens(app, app_context):
    return staff()


@pytest.fixture
def users(app):
    with app.app_context():
        return staff()


def live(client, token: str):
    with time_machine.travel(NOON, tick=False):
        return client.get("/api/v1/stats/live", headers=bearer(token))


def test_the_snapshot_of_a_built_hotline_is_the_figures_worked_out_by_hand(app, client, twilio, tokens):
    calls = built(client, twilio, tokens, DAY)
    answer = live(client, tokens["wallboard"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    queues = {row["queue"]: row for row in body["queues"]}
    assert [row["queue"] for row in body["queues"]] == ["psychologist", "medical", "legal", "general"]
    assert queues["legal"] == {
        "queue": "legal",
        "waiting": 2,
        "longest_wait_seconds": 60,  # queued at 11:59:00
        "available": 1,  # aigerim
        "busy": 1,  # dana (legal and medical)
        "wrap_up": 1,  # erlan
        "away": 0,
        "callbacks_queued": 3,
        "callbacks_overdue": 2,  # due 11:45 and 11:49:59; 11:50:00 is 10 minutes exactly
        # 1 answered within 30 s ÷ (1 answered + 1 abandoned after 30 s)
        "service_level_today": 0.5,
        # 1 abandoned ÷ (2 offered − 0 short): yesterday's abandon is not today's
        "abandon_rate_today": 0.5,
        "average_speed_of_answer_today": 10.0,
    }
    assert queues["medical"] == {
        "queue": "medical",
        "waiting": 1,
        "longest_wait_seconds": 10,
        "available": 0,
        "busy": 1,
        "wrap_up": 0,
        "away": 1,
        "callbacks_queued": 0,
        "callbacks_overdue": 0,
        "service_level_today": None,
        "abandon_rate_today": None,
        "average_speed_of_answer_today": None,
    }
    assert queues["general"]["waiting"] == queues["general"]["available"] == 0
    references = {key: calls[key].record().case.reference for key in ("legal_60", "medical_10")}
    assert [(a["case_reference"], a["queue"], a["acknowledged"]) for a in body["alerts"]] == [
        (references["legal_60"], "legal", False),
        (references["medical_10"], "medical", True),
    ]
    assert {tuple(sorted(alert)) for alert in body["alerts"]} == {
        ("acknowledged", "alert_id", "case_reference", "queue", "raised_at")
    }
    assert body["alerts"][0]["raised_at"].startswith(local(DAY, 11, 30).isoformat()[:19])


def test_the_snapshot_takes_a_few_statements_whatever_it_holds(app, client, twilio, tokens):
    built(client, twilio, tokens, DAY)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert live(client, tokens["boris"]).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    figures = [sql for sql in statements if sql.lstrip().startswith("SELECT") and "api_token" not in sql]
    # Waiting callers, presence, callbacks, today's rollups, the alerts: one grouped statement each.
    assert len(figures) == 5, statements


def test_supervisors_and_integration_tokens_read_it_operators_do_not(app, client, tokens):
    assert live(client, tokens["boris"]).status_code == 200
    assert live(client, tokens["wallboard"]).status_code == 200
    refused = live(client, tokens["aigerim"])
    assert refused.status_code == 403 and set(refused.get_json()) == {"error", "message"}
    assert client.get("/api/v1/stats/live").status_code == 401


def test_the_page_is_for_supervisors_and_operators_get_the_403_page(app, client, users):
    log_in(client, "boris", PASSWORD)
    page = client.get("/wallboard", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="board-legal"' in text and "js/wallboard.js" in text and "<script>" not in text
    assert 'href="/wallboard"' in text  # the supervisor's navigation
    operator = app.test_client()
    log_in(operator, "aigerim", PASSWORD)
    refused = operator.get("/wallboard", headers={"Accept-Language": "ru"})
    assert refused.status_code == 403
    assert "Вам это недоступно" in refused.get_data(as_text=True)
    assert 'href="/wallboard"' not in operator.get("/console").get_data(as_text=True)
