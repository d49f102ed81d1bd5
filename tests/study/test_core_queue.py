"""The study queue's semantics on real PostgreSQL: one sync job per participant at a time and
never two waiting (lock + queueing lock), hundreds of participants shared by two worker
processes, one of them killed with SIGKILL mid-jobs: no overlap, no loss."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from support.postgres import *  # noqa: F401,F403 - the fixtures
from support.queue_worker import queue_for
from support.sim import FAST_RETRY, SIM_NOW
from support.study import assert_participant_equals_truth, enrol_study, wait_until

from fitvault.study import db, roster
from fitvault.study.jobs import JobContext
from fitvault.study.procrastinate_queue import ProcrastinateQueue
from fitvault.study.vaults import LocalVaults
from fitvault_simulator import Simulator, SimulatorConfig

WORKER = Path(__file__).resolve().parents[1] / "support" / "queue_worker.py"
PARTICIPANTS = 300


def _add(conn, n: int) -> list[str]:
    pids = [f"Q{i:04d}" for i in range(n)]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO study.participants (participant_id, window_start, state) VALUES (%s, %s, 'active')",
                        [(pid, date(2026, 11, 1)) for pid in pids])
    return pids


def test_a_participant_is_queued_once_and_again_after_its_job_ran(study_url, study_conn):
    roster.add_participant(study_conn, "P001", date(2026, 11, 1), actor="staff")
    with queue_for(study_url, "w") as queue:
        assert queue.enqueue_sync("P001", reason="a") is True
        assert queue.enqueue_sync("P001", reason="b") is False  # one is waiting: not two
        assert queue.enqueue_sync("P002", reason="a") is True
    jobs = study_conn.execute("SELECT args->>'pid' AS pid, lock, queueing_lock, status FROM procrastinate_jobs "
                              "ORDER BY id").fetchall()
    assert jobs == [{"pid": "P001", "lock": "sync:P001", "queueing_lock": "sync:P001", "status": "todo"},
                    {"pid": "P002", "lock": "sync:P002", "queueing_lock": "sync:P002", "status": "todo"}]
    queue_for(study_url, "w").run_worker(concurrency=2, once=True)
    assert [r["status"] for r in study_conn.execute("SELECT status FROM procrastinate_jobs WHERE task_name = "
                                                    "'fitvault.sync_participant' ORDER BY id")] == ["succeeded", "succeeded"]
    with queue_for(study_url, "w") as queue:
        assert queue.enqueue_sync("P001", reason="c") is True


def test_the_nightly_task_queues_every_due_participant_once(study_url, study_conn):
    today = datetime.now(timezone.utc).date()  # the queue's day is the UTC day, never the host's
    for pid, start, end, state in (("P1", today, None, "active"), ("P2", date(2026, 1, 1), today, "active"),
                                   ("P3", date(2025, 1, 1), date(2025, 6, 30), "active"),  # ended long ago
                                   ("P4", date(2026, 1, 1), None, "needs_reconsent"),
                                   ("P5", date(2099, 1, 1), None, "active")):  # not started
        study_conn.execute("INSERT INTO study.participants (participant_id, window_start, window_end, state) "
                           "VALUES (%s, %s, %s, %s)", (pid, start, end, state))
    queue = queue_for(study_url, "w")
    nightly = queue.app.tasks["fitvault.nightly"]
    with queue:
        nightly(timestamp=0)
        nightly(timestamp=1)  # twice: still one job each
    jobs = study_conn.execute("SELECT args->>'pid' AS pid, args->>'reason' AS reason FROM procrastinate_jobs "
                              "WHERE task_name = 'fitvault.sync_participant' ORDER BY id").fetchall()
    assert jobs == [{"pid": "P1", "reason": "nightly"}, {"pid": "P2", "reason": "nightly"}]


def _spawn(url: str, name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), url, name, "8"], env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)




@pytest.mark.slow
def test_two_workers_one_killed_mid_jobs_no_overlap_no_loss(study_url, study_conn):
    pids = _add(study_conn, PARTICIPANTS)
    with queue_for(study_url, "staff") as queue:
        assert all(queue.enqueue_sync(pid, reason="nightly") for pid in pids)
        assert not any(queue.enqueue_sync(pid, reason="again") for pid in pids[:50])
    started = time.monotonic()
    a, b = _spawn(study_url, "worker-a"), _spawn(study_url, "worker-b")
    try:
        def finished() -> int:
            return study_conn.execute("SELECT count(DISTINCT participant_id) AS n FROM study.sync_runs "
                                      "WHERE finished_at IS NOT NULL").fetchone()["n"]

        wait_until(lambda: finished() >= 60, 120, "60 participants synced")
        # Queue everyone again while both work: running participants get a second job that must
        # wait for the first (the lock), waiting ones are not queued twice (the queueing lock).
        with queue_for(study_url, "staff") as queue:
            requeued = sum(queue.enqueue_sync(pid, reason="again") for pid in pids)
        a.send_signal(signal.SIGKILL)
        a.wait(10)
        killed_at = study_conn.execute("SELECT clock_timestamp() AS t").fetchone()["t"]

        def all_done() -> bool:
            left = study_conn.execute("SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = "
                                      "'fitvault.sync_participant' AND status IN ('todo', 'doing')").fetchone()["n"]
            return left == 0

        wait_until(all_done, 180, "every job done after the kill")
        wall_s = time.monotonic() - started
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
    jobs = study_conn.execute("SELECT id, args->>'pid' AS pid, status, attempts FROM procrastinate_jobs "
                              "WHERE task_name = 'fitvault.sync_participant'").fetchall()
    # A dead worker's job is re-run, or closed as aborted when a newer job of that participant
    # was already waiting (which then syncs them): none failed, none left behind.
    assert {j["status"] for j in jobs} <= {"succeeded", "aborted"}, "no job lost or failed"
    succeeded = {j["pid"] for j in jobs if j["status"] == "succeeded"}
    assert succeeded == set(pids)
    assert len(jobs) == PARTICIPANTS + requeued
    runs = study_conn.execute("SELECT participant_id, worker, job_id, started_at, finished_at FROM study.sync_runs "
                              "ORDER BY participant_id, started_at").fetchall()
    by_pid: dict[str, list[dict]] = {}
    for run in runs:
        by_pid.setdefault(run["participant_id"], []).append(run)
    assert sorted(by_pid) == pids, "every participant synced"
    interrupted = [r for r in runs if r["finished_at"] is None]
    assert interrupted and all(r["worker"] == "worker-a" for r in interrupted)
    for pid, seq in by_pid.items():
        for before, after in zip(seq, seq[1:]):
            end = before["finished_at"] or killed_at  # a killed run ended when its worker died
            assert after["started_at"] >= end, f"{pid}: two syncs overlapped"
        assert any(r["finished_at"] is not None for r in seq), f"{pid}: never finished"
    # The stand-in never fails: a job tried twice (attempts 2) is one the dead worker held and the
    # recovery put back; an aborted one was superseded by its participant's waiting job.
    recovered = [j for j in jobs if j["attempts"] >= 2 or j["status"] == "aborted"]
    assert {r["job_id"] for r in interrupted} <= {j["id"] for j in recovered}
    held = len(recovered)
    recovery_s = max(
        (next(x for x in by_pid[r["participant_id"]] if x["started_at"] > r["started_at"])["started_at"]
         - killed_at).total_seconds()
        for r in interrupted
    )
    print(f"\nqueue: {PARTICIPANTS} participants, {len(jobs)} jobs, 2 workers x 8, one SIGKILLed holding {held} jobs; "
          f"all done in {wall_s:.1f} s; interrupted jobs re-run within {recovery_s:.1f} s of the kill")
    # Each succeeded job ran to its end once. Delivery is at least once: a run the killed worker
    # finished just before it could record its job as done is run again by the recovery (same
    # job, attempts 2) or its job closed as aborted; only jobs the dead worker held may do that.
    with db.connect(study_url) as conn:
        finished = conn.execute("SELECT job_id, worker FROM study.sync_runs WHERE finished_at IS NOT NULL").fetchall()
    per_job = Counter(r["job_id"] for r in finished)
    succeeded_jobs = {j["id"] for j in jobs if j["status"] == "succeeded"}
    assert succeeded_jobs <= set(per_job) and max(per_job.values()) <= 2
    extra = [r for r in finished if per_job[r["job_id"]] == 2 or r["job_id"] not in succeeded_jobs]
    recovered_ids = {j["id"] for j in recovered}
    assert all(r["job_id"] in recovered_ids for r in extra)
    assert len(finished) - len(succeeded_jobs) <= held


@pytest.mark.slow
def test_a_sync_left_incomplete_is_retried_and_then_complete(study_url, study_conn, tmp_path):
    start = date(2026, 11, 20)
    with Simulator(SimulatorConfig(seed=5, now=SIM_NOW, heart_rate_interval_s=0)) as sim:
        cipher = enrol_study(study_url, tmp_path, sim, 1, start)
        # Heart rate fails past the client's two tries in the first run: that run is incomplete.
        sim.faults.add("503", times=6, match="heart-rate")
        context = JobContext(study_url, cipher, LocalVaults(tmp_path), retry=replace(FAST_RETRY, attempts=2))
        queue = ProcrastinateQueue(study_url, context=context, retry_wait_s=0, retry_exponential_s=0)
        with queue:
            queue.enqueue_sync("P000", reason="test")
        queue.run_worker(concurrency=1, once=True)
        job = study_conn.execute("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = "
                                 "'fitvault.sync_participant'").fetchone()
        runs = [r["status"] for r in study_conn.execute("SELECT status FROM study.sync_runs ORDER BY id")]
        assert job["status"] == "succeeded" and job["attempts"] == len(runs) >= 2
        assert runs[0] == "incomplete" and runs[-1] == "ok" and set(runs[:-1]) == {"incomplete"}
        assert sim.faults.pending == 0
        assert_participant_equals_truth(tmp_path, sim, 0, start)
