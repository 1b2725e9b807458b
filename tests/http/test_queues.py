"""Queue order, written once in hotline/queues.py: priority, then time waiting,
then the order the calls were recorded in."""

from datetime import datetime, timedelta

from hotline.calls import queues
from hotline.cases.priority import Priority
from hotline.extensions import db
from hotline.models import Call
from hotline.models.states import CallStage
from tests.support.clock import recent

T0 = recent(hours=1)


def waiting(sid: str, priority: int, enqueued_at: datetime, queue: str = "legal") -> Call:
    call = Call(call_sid=sid, stage=CallStage.QUEUED, queue=queue, priority=priority, enqueued_at=enqueued_at)
    db.session.add(call)
    db.session.commit()
    return call


def test_callers_are_answered_by_priority_then_time_waiting_and_ties_get_distinct_places(app_context):
    calls = [
        waiting("normal-early", Priority.NORMAL, T0),
        waiting("crisis-late", Priority.CRISIS, T0 + timedelta(minutes=5)),
        waiting("normal-tied", Priority.NORMAL, T0),
        waiting("normal-late", Priority.NORMAL, T0 + timedelta(minutes=1)),
        waiting("repeat", Priority.REPEAT_CALLER_OPEN_CASE, T0 + timedelta(minutes=3)),
    ]
    waiting("elsewhere", Priority.CRISIS, T0, queue="medical")

    order = [entry["call_sid"] for entry in queues.waiting_in("legal")]

    assert order == ["crisis-late", "repeat", "normal-early", "normal-tied", "normal-late"]
    assert [queues.position_of(call) for call in calls] == [3, 1, 4, 5, 2]
    assert [entry["call_sid"] for entry in queues.waiting_in("legal", limit=2)] == ["crisis-late", "repeat"]


def test_queue_figures_count_the_waiting_and_the_longest_wait(app_context):
    waiting("a", Priority.NORMAL, T0)
    waiting("b", Priority.NORMAL, T0 + timedelta(seconds=30))
    figures = {f.name: f for f in queues.figures(T0 + timedelta(seconds=70))}
    assert (figures["legal"].waiting, figures["legal"].longest_wait_seconds) == (2, 70)
    assert (figures["medical"].waiting, figures["medical"].longest_wait_seconds) == (0, 0)
