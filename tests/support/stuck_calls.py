"""Calls whose final status never came, what the telephony API (the simulator) says of
them, and the reconciler's sweep run as the cron process runs it."""

from __future__ import annotations

import time

from rq import SimpleWorker
from rq.cron import CronScheduler
from rq.job import Job

from telephony.simulator import state
from tests.support.calls import ScriptedCall, TwilioWebhooks
from workers import schedule
from workers.reconciler import close_stuck_calls


def queued_call(live) -> ScriptedCall:
    """A call recorded by the signed incoming webhook and put in the legal queue,
    whose final status callback never comes."""
    call = ScriptedCall(TwilioWebhooks(live.app.test_client()))
    call.to_queue()
    assert call.record().stage == "queued"
    return call


def simulator_knows(
    call: ScriptedCall | str, status: str, duration: int | None = None, direction: str = "inbound"
) -> None:
    """The telephony API's record of the call (a ScriptedCall, or a CallSid): the simulator's, in Redis."""
    sid = call if isinstance(call, str) else call.sid
    now = time.time()
    state.save(
        "call",
        sid,
        {"sid": sid, "direction": direction, "status": status, "start": now, "duration": duration},
    )


def run_sweep(live) -> Job:
    """Enqueue the sweep as the cron process does, and run it in a burst worker."""
    queue = live.app.extensions["rq"]
    scheduler = CronScheduler(connection=queue.connection)
    schedule.register(scheduler, queue.name)
    [cron_job] = [job for job in scheduler.enqueue_jobs() if job.func is close_stuck_calls]
    [job_id] = cron_job.get_job_ids(queue.connection)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return Job.fetch(job_id, connection=queue.connection)
