"""Rollups and raw rows agree whatever happens: random calls (every queue result,
its final status before or after it, repeated and late status callbacks,
calls taken by an operator and wrapped up), random case moves (resolved,
closed, reopened), at random moments of two local days: `verify` finds no
difference, and the API's totals are the raw rows' counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.cases import workflow
from hotline.extensions import db
from hotline.models import Call, User
from hotline.models.states import CallStage, CaseStatus
from hotline.operators import taxonomy
from hotline.stats import rebuild
from tests.support.clock import ZONE, local, now
from tests.support.stats import answered_by_operator, left, rows, status

DAY = (now() + timedelta(days=3)).astimezone(ZONE).date()
RESULTS = ["hangup", "bridged", "leave", "redirected", "error"]
OUTCOMES = ["support_given", "information_given", "no_contact", "referred", "callback_arranged"]

a_call = st.fixed_dictionaries(
    {
        "at": st.integers(0, 2 * 86400 - 1),
        "wait": st.integers(0, 2000),
        "result": st.sampled_from([*RESULTS, "operator"]),
        "status_first": st.booleans(),
        # The network's QueueTime may be shorter than the hotline's clock made it.
        "shorter_by": st.integers(0, 30),
        "late_status": st.booleans(),
        "case": st.sampled_from(["open", "resolved", "closed", "reopened"]),
        "outcome": st.sampled_from(OUTCOMES),
    }
)


@pytest.fixture
def line(app, staff, app_context, twilio):
    return twilio


def _case_moves(reference: str, plan: str, outcome: str, at) -> None:
    boris = db.session.scalars(select(User).where(User.username == "boris")).one()
    steps = {
        "open": [],
        "resolved": [CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED],
        "closed": [CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED],
        "reopened": [CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.OPEN],
    }[plan]
    for offset, to in enumerate(steps):
        codes = {"outcome": outcome, "category": "work"} if to is CaseStatus.RESOLVED else {}
        workflow.move(reference, to, boris, at + timedelta(minutes=offset), taxonomy.active_codes, **codes)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(calls=st.lists(a_call, min_size=1, max_size=6))
def test_rollups_and_raw_rows_agree_after_random_calls_and_late_callbacks(line, client, calls):
    for plan in calls:
        at = local(DAY, 0) + timedelta(seconds=plan["at"])
        if plan["result"] == "operator":
            call = answered_by_operator(
                line, client, at, plan["wait"] % 300, talk=60, wrap_up=plan["wait"] % 100
            )
        else:
            call = left(
                line,
                at,
                plan["wait"],
                plan["result"],
                status_first=plan["status_first"],
                queue_time=max(0, plan["wait"] - plan["shorter_by"]),
            )
        if plan["late_status"]:
            with time_machine.travel(at + timedelta(hours=1), tick=False):
                status(call, "completed", 9, CallDuration="1")
                status(call, "in-progress", 3)
        record = db.session.scalars(select(Call).where(Call.call_sid == call.sid)).one()
        _case_moves(record.case.reference, plan["case"], plan["outcome"], at + timedelta(hours=2))
    assert rebuild.verify() == []
    days = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=2)).isoformat(), "group_by": "day"}
    offered = sum(row["offered"] for row in rows(client, **days))
    db.session.expire_all()
    raw = db.session.scalar(
        select(func.count())
        .select_from(Call)
        .where(Call.stage == CallStage.ENDED, Call.enqueued_at.is_not(None))
    )
    assert offered == raw
