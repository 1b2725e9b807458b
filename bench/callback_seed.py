"""The callbacks bench's people and their callbacks, recorded through the hotline's own
`callbacks.service.record` (as the web page records one), all in one process:

    python -m bench.callback_seed COUNT      # with the bench's DATABASE_URL in the environment

COUNT different people (callers inserted in one statement), each with one callback in one
of the four queues in turn, scheduled a day ahead (so none is due while the bench gets ready;
the bench moves them all to the same second). Then the reference: the same callbacks made due
a second ago and queued by one `schedule.queue_due` in this process, timed, as a worker's job
runs it (a work horse forked afresh, nothing cached), and put back to `scheduled`.
Prints one JSON line: the ids, the seconds seeding took and the seconds `queue_due` took.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from sqlalchemy import insert, select, text, update

from hotline.models import Callback, Caller, QueueName, utcnow
from hotline.models.states import CallbackSource, CallbackStatus

NUMBER = "+7702{n:07d}"  # made-up Kazakh mobiles, one per person


def seed(count: int) -> list[int]:
    from hotline.callbacks import service
    from hotline.extensions import db

    policy, vault = service.settings()
    numbers = [NUMBER.format(n=n) for n in range(count)]
    hashes = [vault.digest(number) for number in numbers]
    db.session.execute(
        insert(Caller),
        [
            {"number_hash": digest, "number_encrypted": vault.encrypt(number)}
            for digest, number in zip(hashes, numbers, strict=True)
        ],
    )
    db.session.commit()
    caller_ids = dict(db.session.execute(select(Caller.number_hash, Caller.id)).tuples().all())
    queues = list(QueueName)
    later = utcnow() + timedelta(days=1)
    ids = []
    for n, digest in enumerate(hashes):
        request = service.Request(
            caller_id=caller_ids[digest],
            queue=queues[n % len(queues)],
            source=CallbackSource.WEB,
            asked_at=later,
        )
        ids.append(service.record(request, utcnow(), policy, vault, actor="web").callback_id)
    return ids


def reference(ids: list[int]) -> float:
    """Seconds one `queue_due` takes to queue all of `ids`, due a second ago; then put back."""
    from hotline.callbacks import schedule
    from hotline.extensions import db

    db.session.execute(
        update(Callback).where(Callback.id.in_(ids)).values(due_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # seeding ran with synchronous_commit off (bench/callbacks.py): the job's commit waits
        db.session.execute(text("SET LOCAL synchronous_commit TO on"))
    started = time.perf_counter()
    woken = schedule.queue_due(utcnow())
    seconds = time.perf_counter() - started
    if sorted(woken) != sorted(ids):
        raise RuntimeError(f"the reference queue_due queued {len(woken)} of {len(ids)}")
    db.session.execute(
        update(Callback)
        .where(Callback.id.in_(ids))
        .values(status=CallbackStatus.SCHEDULED.value, queued_at=None, waiting_since=None)
    )
    db.session.commit()
    return seconds


def _main(count: int) -> None:
    from hotline import create_app, events

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        ids = seed(count)
        seeded = time.perf_counter() - started
        queue_due = reference(ids)
        events.drain()
    print(json.dumps({"ids": ids, "seed_seconds": seeded, "queue_due_seconds": queue_due}))


if __name__ == "__main__":
    _main(int(sys.argv[1]))
