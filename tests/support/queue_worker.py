"""A study worker process for the queue tests: the real queue (ProcrastinateQueue, real
PostgreSQL) with a stand-in job that records each run in ``study.sync_runs`` and takes a while,
so the tests can see overlaps and losses without syncing anything.

Run as ``python queue_worker.py DATABASE_URL NAME CONCURRENCY``.
"""

from __future__ import annotations

import random
import sys
import time
from types import SimpleNamespace


def stand_in_job(ctx, pid: str, *, job_id: int | None = None) -> str:
    from fitvault.study.db import connect

    with connect(ctx.url) as conn:
        run = conn.execute("INSERT INTO study.sync_runs (participant_id, worker, job_id) VALUES (%s, %s, %s) "
                           "RETURNING id", (pid, ctx.worker, job_id)).fetchone()
        time.sleep(random.uniform(0.1, 0.4))
        conn.execute("UPDATE study.sync_runs SET finished_at = clock_timestamp(), status = 'ok' WHERE id = %s",
                     (run["id"],))
    return "ok"


def queue_for(url: str, name: str):
    from fitvault.study.procrastinate_queue import ProcrastinateQueue

    return ProcrastinateQueue(url, context=SimpleNamespace(url=url, worker=name), run_job=stand_in_job,  # type: ignore[arg-type]
                              retry_wait_s=0, retry_exponential_s=0, heartbeat_s=0.5, stalled_after_s=3.0,
                              recover_cron="*/2 * * * * *", nightly_cron="0 0 1 1 *")


if __name__ == "__main__":
    url, name, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3])
    queue_for(url, name).run_worker(concurrency=concurrency, once=False, name=name)
