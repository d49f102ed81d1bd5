"""The study queue on procrastinate (PostgreSQL): :class:`ProcrastinateQueue`.

- One ``fitvault.sync_participant`` job per participant, deferred with ``lock`` and
  ``queueing_lock`` both ``sync:<pid>``: procrastinate never runs two jobs with the same lock at
  once (whichever worker process), and refuses a second waiting job with the same queueing lock
  (``AlreadyEnqueued``, so :meth:`enqueue_sync` returns False).
- A failed job is retried with exponential backoff (``wait + exponential_wait ** (attempt+1)`` s)
  up to ``max_attempts``.
- Jobs held by a dead worker (SIGKILL, power loss) are recovered: workers send a heartbeat every
  ``heartbeat_s``; the ``fitvault.recover_stalled`` periodic task (and every worker at start)
  puts the ``doing`` jobs of workers silent for ``stalled_after_s`` back to ``todo``. While such a
  job is still ``doing`` its lock holds, so no other sync of that participant starts meanwhile.
- The ``fitvault.nightly`` periodic task queues every due participant (:func:`.queue.enqueue_due`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Status

from fitvault.study import jobs
from fitvault.study.db import connect
from fitvault.study.queue import enqueue_due

log = logging.getLogger("fitvault.study")

SYNC_TASK = "fitvault.sync_participant"
NIGHTLY_CRON = "0 2 * * *"        # 02:00 UTC, when most devices have synced the night
RECOVER_CRON = "* * * * *"        # every minute


class ProcrastinateQueue:
    """A :class:`~fitvault.study.queue.StudyQueue` on procrastinate.

    Args:
        url: the study database.
        context: what jobs need (only a worker needs it: queueing does not).
        max_attempts / retry_wait_s / retry_exponential_s: the retry strategy.
        heartbeat_s / stalled_after_s: worker heartbeat period, and silence after which a worker
            is dead and its jobs are recovered.
        nightly_cron / recover_cron: the periodic tasks' schedules (cron, UTC; 6 fields = seconds).
        on_outcome: called with (pid, outcome) after each sync job.
        run_job: the job's body (:func:`fitvault.study.jobs.sync_participant`; the queue tests
            give a stand-in to test the queue alone).

    Use it as a context manager (or :meth:`open`/:meth:`close`) to queue jobs.
    """

    def __init__(
        self,
        url: str,
        *,
        context: jobs.JobContext | None = None,
        max_attempts: int = 6,
        retry_wait_s: int = 30,
        retry_exponential_s: int = 4,
        heartbeat_s: float = 10.0,
        stalled_after_s: float = 30.0,
        nightly_cron: str = NIGHTLY_CRON,
        recover_cron: str = RECOVER_CRON,
        on_outcome: Callable[[str, str], None] | None = None,
        run_job: Callable[..., str] = jobs.sync_participant,
    ) -> None:
        self.url = url
        self.context = context
        self.heartbeat_s, self.stalled_after_s = heartbeat_s, stalled_after_s
        self.on_outcome = on_outcome
        self.run_job = run_job
        self.app = App(connector=PsycopgConnector(conninfo=url))
        retry = RetryStrategy(max_attempts=max_attempts, wait=retry_wait_s, exponential_wait=retry_exponential_s)

        @self.app.task(name=SYNC_TASK, queue="sync", retry=retry, pass_context=True)
        def sync_participant(job_context: JobContext, pid: str, reason: str = "") -> str:
            if self.context is None:
                raise RuntimeError("this queue was built without a job context; it cannot run jobs")
            outcome = self.run_job(self.context, pid, job_id=job_context.job.id)
            if self.on_outcome is not None:
                self.on_outcome(pid, outcome)
            return outcome

        @self.app.periodic(cron=nightly_cron, periodic_id="nightly")
        @self.app.task(name="fitvault.nightly", queue="schedule", queueing_lock="fitvault.nightly")
        def nightly(timestamp: int) -> None:
            with connect(self.url) as conn:
                queued, skipped = enqueue_due(conn, self, reason="nightly")
            log.info("nightly: %d syncs queued, %d already queued", queued, skipped)

        @self.app.periodic(cron=recover_cron, periodic_id="recover")
        @self.app.task(name="fitvault.recover_stalled", queue="schedule", queueing_lock="fitvault.recover")
        async def recover_stalled(timestamp: int) -> None:
            await self.recover_stalled_async()

        self.sync_task = sync_participant

    # -- queueing ------------------------------------------------------------------------------
    def open(self) -> ProcrastinateQueue:
        self.app.open()
        return self

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> ProcrastinateQueue:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enqueue_sync(self, pid: str, *, reason: str) -> bool:
        """Queue ``pid``'s sync; False when one is already waiting (its queueing lock)."""
        try:
            self.sync_task.configure(lock=f"sync:{pid}", queueing_lock=f"sync:{pid}").defer(pid=pid, reason=reason)
        except AlreadyEnqueued:
            return False
        return True

    # -- working -------------------------------------------------------------------------------
    def run_worker(self, *, concurrency: int, once: bool, name: str | None = None) -> None:
        """Run sync jobs (and, unless ``once``, the periodic tasks) until stopped (SIGINT/SIGTERM:
        running jobs finish first) or, with ``once``, until no job is left."""
        asyncio.run(self._work(concurrency=concurrency, once=once, name=name))

    async def _work(self, *, concurrency: int, once: bool, name: str | None) -> None:
        async with self.app.open_async():
            await self.recover_stalled_async()
            options: dict = {"name": name} if name else {}
            if once:
                options["queues"] = ["sync"]
            await self.app.run_worker_async(
                concurrency=concurrency, wait=not once, update_heartbeat_interval=self.heartbeat_s,
                stalled_worker_timeout=self.stalled_after_s, fetch_job_polling_interval=1.0 if once else 5.0,
                **options,
            )

    async def recover_stalled_async(self) -> int:
        """Put the jobs of dead workers back to ``todo``; returns how many."""
        manager = self.app.job_manager
        await manager.prune_stalled_workers(self.stalled_after_s)
        recovered = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_after_s):
            try:
                await manager.retry_job(job)
                recovered += 1
                log.warning("recovered job %s (%s) from a dead worker", job.id, job.queueing_lock)
            except ConnectorException:
                # Another job of the same participant is already waiting (the queueing lock
                # refuses a second): that one will sync, so this one is closed as aborted.
                await manager.finish_job(job, status=Status.ABORTED, delete_job=False)
                log.warning("job %s (%s) of a dead worker superseded by the one waiting", job.id, job.queueing_lock)
        return recovered
