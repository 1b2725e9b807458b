"""The support route's step statuses: `open → done | dropped`, and nothing after."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.cases.plan import PlanStepMoveRefused
from hotline.cases.route import week_end
from hotline.models import states
from hotline.models.states import PLAN_STEP_TRANSITIONS, PlanStepStatus


def test_an_open_step_is_done_or_dropped_and_stays_so():
    assert {
        PlanStepStatus.OPEN: {PlanStepStatus.DONE, PlanStepStatus.DROPPED},
        PlanStepStatus.DONE: set(),
        PlanStepStatus.DROPPED: set(),
    } == PLAN_STEP_TRANSITIONS


@pytest.mark.parametrize("to", list(PlanStepStatus))
def test_a_move_comes_only_from_where_the_table_allows(to):
    froms = states.sources(PLAN_STEP_TRANSITIONS, to)
    assert froms == ({PlanStepStatus.OPEN} if to is not PlanStepStatus.OPEN else set())
    if to is not PlanStepStatus.OPEN:
        with pytest.raises(ValueError):
            states.sources(PLAN_STEP_TRANSITIONS, to, {PlanStepStatus.DONE})


def test_a_refused_move_names_both_statuses():
    message = str(PlanStepMoveRefused(PlanStepStatus.DONE, PlanStepStatus.DROPPED))
    assert "done" in message and "dropped" in message


@pytest.mark.parametrize(
    ("day", "sunday"),
    [
        (date(2026, 11, 30), date(2026, 12, 6)),
        (date(2026, 12, 3), date(2026, 12, 6)),
        (date(2026, 12, 6), date(2026, 12, 6)),
    ],
)
def test_the_week_ends_on_its_sunday(day, sunday):
    assert week_end(day) == sunday
