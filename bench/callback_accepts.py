"""The pacing bench's operators and callbacks, and their accepts all at once, in the
hotline's own services, in one process:

    python -m bench.callback_accepts COUNT      # with the bench's environment

COUNT operators (one queue each, the four in turn), each available; COUNT people, each
with a callback queued in that queue (`service.record`, due now); `offers.distribute`
offers one to each operator. Then COUNT threads, released by one barrier, each call
`desk.take_callback` for its operator's offer, as the accept view does (the view's
session and CSRF checks aside): the attempt is committed and
`workers.callbacks.place_attempt` enqueued for the dialler.
Prints one JSON line: the attempts' ids and how long the accepts took.
"""

from __future__ import annotations

import json
import sys
import threading
import time

from flask import current_app
from sqlalchemy import insert, select, update

from hotline.models import Caller, Offer, QueueName, Role, User, utcnow
from hotline.models.states import CallbackSource, Presence

NUMBER = "+7705{n:07d}"  # made-up Kazakh mobiles, one per person


def prepare(count: int) -> dict[int, int]:
    """The operators, the callbacks queued and offered: {offer id: user id}."""
    from hotline.accounts.users import create_user
    from hotline.callbacks import service
    from hotline.extensions import db
    from hotline.operators import offers

    policy, vault = service.settings()
    queues = list(QueueName)
    languages = list(current_app.config["HOTLINE_LANGUAGES"])
    users = []
    for n in range(count):
        user, _ = create_user(f"pacer{n}", Role.OPERATOR, queues=[queues[n % 4]], languages=languages)
        users.append(user.id)
    db.session.execute(
        update(User).where(User.id.in_(users)).values(presence=Presence.AVAILABLE, presence_since=utcnow())
    )
    for n in range(count):
        number = NUMBER.format(n=n)
        caller_id = db.session.execute(
            insert(Caller)
            .values(number_hash=vault.digest(number), number_encrypted=vault.encrypt(number))
            .returning(Caller.id)
        ).scalar_one()
        db.session.commit()
        request = service.Request(
            caller_id=caller_id, queue=queues[n % 4], source=CallbackSource.WEB, asked_at=utcnow()
        )
        service.record(request, utcnow(), policy, vault, actor="web")
    made = offers.distribute(utcnow())
    pairs = {
        offer: user
        for offer, user in db.session.execute(select(Offer.id, Offer.user_id).where(Offer.id.in_(made)))
    }
    db.session.rollback()
    if len(pairs) != count:
        raise RuntimeError(f"{len(pairs)} callbacks offered to {count} operators")
    return pairs


def accept_at_once(app, pairs: dict[int, int]) -> list[int]:
    """Each offer accepted by its operator in a thread of its own, all released together."""
    from hotline.extensions import db
    from hotline.operators import desk

    barrier = threading.Barrier(len(pairs))
    attempts: list[int] = []
    errors: list[BaseException] = []

    def accept(offer_id: int, user_id: int) -> None:
        # Released first, then each takes a connection of the app's pool (as many requests would).
        barrier.wait(30)
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                attempts.append(desk.take_callback(offer_id, user, utcnow()).attempt_id)
            except Exception as error:  # reported: the bench fails
                errors.append(error)

    threads = [threading.Thread(target=accept, args=pair) for pair in pairs.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors or len(attempts) != len(pairs):
        raise RuntimeError(f"{len(pairs) - len(attempts)} accepts failed: {errors[:1]!r}")
    return attempts


def _main(count: int) -> None:
    from hotline import create_app, events

    app = create_app()
    with app.app_context():
        pairs = prepare(count)
    started = time.perf_counter()
    attempts = accept_at_once(app, pairs)
    seconds = time.perf_counter() - started
    with app.app_context():
        events.drain()
    print(json.dumps({"attempts": attempts, "accept_seconds": seconds}))


if __name__ == "__main__":
    _main(int(sys.argv[1]))
