"""End to end over real loopback HTTP: fitvault's sync against the simulator, compared with the
simulator's ground truth exactly (every heart-rate sample, every sleep stage)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from support.heart_rows import heart_rate_sql, insert_heart_rate
from support.races import wait_for_requests
from support.sim import FITVAULT, sim_client, sim_env, store_sim_token
from support.truth import SINCE, assert_vault_equals_truth, data_requests, dump, vault_heart_rate

from fitvault import errors, rebuild, timeutil
from fitvault.auth.tokens import TokenStore
from fitvault.config import VaultPaths
from fitvault.sources.google import sync
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions


# -- the tests ------------------------------------------------------------------------------
@pytest.mark.slow
def test_backfill_equals_ground_truth_then_incremental_fetches_only_the_overlap(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    now_ms = sim.clock.now_ms()
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(since=SINCE), now_ms=now_ms)
        assert report.incomplete == []
        assert_vault_equals_truth(v, sim.person, now_ms)
        hr_samples = heart_rate_sql(v.conn, "SELECT count(*) FROM heart_rate").fetchone()[0]
        assert hr_samples > 1_000_000  # a month at the live density: every 2 s while the watch is worn
        # Minimal requests: paging splits wide windows; one partly filled page per window at most.
        hr_requests = [r for r in data_requests(sim) if r.data_type == "heart-rate"]
        assert len(hr_requests) <= -(-hr_samples // 10000) + 1
        before = dump(v)

        sim.reset_requests()
        report2 = sync(v, client, SyncOptions(), now_ms=now_ms)
        assert report2.incomplete == []
        assert dump(v) == before                       # nothing changed
        assert sum(p.changed for p in report2.streams.values()) == 0
        per_type = {}
        for r in data_requests(sim):
            per_type[r.data_type] = per_type.get(r.data_type, 0) + 1
        # Overlap windows: 2 days of heart rate (~24k samples: 3 pages), 2 days of step minutes
        # (1 page), 7 days of sleep (1 page), 3 days of resting HR (1), one dailyRollUp window.
        two_days = [x for x in sim.person.heart_rate(timeutil.from_ms(now_ms) - timedelta(days=2, seconds=1),
                                                      timeutil.from_ms(now_ms))]
        assert per_type["heart-rate"] <= -(-len(two_days) // 10000) + 1
        assert per_type["sleep"] == 1 and per_type["daily-resting-heart-rate"] == 1
        assert per_type["steps"] == 2  # one list page + one dailyRollUp


@pytest.mark.slow
def test_rebuild_from_raw_archive_restores_every_table(sim_light, tmp_path):
    sim = sim_light
    store_sim_token(sim, tmp_path)
    now_ms = sim.clock.now_ms()
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        sync(v, client, SyncOptions(since=date(2026, 11, 10)), now_ms=now_ms)
        before = dump(v)
        sim.reset_requests()
        counts = rebuild(v)
        assert counts["pages"] == v.raw_page_count()
        assert dump(v) == before
        assert sim.requests == []  # nothing downloaded


@pytest.mark.slow
def test_faults_give_the_same_exact_result(sim_light, tmp_path):
    sim = sim_light
    store_sim_token(sim, tmp_path)
    now_ms = sim.clock.now_ms()
    sim.faults.set_random(0.25, ["429", "500", "502", "503", "504", "reset", "truncate"], seed=3)
    sim.config.empty_page_every = 3
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(since=SINCE), now_ms=now_ms)
        assert report.incomplete == []
        statuses = {r.status for r in sim.requests}
        assert {429, 500, 502, 503, 504} <= statuses  # the faults really happened
        sim.faults.clear()
        assert_vault_equals_truth(v, sim.person, now_ms)


@pytest.mark.slow
def test_timeouts_are_retried(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    now_ms = sim.clock.now_ms()
    sim.faults.add("timeout", times=2, match="heart-rate", delay_s=2.5)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path, timeout_s=1.5) as client:
        report = sync(v, client, SyncOptions(since=date(2026, 11, 18), types=("heart-rate",)), now_ms=now_ms)
        assert report.incomplete == []
        upper = timeutil.from_ms(now_ms)
        lower = datetime(2026, 11, 18, tzinfo=timezone.utc) - timedelta(hours=14)
        assert vault_heart_rate(v) == [tuple(x) for x in sim.person.heart_rate(lower, upper)]


@pytest.mark.slow
def test_dst_and_time_zone_changes_have_correct_local_times(sim_light, tmp_path):
    sim = sim_light
    store_sim_token(sim, tmp_path)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        sync(v, client, SyncOptions(since=SINCE, types=("heart-rate", "sleep")), now_ms=sim.clock.now_ms())
        sample_blocks.materialize(v.conn)  # heart_rate as rows (a temp table) for the SQL below
        q = v.conn.execute
        # 2026-11-01: New York leaves DST at 06:00Z; local 01:00-02:00 happens twice.
        offsets = q(
            "SELECT DISTINCT utc_offset_s FROM heart_rate WHERE time_ms BETWEEN ? AND ? ORDER BY 1",
            (timeutil.to_ms(datetime(2026, 11, 1, 5, 0, tzinfo=timezone.utc)),
             timeutil.to_ms(datetime(2026, 11, 1, 7, 0, tzinfo=timezone.utc))),
        ).fetchall()
        assert offsets == [(-18000,), (-14400,)]
        repeated_hour = q(
            "SELECT count(DISTINCT utc_offset_s) FROM heart_rate "
            "WHERE date(time_ms / 1000 + utc_offset_s, 'unixepoch') = '2026-11-01' "
            "AND strftime('%H', time_ms / 1000 + utc_offset_s, 'unixepoch') = '01'"
        ).fetchone()
        assert repeated_hour == (2,)
        # In Tokyo (UTC+9) local noon on 2026-11-12 is 03:00Z.
        tokyo = q(
            "SELECT DISTINCT utc_offset_s FROM heart_rate WHERE date(time_ms / 1000 + utc_offset_s, 'unixepoch') = '2026-11-12'"
        ).fetchall()
        assert tokyo == [(32400,)]
        # Every stored offset is the one in force at that instant, per the person's zone history.
        for t, off in q("SELECT time_ms, utc_offset_s FROM heart_rate WHERE time_ms % 97 = 0").fetchall():
            assert off == sim.person.zone_at(timeutil.from_ms(t))[1]
        # A night's date is the local date of its end, in the zone of that moment.
        for end_ms, end_off, night in q("SELECT end_ms, end_offset_s, date FROM sleep_sessions").fetchall():
            assert night == timeutil.local_date(end_ms, end_off).isoformat()
            assert end_off == sim.person.zone_at(timeutil.from_ms(end_ms))[1]


def test_expired_access_token_is_refreshed_transparently(sim, tmp_path):
    token = store_sim_token(sim, tmp_path)
    sim.clock.advance(2 * 3600)  # the simulator now considers the access token expired
    now_ms = sim.clock.now_ms()
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(since=date(2026, 11, 20), types=("daily-resting-heart-rate",)), now_ms=now_ms)
    assert report.incomplete == []
    assert 401 in {r.status for r in sim.requests}
    path = VaultPaths(tmp_path).google_token
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = TokenStore(path).load()
    assert stored.access_token != token.access_token
    assert stored.refresh_token == token.refresh_token


@pytest.mark.slow
def test_invalid_grant_gives_a_clear_message_nonzero_exit_and_an_intact_vault(tmp_path):
    from support.sim import SIM_NOW

    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, testing_mode=True)) as sim:
        store_sim_token(sim, tmp_path)
        with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
            sync(v, client, SyncOptions(since=date(2026, 11, 19), types=("daily-resting-heart-rate", "sleep")),
                 now_ms=sim.clock.now_ms())
            before = dump(v)
            state_before = v.conn.execute("SELECT * FROM sync_state ORDER BY stream").fetchall()
        sim.clock.advance(8 * 86400 + 2 * 3600)  # Testing-mode grants die after 7 days
        result = subprocess.run(FITVAULT + ["sync"], env=sim_env(sim, tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    message = " ".join(result.stderr.split())
    assert "fitvault auth google" in message
    assert "7 days" in message
    with Vault(tmp_path) as v:
        assert dump(v) == before
        assert v.conn.execute("SELECT * FROM sync_state ORDER BY stream").fetchall() == state_before


@pytest.mark.slow
def test_sync_killed_mid_run_resumes_to_the_same_exact_result(sim_light, tmp_path):
    sim = sim_light
    store_sim_token(sim, tmp_path)
    sim.config.latency_s = 0.02  # slow enough to be killed in the middle
    env = sim_env(sim, tmp_path)
    since = date(2026, 11, 5)  # includes the Tokyo trip
    args = FITVAULT + ["sync", "--since", since.isoformat()]
    for kill_after in (4, 12):
        sim.reset_requests()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_requests(sim, lambda n=kill_after: len(data_requests(sim)) >= n, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
    with Vault(tmp_path) as v:
        unfinished = v.conn.execute("SELECT count(*) FROM sync_jobs WHERE done = 0").fetchone()[0]
        assert unfinished > 0  # it really was interrupted
    sim.config.latency_s = 0.0
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    with Vault(tmp_path) as v:
        assert_vault_equals_truth(v, sim.person, sim.clock.now_ms(), since)
        assert v.conn.execute("SELECT count(*) FROM sync_jobs").fetchone() == (0,)


@pytest.mark.slow
def test_second_sync_process_is_refused_while_one_runs(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    from fitvault.sync import sync_lock

    with sync_lock(VaultPaths(tmp_path)):
        result = subprocess.run(FITVAULT + ["sync"], env=sim_env(sim, tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 5
    assert "another fitvault process is syncing" in " ".join(result.stderr.split())


def test_account_not_linked_is_explained(tmp_path):
    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, account_linked=False)) as sim:
        store_sim_token(sim, tmp_path)
        with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
            with pytest.raises(errors.AccountNotLinked):
                sync(v, client, SyncOptions(since=date(2026, 11, 19)))


@pytest.mark.slow
def test_rebuild_keeps_rows_that_are_not_in_the_raw_archive(sim_light, tmp_path):
    sim = sim_light
    """Imported records (archives, CSV files) have no raw pages: a rebuild must leave them."""
    store_sim_token(sim, tmp_path)
    now_ms = sim.clock.now_ms()
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        sync(v, client, SyncOptions(since=date(2026, 11, 19), types=("heart-rate",)), now_ms=now_ms)
        api_rows = heart_rate_sql(v.conn, "SELECT count(*) FROM heart_rate").fetchone()[0]
        with v.transaction() as conn:
            csv_source = v.source_id(("", "", "", "", "", ""), origin="tutorial-csv")
            insert_heart_rate(conn, [(timeutil.parse_instant_ms("2020-01-01T00:00:00Z"), csv_source, 0, 61)])
        rebuild(v)
        assert heart_rate_sql(v.conn, "SELECT count(*) FROM heart_rate").fetchone()[0] == api_rows + 1
        assert heart_rate_sql(v.conn, "SELECT bpm FROM heart_rate WHERE source_id = ?", (csv_source,)
                              ).fetchall() == [(61,)]
