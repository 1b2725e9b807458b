"""GET /api/v1/stats: who may read it, what it refuses (400 with the API's
usual body), CSV by Accept or format=csv; the case figures; flask stats
rebuild and verify."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from hotline.cases import workflow
from hotline.extensions import db
from hotline.models import Call, StatsHour, User
from hotline.models.states import CaseStatus
from hotline.operators import taxonomy
from tests.support.clock import ZONE, local, now
from tests.support.stats import left, rows
from tests.support.wrapup import bearer

DAY = (now() + timedelta(days=3)).astimezone(ZONE).date()
RANGE = {"from": DAY.isoformat(), "to": DAY.isoformat()}


@pytest.fixture
def line(app, staff, app_context, twilio):
    return twilio


def get(client, headers=None, **query):
    return client.get("/api/v1/stats", query_string=query, headers=headers or bearer("boris"))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": DAY.isoformat()},
        {"to": DAY.isoformat()},
        {"from": "2026-13-01", "to": DAY.isoformat()},
        {"from": "yesterday", "to": DAY.isoformat()},
        {"from": "２０２６-01-01", "to": DAY.isoformat()},
        {"from": DAY.isoformat(), "to": (DAY - timedelta(days=1)).isoformat()},
        {**RANGE, "group_by": "week"},
        {**RANGE, "queue": "nowhere"},
        {**RANGE, "format": "xml"},
        {"from": "0001-01-01", "to": "9999-12-31"},
    ],
)
def test_a_bad_query_is_400_with_the_apis_error(line, client, query):
    response = get(client, **query)
    assert response.status_code == 400
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == "Bad Request"


def test_supervisors_and_read_only_integration_tokens_read_the_figures_operators_do_not(line, client, app):
    assert get(client, **RANGE).status_code == 200
    assert get(client, bearer(None, "wallboard"), **RANGE).status_code == 200
    refused = get(client, bearer("aigerim"), **RANGE)
    assert refused.status_code == 403 and set(refused.get_json()) == {"error", "message"}
    assert client.get("/api/v1/stats", query_string=RANGE).status_code == 401


def test_csv_by_accept_or_format_is_the_same_table(line, client):
    left(line, local(DAY, 10), 40, "hangup")
    by_accept = get(client, {**bearer("boris"), "Accept": "text/csv"}, **RANGE, group_by="day")
    by_format = get(client, **RANGE, group_by="day", format="csv")
    assert by_accept.mimetype == by_format.mimetype == "text/csv"
    assert by_accept.data == by_format.data
    header, line_of_day = by_accept.data.decode().splitlines()
    assert header.startswith(
        "day,offered,answered,abandoned,short_abandoned,callback_requested,service_level"
    )
    assert line_of_day.startswith(f"{DAY.isoformat()},1,0,1,0,0,0.0,,")
    [row] = rows(client, **RANGE, group_by="day")
    assert (row["offered"], row["abandoned"], row["service_level"]) == (1, 1, 0.0)


def test_the_case_figures_count_resolutions_and_a_reopen_takes_one_back(line, client, app):
    calls = [left(line, local(DAY, 9, minute), 10, "bridged") for minute in range(4)]
    boris = db.session.scalars(select(User).where(User.username == "boris")).one()
    outcomes = ["support_given", "information_given", "no_contact", "referred"]
    references = []
    for call, outcome in zip(calls, outcomes, strict=True):
        reference = db.session.scalars(select(Call).where(Call.call_sid == call.sid)).one().case.reference
        references.append(reference)
        workflow.move(reference, CaseStatus.IN_PROGRESS, boris, local(DAY, 12), taxonomy.active_codes)
        workflow.move(
            reference,
            CaseStatus.RESOLVED,
            boris,
            local(DAY, 13),
            taxonomy.active_codes,
            outcome=outcome,
            category="work",
        )
    [row] = rows(client, **RANGE, group_by="day")
    # 2 with support ÷ 3 valid requests (no contact is none)
    assert (row["opened"], row["resolved"], row["support_rate"]) == (4, 4, 0.6667)
    workflow.move(references[0], CaseStatus.CLOSED, boris, local(DAY, 14), taxonomy.active_codes)
    workflow.move(references[1], CaseStatus.OPEN, boris, local(DAY, 15), taxonomy.active_codes)
    [row] = rows(client, **RANGE, group_by="day")
    assert (row["resolved"], row["support_rate"]) == (3, 0.5)
    by_category = rows(client, **RANGE, group_by="category")
    assert {r["category"]: r["resolved"] for r in by_category} == {None: 0, "work": 3}


def test_verify_finds_a_difference_and_rebuild_puts_it_right(line, client, runner):
    left(line, local(DAY, 10), 40, "hangup")
    assert runner.invoke(args=["stats", "verify"]).exit_code == 0
    db.session.execute(update(StatsHour).values(offered=StatsHour.offered + 1))
    db.session.commit()
    found = runner.invoke(args=["stats", "verify"])
    assert found.exit_code == 1
    assert f"{DAY.isoformat()}T10 legal 0  ru offered: kept 2, raw 1" in found.output
    rebuilt = runner.invoke(args=["stats", "rebuild"])
    assert rebuilt.exit_code == 0 and "rebuilt" in rebuilt.output
    assert runner.invoke(args=["stats", "verify"]).exit_code == 0
    [row] = rows(client, **RANGE, group_by="day")
    assert row["offered"] == 1


texts = st.one_of(st.none(), st.text(max_size=12), st.dates().map(date.isoformat))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(first=texts, last=texts, group_by=st.one_of(st.none(), st.sampled_from(["queue", "day", "hour", "x"])))
def test_any_query_is_answered_or_refused_never_an_error(line, client, first, last, group_by):
    query = {
        name: value for name, value in {"from": first, "to": last, "group_by": group_by}.items() if value
    }
    response = get(client, **query)
    assert response.status_code in (200, 400), response.data
    if response.status_code == 400:
        assert set(response.get_json()) == {"error", "message"}
