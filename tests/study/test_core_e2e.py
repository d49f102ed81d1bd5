"""A whole study on the simulator: 30 participants synced by two worker processes through the
queue, with random faults and 429s, a few grants revoked (invalid_grant) and one worker killed
with SIGKILL mid-sync. Every active participant's vault equals that person's ground truth; the
revoked ones need re-consent with a new link, and nobody else is affected."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from support.postgres import *  # noqa: F401,F403 - the fixtures
from support.sim import SIM_NOW
from support.study import assert_participant_equals_truth, enrol_study, pid_of, wait_until

from fitvault.auth.tokens import Token
from fitvault.study import db, roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.procrastinate_queue import ProcrastinateQueue
from fitvault.study.queue import enqueue_due

PEOPLE = 30
REVOKED = (4, 17, 25)        # their grants are revoked at "Google": invalid_grant on refresh
EXPIRED_ACCESS = (0, 1, 2, 3, 5, 6)  # stored without an access token: their first request refreshes it
DAYS = 2


def _worker(url: str, study_dir, key: str) -> subprocess.Popen:
    env = {**os.environ, "FITVAULT_DATABASE_URL": url, "FITVAULT_STUDY_DIR": str(study_dir), "FITVAULT_STUDY_KEY": key}
    return subprocess.Popen([sys.executable, "-m", "fitvault", "study", "worker", "--concurrency", "4",
                             "--stalled-after", "3"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _drop_access_tokens(url: str, cipher: GrantCipher) -> None:
    from fitvault.study.grants import StudyTokenStore

    for i in EXPIRED_ACCESS:
        with StudyTokenStore(url, cipher, pid_of(i)) as store:
            token = store.load()
            assert token is not None
            store.save(replace(token, access_token="", expires_at=None))




@pytest.mark.slow
def test_thirty_participants_with_faults_revocations_and_a_killed_worker(study_url, tmp_path, monkeypatch):
    from fitvault_simulator import Simulator, SimulatorConfig

    study_dir = tmp_path / "study"
    key = GrantCipher.new_key().decode()
    monkeypatch.setenv("FITVAULT_STUDY_KEY", key)
    start = (SIM_NOW - timedelta(days=DAYS)).date()
    with Simulator(SimulatorConfig(seed=11, now=SIM_NOW, people=PEOPLE, heart_rate_interval_s=0)) as sim:
        cipher = enrol_study(study_url, study_dir, sim, PEOPLE, start)
        _drop_access_tokens(study_url, cipher)
        for i in REVOKED:
            for refresh in sim.tokens.refresh_tokens_of(i):
                sim.tokens.revoke(refresh)
        sim.faults.set_random(0.04, ("429", "429", "500", "503", "reset"), seed=3, retry_after=1)
        with db.connect(study_url) as conn, ProcrastinateQueue(study_url) as queue:
            assert enqueue_due(conn, queue, reason="test") == (PEOPLE, 0)
        began = time.monotonic()
        a, b = _worker(study_url, study_dir, key), _worker(study_url, study_dir, key)
        a_name = f"{socket.gethostname()}:{a.pid}"
        try:
            with db.connect(study_url) as conn:
                def a_is_syncing() -> bool:
                    row = conn.execute("SELECT count(*) AS n FROM study.sync_runs WHERE worker = %s AND finished_at "
                                       "IS NULL AND started_at < clock_timestamp() - interval '1 second'",
                                       (a_name,)).fetchone()
                    return row["n"] >= 2

                wait_until(a_is_syncing, 120, "worker A mid-sync")
                a.send_signal(signal.SIGKILL)
                a.wait(10)
                killed_at = conn.execute("SELECT clock_timestamp() AS t").fetchone()["t"]
                killed = conn.execute("SELECT participant_id FROM study.sync_runs WHERE worker = %s AND finished_at IS "
                                      "NULL", (a_name,)).fetchall()

                def settled() -> bool:
                    row = conn.execute("SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = "
                                       "'fitvault.sync_participant' AND status IN ('todo', 'doing')").fetchone()
                    return row["n"] == 0

                wait_until(settled, 400, "every sync job done")
                wall_s = time.monotonic() - began
                participants = {p.participant_id: p for p in roster.list_participants(conn)}
                jobs = conn.execute("SELECT args->>'pid' AS pid, status, attempts FROM procrastinate_jobs WHERE "
                                    "task_name = 'fitvault.sync_participant'").fetchall()
                invites = {r["participant_id"] for r in conn.execute(
                    "SELECT participant_id FROM study.invites WHERE used_at IS NULL AND revoked_at IS NULL")}
                grants = {r["participant_id"]: bytes(r["token_enc"]) for r in conn.execute(
                    "SELECT participant_id, token_enc FROM study.grants")}
                requests = conn.execute("SELECT sum(requests) AS n FROM study.sync_runs").fetchone()["n"]
                runs = conn.execute("SELECT participant_id, started_at, finished_at FROM study.sync_runs "
                                    "ORDER BY participant_id, started_at").fetchall()
        finally:
            for proc in (a, b):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(60)
        assert killed, "worker A was killed while syncing"
        for before, after in zip(runs, runs[1:]):  # never two syncs of one participant at once
            if before["participant_id"] == after["participant_id"]:
                assert after["started_at"] >= (before["finished_at"] or killed_at), before["participant_id"]
        revoked = {pid_of(i) for i in REVOKED}
        assert {pid for pid, p in participants.items() if p.state == "needs_reconsent"} == revoked
        assert invites == revoked  # a new link each, waiting to be sent
        assert all("grant failed" in (participants[pid].last_error or "") for pid in revoked)
        assert {j["status"] for j in jobs} <= {"succeeded"}, jobs
        for i in range(PEOPLE):
            pid = pid_of(i)
            if pid in revoked:
                continue
            p = participants[pid]
            assert (p.state, p.last_sync_status, p.last_error) == ("active", "ok", None), pid
            assert p.devices and p.devices[0]["device"], pid
            assert_participant_equals_truth(study_dir, sim, i, start)
        for i in EXPIRED_ACCESS:  # the refreshed access token was written back, encrypted
            token = Token.from_json(cipher.decrypt(grants[pid_of(i)]).decode())
            assert token.access_token.startswith("ya29.sim-")
            assert token.access_token.encode() not in grants[pid_of(i)]
        faults = sum(1 for r in sim.requests if r.fault)
        print(f"\ne2e: {PEOPLE} participants x {DAYS} days, {len(killed)} syncs killed mid-way, {len(revoked)} revoked, "
              f"{faults} faults injected, {requests} API requests, all settled in {wall_s:.1f} s")


def test_the_reconsent_reason_is_short_and_carries_no_secret():
    from fitvault.errors import ReauthRequired
    from fitvault.study.jobs import reconsent_reason

    exc = ReauthRequired("Google no longer accepts the stored refresh token (expired or revoked). Run `fitvault "
                         "auth google` again. Your vault's data and sync state are untouched.")
    assert reconsent_reason(exc) == ("grant failed: Google no longer accepts the stored refresh token "
                                     "(expired or revoked)")


@pytest.mark.slow
def test_a_testing_mode_grant_past_its_seven_days_needs_reconsent_and_a_new_link(study_url, tmp_path, monkeypatch):
    from fitvault.study.grants import StudyTokenStore
    from fitvault.study.jobs import JobContext, sync_participant
    from fitvault.study.vaults import LocalVaults
    from fitvault_simulator import Simulator, SimulatorConfig

    monkeypatch.setenv("FITVAULT_STUDY_KEY", GrantCipher.new_key().decode())
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, people=2, testing_mode=True)) as sim:
        cipher = enrol_study(study_url, tmp_path, sim, 2, (SIM_NOW - timedelta(days=1)).date())
        with StudyTokenStore(study_url, cipher, "P000") as store:
            token = store.load()
            assert token is not None and token.testing_mode
            store.save(replace(token, access_token="", expires_at=None))  # the next request refreshes
        sim.clock.advance(8 * 86400)  # Google's 7-day expiry of a Testing project's grants
        outcome = sync_participant(JobContext(study_url, cipher, LocalVaults(tmp_path)), "P000")
        assert outcome == "needs_reconsent"
    with db.connect(study_url) as conn:
        p0, p1 = roster.get_participant(conn, "P000"), roster.get_participant(conn, "P001")
        assert (p0.state, p0.last_sync_status) == ("needs_reconsent", "needs_reconsent")
        assert p0.last_error == "grant failed: Google no longer accepts the stored refresh token (expired or revoked)"
        assert (p1.state, p1.last_sync_status) == ("active", None)
        links = conn.execute("SELECT participant_id FROM study.invites WHERE used_at IS NULL AND revoked_at IS NULL"
                             ).fetchall()
        assert links == [{"participant_id": "P000"}]
        assert [e["action"] for e in conn.execute("SELECT action FROM study.audit WHERE participant_id = 'P000' "
                                                  "ORDER BY id")][-2:] == ["grant.failed", "invite.issue"]


@pytest.mark.slow
def test_a_sync_refreshes_compliance_and_never_advises_personal_location_access(study_url, tmp_path, monkeypatch,
                                                                                 caplog):
    import logging

    from fitvault.study.jobs import JobContext, sync_participant
    from fitvault.study.status import study_status
    from fitvault.study.vaults import LocalVaults
    from fitvault_simulator import Simulator, SimulatorConfig

    monkeypatch.setenv("FITVAULT_STUDY_KEY", GrantCipher.new_key().decode())
    caplog.set_level(logging.DEBUG, logger="fitvault")
    with Simulator(SimulatorConfig(seed=11, now=SIM_NOW, people=1, heart_rate_interval_s=0)) as sim:
        start = (SIM_NOW - timedelta(days=14)).date()
        cipher = enrol_study(study_url, tmp_path, sim, 1, start)
        context = JobContext(study_url, cipher, LocalVaults(tmp_path), clock=lambda: SIM_NOW)
        assert sync_participant(context, "P000") == "ok"
        routes = [r.status for r in sim.requests if r.operation == "exportExerciseTcx"]
        assert routes == [403], routes  # asked once, refused (no location scope), not again in the run
    with db.connect(study_url) as conn:  # stored by the job itself, no `study status` run
        stored = conn.execute("SELECT as_of, wear_hours, settled_days FROM study.compliance").fetchall()
        days = conn.execute("SELECT date, wear_minutes, status FROM study.compliance_days ORDER BY date").fetchall()
        # the same as `study status` computes from the vault at that instant (store=False: a second computation)
        (expected,) = study_status(conn, LocalVaults(tmp_path), as_of=SIM_NOW, store=False, full=True)
    assert [(r["as_of"], r["settled_days"]) for r in stored] == [(SIM_NOW, expected.compliance.settled_days)]
    assert [(r["date"], r["wear_minutes"], r["status"]) for r in days] == [
        (d.date, d.wear_minutes, d.status) for d in expected.compliance.days]
    assert sum(r["wear_minutes"] for r in days) > 0
    texts = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert not [t for t in texts if "fitvault auth google" in t[1]]
    assert (logging.DEBUG, "exercise: routes not fetched: the study does not collect location (its consent asks "
            "for no location scope)") in texts
