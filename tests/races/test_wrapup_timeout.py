"""A wrap-up that runs out: the sweep ends it with the disposition missing, the
case shows it, the operator is available again; two sweeps at once, or a save
racing the sweep, end it once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from hotline import events
from hotline.accounts import auth
from hotline.extensions import db
from hotline.models import AuditRecord, CaseEvent, User, utcnow
from hotline.models.states import AssignmentStatus, CallStage, Presence
from hotline.operators import wrapup
from tests.support.concurrency import at_once
from tests.support.desk import presence_of
from tests.support.published import published_by
from tests.support.wrapup import VALID, assignment_of, call_of, in_wrap_up, post
from workers import sweep


@pytest.fixture
def overdue_soon(app, staff):
    """aigerim in wrap-up of a call for HOTLINE_WRAP_UP_SECONDS: its CallSid."""
    with app.app_context():
        return in_wrap_up("aigerim", seconds_left=app.config["HOTLINE_WRAP_UP_SECONDS"])


def test_the_sweep_ends_a_wrap_up_that_ran_out(app, overdue_soon, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    published = published_by(app, monkeypatch)
    limit = timedelta(seconds=app.config["HOTLINE_WRAP_UP_SECONDS"])
    with app.app_context(), time_machine.travel(utcnow(), tick=False) as clock:
        clock.shift(limit - timedelta(seconds=1))
        sweep.sweep()
        assert assignment_of(overdue_soon).status == AssignmentStatus.WRAP_UP
        assert presence_of("aigerim") == Presence.WRAP_UP

        clock.shift(timedelta(seconds=2))
        sweep.sweep()

        assignment = assignment_of(overdue_soon)
        assert (assignment.status, assignment.outcome, assignment.category, assignment.wrapped_up_at) == (
            "done",
            None,
            None,
            None,
        )
        call = call_of(overdue_soon)
        assert call.stage == CallStage.ENDED
        assert presence_of("aigerim") == Presence.AVAILABLE
        aigerim = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        assert aigerim.presence_since == utcnow()
        [missed] = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "wrap_up_missed")).all()
        assert (missed.case_id, missed.call_id, missed.actor_id) == (call.case_id, call.id, None)
        assert missed.data == {"operator_id": aigerim.id}
        records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        assert [
            (r.actor, r.action, r.object_id, r.detail) for r in records if r.action != "user.created"
        ] == [
            (
                "system",
                "presence.changed",
                "aigerim",
                {"presence": "available", "reason": "wrap_up_timed_out"},
            ),
            (
                "system",
                "call.wrap_up_missed",
                overdue_soon,
                {"operator_id": aigerim.id},
            ),
        ]
        aigerim_id = aigerim.id
        sweep.sweep()  # nothing left to end
        assert len(db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "wrap_up_missed")).all()) == 1
    assert (
        events.OPERATOR_CALL,
        {"call_sid": overdue_soon, "state": "done"},
        [events.user_room(aigerim_id)],
    ) in (published)
    assert overdue_soon in caplog.text


def test_a_save_after_the_sweep_ended_it_is_a_409(app, client, overdue_soon):
    with app.app_context():
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
        later = utcnow() + timedelta(seconds=app.config["HOTLINE_WRAP_UP_SECONDS"] + 1)
        assert wrapup.end_overdue(later) == [overdue_soon]
    refused = post(client, overdue_soon, VALID, headers)
    assert refused.status_code == 409
    with app.app_context():
        assert assignment_of(overdue_soon).outcome is None


def test_a_save_before_the_sweep_came_is_kept_even_past_the_deadline(app, client, overdue_soon):
    with app.app_context():
        headers = {"Authorization": f"Bearer {auth.create_token('console', 'aigerim')}"}
    late = utcnow() + timedelta(seconds=app.config["HOTLINE_WRAP_UP_SECONDS"] + 1)
    with time_machine.travel(late, tick=False):
        assert post(client, overdue_soon, VALID, headers).status_code == 200
        with app.app_context():
            assert wrapup.end_overdue(utcnow()) == []
            assert assignment_of(overdue_soon).outcome == "referred"
            assert db.session.scalars(
                select(CaseEvent.kind).where(CaseEvent.kind.like("wrap_up%"))
            ).all() == ["wrap_up"]


def test_two_sweeps_at_once_end_each_wrap_up_once(app, staff):
    with app.app_context():
        for name in ("dana", "erlan", "farida"):
            auth.create_user(name, "operator", queues=["legal"])
        sids = [in_wrap_up(name, seconds_left=-1) for name in ("aigerim", "dana", "erlan", "farida")]
    now = utcnow()

    def one_sweep() -> list[str]:
        with app.app_context():
            return wrapup.end_overdue(now)

    ended = at_once([one_sweep, one_sweep])

    assert sorted(sid for one in ended for sid in one) == sorted(sids)
    with app.app_context():
        assert {assignment_of(sid).status for sid in sids} == {"done"}
        assert {call_of(sid).stage for sid in sids} == {"ended"}
        missed = db.session.scalars(select(CaseEvent.call_id).where(CaseEvent.kind == "wrap_up_missed")).all()
        assert len(missed) == len(set(missed)) == len(sids)
        moved = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "presence.changed")).all()
        assert len(moved) == len(sids)
