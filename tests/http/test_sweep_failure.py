"""A sweep rule that fails: the other rules still run, the job fails, and RQ's
failed-job registry keeps the cause (its type and message) while the log has
only the types and where they were raised, never a message that may carry a
number. Run by the hotline's own RQ worker."""

from __future__ import annotations

import logging

from rq import SimpleWorker
from rq.job import JobStatus
from sqlalchemy.exc import IntegrityError

from workers import sweep as sweeping
from workers.worker import HotlineWorker

NUMBER = "+77015551234"


class InProcessWorker(HotlineWorker):
    """The hotline's worker, running the job in this process so the test sees its log."""

    execute_job = SimpleWorker.execute_job


def test_a_failed_rule_leaves_its_cause_in_the_failed_job_and_not_in_the_log(app, monkeypatch, caplog):
    caplog.set_level(logging.INFO)

    # The log shows each frame's source line: the values come from elsewhere, as a request's would.
    parameters, cause = (NUMBER,), Exception("UNIQUE failed")

    def broken(_now):
        raise IntegrityError("INSERT INTO caller (phone) VALUES (?)", parameters, cause)

    ran = []
    rules = [("offers lapsed", broken), ("offers made", lambda now: ran.append(now) or [])]
    monkeypatch.setattr(sweeping, "RULES", rules)
    queue = app.extensions["rq"]
    job = queue.enqueue(sweeping.sweep)

    with app.app_context():  # as `flask worker` runs it
        InProcessWorker([queue.name], connection=queue.connection).work(burst=True)

    assert job.get_status() == JobStatus.FAILED
    assert job in queue.failed_job_registry
    assert ran, "the rule after the failed one ran"
    stored = job.latest_result().exc_string
    assert "SweepFailed: sweep rules failed: offers lapsed" in stored
    assert "The above exception was the direct cause of the following exception" in stored
    assert "IntegrityError" in stored and "UNIQUE failed" in stored

    logged = caplog.text
    assert "sweep rule 'offers lapsed' failed: IntegrityError" in logged
    assert f"job {job.id} (workers.sweep.sweep) failed" in logged
    assert "SweepFailed, raised at" in logged and "caused by IntegrityError, raised at" in logged
    assert NUMBER not in logged and NUMBER[1:] not in logged and "UNIQUE failed" not in logged
