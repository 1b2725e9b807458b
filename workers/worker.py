"""The RQ worker the `flask worker` command runs."""

from __future__ import annotations

from rq import Worker
from rq.executions import Execution
from rq.job import Job
from rq.queue import Queue

from hotline import events
from workers.quiet import QuietQueue, quiet_worker_log


class HotlineWorker(Worker):
    """RQ's worker, which runs each job in a forked work horse that leaves with
    `os._exit` as soon as the job returns: the events the job handed to the
    process's publisher are published (or dropped) before it does. It logs
    nothing of its own about the periodic jobs (workers/quiet.py)."""

    queue_class = QuietQueue

    def __init__(self, queues: list[str], *args, **kwargs) -> None:
        quiet_worker_log()
        super().__init__(queues, *args, **kwargs)

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        try:
            return super().perform_job(job, queue, execution)
        finally:
            events.drain()
