"""The RQ worker the `flask worker` command runs, and the dialler `flask dialler` runs."""

from __future__ import annotations

import gc
import logging
import traceback

from rq import SimpleWorker, Worker
from rq.executions import Execution
from rq.job import Job
from rq.job_lifecycle import call_exception_handlers
from rq.queue import Queue
from sqlalchemy.orm import configure_mappers

from hotline import events
from hotline.extensions import db
from workers.quiet import QuietQueue, quiet_worker_log

log = logging.getLogger(__name__)


class _Hotline:
    """What both of the hotline's workers do with a job: publish the events it
    handed to the process's publisher before the next, and log a failure
    without its messages."""

    queue_class = QuietQueue

    def __init__(self, queues: list[str], *args, **kwargs) -> None:
        quiet_worker_log()
        super().__init__(queues, *args, **kwargs)

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            events.drain()

    def handle_exception(self, job: Job, *exc_info) -> None:
        """RQ would log a failed job's whole traceback, messages included, and a
        message may carry request data (SQL parameters, a number): the log has
        each exception's type, its cause's, and where they were raised. The
        failed-job registry keeps the whole of it (RQ stores that itself)."""
        log.error("job %s (%s) failed:\n%s", job.id, job.func_name, _without_messages(exc_info[1]))
        call_exception_handlers(self._exc_handlers, job, *exc_info)


class HotlineWorker(_Hotline, Worker):
    """RQ's worker, which runs each job in a forked work horse that leaves with
    `os._exit` as soon as the job returns: the events the job handed to the
    process's publisher are published (or dropped) before it does. It logs
    nothing of its own about the periodic jobs (workers/quiet.py)."""

    def work(self, *args, **kwargs) -> bool:
        """Before the first fork: the jobs' modules imported and the mappers
        configured once, here, and every object that exists now frozen out of
        the cyclic garbage collector (`gc.freeze`), so a work horse's
        collections do not touch, and so copy, the whole inherited heap. The
        sweep's work horse took about 155 ms of CPU without (most of it page
        copies), 26 ms with: the every-second jobs were a tenth of a CPU, idle."""
        import workers.schedule  # noqa: F401  (every periodic job's module)

        configure_mappers()
        gc.collect()
        gc.freeze()
        return super().work(*args, **kwargs)


class HotlineDialler(_Hotline, SimpleWorker):
    """The dialler (`flask dialler`): the placing of accepted callbacks' calls,
    one at a time, in its own process and without a fork per job, so each call
    goes out at its slot of the outbound pacing (a forked work horse's start
    would take much of a one-second gap on a busy machine)."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            db.session.remove()


def _without_messages(error: BaseException | None) -> str:
    parts, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        parts.append(
            f"{type(error).__name__}, raised at:\n{''.join(traceback.format_tb(error.__traceback__))}"
        )
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "caused by ".join(parts)
