"""The state machines decide: a move the table does not allow is never made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.calls import stages
from hotline.extensions import db
from hotline.models import Call, User
from hotline.models.states import CallStage, Presence, StepOutOfPlace
from hotline.operators import presence
from tests.support.calls import ScriptedCall


@pytest.fixture
def queued(app, twilio):
    call = ScriptedCall(twilio)
    call.to_queue()
    with app.app_context():
        yield db.session.scalar(db.select(Call).where(Call.call_sid == call.sid))


def test_a_transition_changes_the_call_only_from_a_stage_it_may_follow(queued):
    before = queued.version
    assert not stages.transition(queued, CallStage.QUEUED, allowed_from={CallStage.OFFERED})
    assert stages.transition(queued, CallStage.OFFERED)
    assert (queued.stage, queued.version) == ("offered", before + 1)
    db.session.commit()
    db.session.expire_all()
    assert (queued.stage, queued.version) == ("offered", before + 1)
    assert not stages.transition(queued, CallStage.OFFERED, allowed_from={CallStage.QUEUED})


def test_a_transition_the_table_does_not_allow_is_refused_before_the_database(queued):
    with pytest.raises(ValueError, match="cannot move to menu"):
        stages.transition(queued, CallStage.MENU, allowed_from={CallStage.QUEUED})
    with pytest.raises(StepOutOfPlace):
        stages.step(queued, CallStage.WRAP_UP)
    assert db.session.get(Call, queued.id).stage == "queued"


def test_the_sources_of_a_stage_are_read_from_the_table():
    assert stages.sources(CallStage.CONNECTED) == {CallStage.QUEUED, CallStage.OFFERED}
    assert stages.sources(CallStage.MENU) == set()


def test_presence_never_moves_where_its_table_does_not_allow(app, staff):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "aigerim"))
        with pytest.raises(ValueError, match="cannot move to wrap_up"):
            presence.move(
                user,
                Presence.WRAP_UP,
                datetime.now(UTC),
                actor="test",
                reason="t",
                allowed_from={Presence.AWAY},
            )
        assert db.session.scalar(db.select(User.presence).where(User.id == user.id)) == "away"
