"""The RQ worker the `flask worker` command runs."""

from __future__ import annotations

from rq import Worker
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue

from hotline import events


class HotlineWorker(Worker):
    """RQ's worker, which runs each job in a forked work horse that leaves with
    `os._exit` as soon as the job returns: the events the job handed to the
    process's publisher are published (or dropped) before it does."""

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            events.drain()
