"""An accepted callback whose placing job was lost (Redis flushed, a dialler
killed) is handed to the dialler again, once the dialler has no job queued."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from redis import Redis
from sqlalchemy import select

from hotline.extensions import db
from hotline.models import Offer, User, utcnow
from hotline.models.states import Presence
from tests.support.callbacks import accepted_callback
from workers.callbacks import UNPLACED_AFTER, hand_over_unplaced


def accepted(app, username: str = "aigerim", number: str = "+77012220002") -> int:
    return accepted_callback(username, number)[0]


def jobs(app) -> list[str]:
    return [job.id for job in app.extensions["dialling"].jobs]


def test_a_lost_placing_job_is_handed_over_again_and_a_queued_one_is_not(make_app, redis_url):
    app = make_app(HOTLINE_CALLBACK_HOURS="always")
    with app.app_context():
        attempt_id = accepted(app)
        assert jobs(app) == [f"callback-attempt-{attempt_id}"]
        with time_machine.travel(utcnow() + UNPLACED_AFTER + timedelta(seconds=1)):
            assert hand_over_unplaced() == []  # its job is still there
            Redis.from_url(redis_url).flushall()
            assert hand_over_unplaced() == [attempt_id]
            (again,) = jobs(app)
            assert again.startswith(f"callback-attempt-{attempt_id}-again-")
            assert hand_over_unplaced() == []


def test_a_job_lost_with_a_killed_dialler_is_made_up_once_the_queue_is_empty(make_app):
    app = make_app(HOTLINE_CALLBACK_HOURS="always")
    with app.app_context():
        first = accepted(app)
        accepted(app, "nurlan", "+77012220003")
        with time_machine.travel(utcnow() + UNPLACED_AFTER + timedelta(seconds=1)):
            # The dialler took the first job and died before claiming: one job
            # left for two attempts; the look waits while it is queued.
            app.extensions["dialling"].remove(f"callback-attempt-{first}")
            assert hand_over_unplaced() == []
            app.extensions["dialling"].empty()
            assert hand_over_unplaced() == [first]
            assert len(jobs(app)) == 1


def test_an_attempt_is_not_looked_after_before_its_job_had_time_to_start(make_app, redis_url):
    app = make_app(HOTLINE_CALLBACK_HOURS="always")
    with app.app_context():
        accepted(app)
        Redis.from_url(redis_url).flushall()
        assert hand_over_unplaced() == []


def test_a_placing_lost_between_claim_and_record_puts_the_callback_back_and_frees_the_operator(make_app):
    from hotline.models import Callback, CallbackAttempt
    from workers.callbacks import LOST_AFTER, queue_due_callbacks

    app = make_app(HOTLINE_CALLBACK_HOURS="always")
    with app.app_context():
        attempt_id = accepted(app)
        # A worker claimed it and died before the call was recorded.
        db.session.execute(
            CallbackAttempt.__table__.update()
            .where(CallbackAttempt.id == attempt_id)
            .values(placed_at=utcnow())
        )
        db.session.commit()
        with time_machine.travel(utcnow() + LOST_AFTER + timedelta(seconds=1)):
            queue_due_callbacks()
        db.session.expire_all()
        attempt = db.session.get(CallbackAttempt, attempt_id)
        assert attempt.ended_at is not None and attempt.outcome is None and not attempt.dialled
        callback = db.session.get(Callback, attempt.callback_id)
        assert (callback.status, callback.attempts) == ("queued", 0)
        user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        # Free again, and offered the callback once more.
        assert user.presence == Presence.AVAILABLE
        assert db.session.scalar(
            select(Offer.id).where(Offer.callback_id == attempt.callback_id, Offer.status == "open")
        )
