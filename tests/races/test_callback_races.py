"""Callback requests and moves at the same moment, in real threads on one database:
one open callback per person and queue whatever arrives at once, and of two
moves of one callback exactly one wins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from hotline.callbacks import schedule, service
from hotline.callbacks.stages import CallbackOutOfPlace
from hotline.extensions import db
from hotline.models import Call, Callback, Caller, Case, CaseEvent, utcnow
from hotline.models.states import CallbackSource
from tests.support import clock
from tests.support.calls import ScriptedCall, TwilioWebhooks
from tests.support.concurrency import at_once

TRIALS = 4


def _caller_in_queue(app, number: str):
    with app.app_context():
        call = ScriptedCall(TwilioWebhooks(app.test_client()), number)
        call.to_queue(need="3")
        record = call.record()
        return record.caller_id, record.enqueued_at


def _ask(app, caller_id: int, at, number: str | None = None):
    def action():
        with app.app_context():
            request = service.Request(
                caller_id=caller_id, queue="legal", source=CallbackSource.WEB, asked_at=at, number=number
            )
            return service.record(request, at, *service.settings(), actor="web")

    return action


def test_requests_at_once_from_one_person_make_one_callback(make_app):
    app = make_app(HOTLINE_CALLBACK_HOURS="09:00-20:00")
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    for trial in range(TRIALS):
        caller_id, _ = _caller_in_queue(app, f"+7701444{trial:04d}")
        moments = [clock.local(day, 21 + n % 3) for n in range(6)]
        results = at_once([_ask(app, caller_id, at) for at in moments])
        with app.app_context():
            assert len({result.callback_id for result in results}) == 1
            assert sum(not result.merged for result in results) == 1
            rows = db.session.scalars(select(Callback).where(Callback.caller_id == caller_id)).all()
            assert len(rows) == 1 and rows[0].due_at == clock.local(day + timedelta(days=1), 9)
            # Every request joined the caller's one case in the queue.
            cases = db.session.scalar(
                select(func.count()).select_from(Case).where(Case.caller_id == caller_id)
            )
            assert cases == 1


def test_a_cancel_and_the_sweep_at_once_make_one_move(make_app):
    app = make_app(HOTLINE_CALLBACK_HOURS="09:00-20:00")
    day = clock.next_weekday_at(12).astimezone(clock.ZONE).date()
    morning = clock.local(day + timedelta(days=1), 9)
    for trial in range(TRIALS):
        caller_id, _ = _caller_in_queue(app, f"+7701333{trial:04d}")
        callback_id = _ask(app, caller_id, clock.local(day, 21))().callback_id

        def cancel(callback_id=callback_id):
            with app.app_context():
                try:
                    return schedule.cancel(callback_id, "boris", None, morning)["status"]
                except CallbackOutOfPlace:
                    return "refused"

        def sweep(callback_id=callback_id):
            with app.app_context():
                return "queued" if callback_id in schedule.queue_due(morning) else "none"

        outcomes = at_once([cancel, sweep, sweep])
        with app.app_context():
            status = db.session.get(Callback, callback_id).status
        # The sweep queued it once at most; a cancel either came first or was
        # still allowed on the queued callback: it is cancelled, or queued once.
        assert outcomes.count("queued") <= 1
        assert status == "cancelled" if outcomes[0] == "cancelled" else status == "queued"


def test_two_accepts_of_one_callback_offer_make_one_attempt_and_one_job(make_app):

    from hotline.accounts.users import create_user
    from hotline.models import CallbackAttempt, Offer, Role, User, utcnow
    from hotline.models.states import Presence
    from hotline.operators import desk, offers
    from hotline.operators.offer_endings import OfferClosed
    from hotline.operators.taking import CannotTake
    from tests.support.pages import PASSWORD

    app = make_app(HOTLINE_CALLBACK_HOURS="always")
    with app.app_context():
        create_user("aigerim", Role.OPERATOR, PASSWORD, queues=["legal"], languages=["ru"])
        user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
        desk.choose_presence(user, Presence.AVAILABLE, None, utcnow())
    with app.app_context():
        _, vault = service.settings()
        person = Caller(
            number_hash=vault.digest("+77012220001"), number_encrypted=vault.encrypt("+77012220001")
        )
        db.session.add(person)
        db.session.commit()
        caller_id = person.id
    callback_id = _ask(app, caller_id, clock.now())().callback_id
    with app.app_context():
        offers.distribute(utcnow())
        offer_id = db.session.scalars(select(Offer.id).where(Offer.callback_id == callback_id)).one()

    def accept():
        with app.app_context():
            user = db.session.scalars(select(User).where(User.username == "aigerim")).one()
            try:
                return desk.take_callback(offer_id, user, utcnow()).attempt_id
            except (CannotTake, OfferClosed):
                return None

    results = at_once([accept, accept, accept])
    with app.app_context():
        assert len([result for result in results if result is not None]) == 1
        attempts = db.session.scalars(
            select(CallbackAttempt).where(CallbackAttempt.callback_id == callback_id)
        ).all()
        assert len(attempts) == 1
        assert db.session.get(Callback, callback_id).status == "dialling"
        assert [job.id for job in app.extensions["dialling"].jobs] == [f"callback-attempt-{attempts[0].id}"]


def test_looks_at_missed_calls_at_once_record_each_callback_once(make_app):
    """Several workers' looks at once: each call owed a callback is settled by
    exactly one of them, and has exactly one callback and one case event for it."""
    app = make_app()
    with app.app_context():
        for n in range(TRIALS):
            call = ScriptedCall(TwilioWebhooks(app.test_client()), f"+7701222{n:04d}")
            call.to_queue(need="3")
            record = call.record()
            db.session.execute(
                update(Call)
                .where(Call.id == record.id)
                .values(enqueued_at=record.enqueued_at - timedelta(seconds=60))
            )
            db.session.commit()
            call.post("/telephony/voice/queue-result", QueueResult="hangup", QueueTime="60")

    def look():
        with app.app_context():
            return service.record_missed(utcnow())

    settled = [call_id for run in at_once([look] * 4) for call_id in run]
    with app.app_context():
        owed = db.session.scalars(select(Call.id).where(Call.abandoned)).all()
        assert sorted(settled) == sorted(owed) and len(owed) == TRIALS
        callbacks = db.session.scalars(select(Callback.call_id).where(Callback.source == "missed")).all()
        assert sorted(callbacks) == sorted(owed)
        events = db.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "callback_requested")
        )
        assert events == TRIALS
