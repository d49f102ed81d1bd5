"""The study's job queue, behind a narrow interface.

Everything outside the queue's implementation sees only :class:`StudyQueue`: queue a
participant's sync, run a worker. :mod:`.procrastinate_queue` implements it on procrastinate (a
PostgreSQL-backed task queue, so the study needs no broker); another queue (pgqueuer, Celery)
would be another implementation of the same two methods.

Delivery is at least once: a worker killed after a sync finished but before the queue recorded
its job as done leaves that job to the recovery, which runs it again (or closes it when a newer
job of the participant is waiting). That is harmless: a sync is idempotent (upserts on natural
keys, each page committed with its cursor), so a second run only re-reads the overlap window.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from fitvault.study.db import Conn

#: Days after a participant's window end during which the nightly sync still runs, so data a
#: device uploads late (it syncs every few days) is collected.
GRACE_DAYS = 7


class StudyQueue(Protocol):
    def enqueue_sync(self, pid: str, *, reason: str) -> bool:
        """Queue one ``sync_participant`` job; False when one is already queued (never two)."""
        ...

    def run_worker(self, *, concurrency: int, once: bool) -> None:
        """Run jobs, ``concurrency`` at once; with ``once``, return when none is left."""
        ...


def due_participants(conn: Conn, today: date | None = None) -> list[str]:
    """Active participants whose window has started and has not ended more than GRACE_DAYS ago."""
    today = today or datetime.now(timezone.utc).date()
    rows = conn.execute(
        "SELECT participant_id FROM study.participants WHERE state = 'active' AND window_start <= %s "
        "AND (window_end IS NULL OR window_end >= %s) ORDER BY participant_id",
        (today, today - timedelta(days=GRACE_DAYS)),
    ).fetchall()
    return [r["participant_id"] for r in rows]


def enqueue_due(conn: Conn, queue: StudyQueue, *, reason: str) -> tuple[int, int]:
    """Queue a sync of every due participant: (queued now, already queued)."""
    queued = skipped = 0
    for pid in due_participants(conn):
        if queue.enqueue_sync(pid, reason=reason):
            queued += 1
        else:
            skipped += 1
    return queued, skipped
