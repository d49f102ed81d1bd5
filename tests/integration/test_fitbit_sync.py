"""The legacy Fitbit source end to end over loopback HTTP against its simulator: exact results
against the shared ground truth for every data set, incremental re-runs, an interrupted run,
the hourly rate limit, and the API's retirement (410)."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import date, timedelta

import pytest
from support.fitbit import (
    SINCE,
    UNTIL,
    FakeTime,
    client,
    env,
    fake_limiter,
    make_sim,
    noon_ms,
    store_token,
    truth_exercises,
    truth_heart_rate,
    truth_nightly_samples,
    truth_sleep,
    truth_steps,
    vault_exercises,
    vault_sleep,
    write_config,
)
from support.heart_rows import heart_rate_sql
from support.races import wait_for_requests
from support.sim import FITVAULT

from fitvault import errors, timeutil
from fitvault.config import VaultPaths
from fitvault.sources import fitbit
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """One sync of SINCE..UNTIL (the DST change included) shared by the exactness tests."""
    folder = tmp_path_factory.mktemp("fitbit-vault")
    with make_sim() as sim:
        store_token(sim, folder)
        with Vault(folder) as v, client(sim, folder) as c:
            report = fitbit.sync(v, c, SyncOptions(since=SINCE, until=UNTIL),
                                 granted_scopes=fitbit.granted_scopes(VaultPaths(folder)))
            requests = list(sim.requests)
            yield sim, v, report, requests


def daily(v, table: str, cols: str) -> list[tuple]:
    return v.conn.execute(f"SELECT {cols} FROM {table} ORDER BY date").fetchall()


def dates(rows) -> list[tuple]:
    return [(r["date"].isoformat(),) + tuple(r[k] for k in list(r)[1:] if k != "device") for r in rows]


@pytest.mark.slow
def test_every_data_set_equals_the_ground_truth(synced):
    sim, v, report, requests = synced
    person = sim.person
    assert report.incomplete == [] and report.skipped == []
    end = UNTIL + timedelta(days=1)
    q = v.conn.execute
    # Intraday heart rate at 1sec, read in the profile's zone across the repeated hour of 2026-11-01.
    hr = heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms").fetchall()
    assert hr == truth_heart_rate(person, SINCE, UNTIL)
    assert len(hr) > 100_000
    assert q("SELECT start_ms, start_offset_s, end_ms, end_offset_s, count FROM steps ORDER BY start_ms"
             ).fetchall() == truth_steps(person, SINCE, UNTIL)
    assert daily(v, "resting_heart_rate", "date, bpm") == [
        (d.isoformat(), bpm) for d, bpm, _m in person.resting_heart_rate(SINCE, end)]
    assert daily(v, "daily_steps", "date, count") == [(d.isoformat(), n) for d, n in person.daily_steps(SINCE, end)]
    assert daily(v, "daily_distance", "date, distance_mm") == [
        (r["date"].isoformat(), r["distance_mm"]) for r in person.truth("daily_distance", SINCE, end)]
    assert daily(v, "daily_floors", "date, floors") == [
        (r["date"].isoformat(), r["floors"]) for r in person.truth("daily_floors", SINCE, end)]
    assert daily(v, "daily_total_calories", "date, calories_kcal") == [  # the legacy API sends whole kcal
        (r["date"].isoformat(), float(round(r["calories_kcal"]))) for r in person.truth("daily_total_calories", SINCE, end)]
    assert vault_sleep(v) == truth_sleep(person, SINCE, UNTIL)
    assert daily(v, "daily_hrv", "date, average_hrv_ms, deep_sleep_rmssd_ms") == [
        (r["date"].isoformat(), r["average_hrv_ms"], r["deep_sleep_rmssd_ms"]) for r in person.truth("daily_hrv", SINCE, end)]
    assert q("SELECT time_ms, utc_offset_s, rmssd_ms, lf_power_ms2, hf_power_ms2 FROM hrv ORDER BY time_ms").fetchall() == [
        (r["time_ms"], r["utc_offset_s"], r["rmssd_ms"], r["lf_power_ms2"], r["hf_power_ms2"])
        for r in truth_nightly_samples(person, "hrv", SINCE, UNTIL)]
    assert q("SELECT time_ms, utc_offset_s, spo2_pct FROM spo2 ORDER BY time_ms").fetchall() == [
        (r["time_ms"], r["utc_offset_s"], r["spo2_pct"]) for r in truth_nightly_samples(person, "spo2", SINCE, UNTIL)]
    assert daily(v, "daily_spo2", "date, average_pct, lower_bound_pct, upper_bound_pct") == [
        (r["date"].isoformat(), r["average_pct"], r["lower_bound_pct"], r["upper_bound_pct"])
        for r in person.truth("daily_spo2", SINCE, end)]
    assert daily(v, "daily_breathing_rate", "date, breaths_per_min") == [
        (r["date"].isoformat(), r["breaths_per_min"]) for r in person.truth("daily_breathing_rate", SINCE, end)]
    assert daily(v, "daily_skin_temperature_relative", "date, nightly_relative_c") == [
        (r["date"].isoformat(), round(r["nightly_c"] - r["baseline_c"], 2))
        for r in person.truth("daily_skin_temperature", SINCE, end) if r["baseline_c"] is not None]
    lo, hi = noon_ms(person, SINCE - timedelta(days=1)), noon_ms(person, end + timedelta(days=1))
    weights = [r for r in person.truth("weight", timeutil.from_ms(lo), timeutil.from_ms(hi))
               if SINCE <= timeutil.local_date(r["time_ms"], r["utc_offset_s"]) <= UNTIL]
    assert weights  # logs have whole seconds: the milliseconds of the ground truth are lost
    assert q("SELECT time_ms, utc_offset_s, id, weight_g FROM weight ORDER BY time_ms").fetchall() == [
        (r["time_ms"] // 1000 * 1000, r["utc_offset_s"], str(r["time_ms"] // 1000 * 1000), r["weight_g"]) for r in weights]
    fats = [r for r in person.truth("body_fat", timeutil.from_ms(lo), timeutil.from_ms(hi))
            if SINCE <= timeutil.local_date(r["time_ms"], r["utc_offset_s"]) <= UNTIL]
    assert q("SELECT time_ms, utc_offset_s, body_fat_pct FROM body_fat ORDER BY time_ms").fetchall() == [
        (r["time_ms"] // 1000 * 1000, r["utc_offset_s"], r["body_fat_pct"]) for r in fats]
    assert vault_exercises(v) == truth_exercises(person, SINCE, UNTIL)
    # Provenance: every record's source is the legacy API.
    assert {r[0] for r in q("SELECT DISTINCT origin FROM sources")} == {"fitbit-web-api"}
    # One request per local day for the intraday series, one per window for the rest.
    per = {}
    for r in requests:
        per[r.operation] = per.get(r.operation, 0) + 1
    days = (UNTIL - SINCE).days + 1
    assert per["heart-intraday"] == days and per["activity-intraday"] == days
    assert per["sleep-range"] == 1 and per["activity-series"] == 4 and per["profile"] == 1
    assert all(r.status == 200 for r in requests)


@pytest.mark.slow
def test_dst_day_has_both_offsets_and_sleep_across_the_change_is_exact(synced):
    sim, v, _report, _requests = synced
    q = v.conn.execute
    repeated = heart_rate_sql(
        v.conn, "SELECT count(DISTINCT utc_offset_s) FROM heart_rate WHERE date(time_ms / 1000 + utc_offset_s, "
        "'unixepoch') = '2026-11-01' AND strftime('%H', time_ms / 1000 + utc_offset_s, 'unixepoch') = '01'"
    ).fetchone()
    assert repeated == (2,)
    night = q("SELECT start_offset_s, end_offset_s FROM sleep_sessions WHERE date = '2026-11-01' AND main_sleep = 1"
              ).fetchone()
    assert night == (-14400, -18000)  # fell asleep in summer time, woke in winter time


@pytest.mark.slow
def test_incremental_rerun_fetches_only_the_overlap_and_changes_nothing(tmp_path):
    with make_sim() as sim:
        store_token(sim, tmp_path)
        scopes = fitbit.granted_scopes(VaultPaths(tmp_path))
        types = ("heart-rate", "sleep", "steps", "daily-heart-rate-variability")
        now_ms = sim.clock.now_ms()
        with Vault(tmp_path) as v, client(sim, tmp_path) as c:
            first = fitbit.sync(v, c, SyncOptions(types=types, since=date(2026, 11, 15)), granted_scopes=scopes,
                                now_ms=now_ms)
            assert first.incomplete == []
            before = {t: heart_rate_sql(v.conn, f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                      for t in ("heart_rate", "steps", "daily_steps", "sleep_sessions", "sleep_stages", "daily_hrv")}
            sim.requests.clear()
            again = fitbit.sync(v, c, SyncOptions(types=types), granted_scopes=scopes, now_ms=now_ms)
            assert again.incomplete == []
            assert sum(p.changed for p in again.streams.values()) == 0
            assert {t: heart_rate_sql(v.conn, f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in before} == before
            per = {}
            for r in sim.requests:
                per[r.operation] = per.get(r.operation, 0) + 1
            # today (2026-11-21) and the day before for intraday; one window for the others
            assert per == {"profile": 1, "heart-intraday": 2, "activity-intraday": 2, "activity-series": 1,
                           "sleep-range": 1, "hrv": 1}
            state = v.sync_state("fitbit:heart-rate")
            assert state["synced_from"] == "2026-11-15" and state["synced_until"] == "2026-11-22"


@pytest.mark.slow
def test_exercises_are_exact_while_travelling(tmp_path):
    """Activity logs carry their offset: exact even in Tokyo (other legacy times use today's zone)."""
    with make_sim() as sim:
        store_token(sim, tmp_path)
        with Vault(tmp_path) as v, client(sim, tmp_path) as c:
            fitbit.sync(v, c, SyncOptions(types=("exercise",), since=date(2026, 11, 9), until=date(2026, 11, 16)),
                        granted_scopes=fitbit.granted_scopes(VaultPaths(tmp_path)))
            rows = vault_exercises(v)
            assert rows == truth_exercises(sim.person, date(2026, 11, 9), date(2026, 11, 16))
            assert 32400 in {r[2] for r in rows}  # UTC+9


@pytest.mark.slow
def test_rate_limit_waits_for_the_reset_with_a_countdown_and_finishes(tmp_path):
    fake = FakeTime(start=1_800_000_000.0 + 3000)  # 10 minutes before the top of an hour
    events = []
    with make_sim(quota_limit=5, quota_clock=fake) as sim:
        store_token(sim, tmp_path)
        with Vault(tmp_path) as v, client(sim, tmp_path, limiter=fake_limiter(fake, events.append)) as c:
            report = fitbit.sync(v, c, SyncOptions(types=("heart-rate", "daily-resting-heart-rate"),
                                                   since=date(2026, 11, 1), until=date(2026, 11, 9)),
                                 granted_scopes=fitbit.granted_scopes(VaultPaths(tmp_path)))
        assert report.incomplete == []
        statuses = [r.status for r in sim.requests]
        assert statuses.count(200) == 11 and 429 not in statuses  # the budget was respected, never exceeded
        # Two waits, each to the top of the hour + the 2 s margin: 600 + 2 s, then the whole
        # next hour (the reset header is 3598 s, 2 s after the previous reset) + 2 s.
        waits = [e for e in events if e.total_s and e.seconds_left == e.total_s]
        assert [round(e.total_s) for e in waits] == [602, 3600]
        assert all(e.reason == "quota" and e.limit == 5 for e in waits)
        countdown = [e.seconds_left for e in events if e.total_s == waits[0].total_s]
        assert countdown == sorted(countdown, reverse=True) and countdown[-1] == 0 and len(countdown) > 600
        assert sum(fake.slept) == pytest.approx(602 + 3600, abs=1)
        with Vault(tmp_path) as v:
            hr = heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms").fetchall()
        from support.fitbit import truth_heart_rate as truth

        assert hr == truth(sim.person, date(2026, 11, 1), date(2026, 11, 9))


def test_429_with_retry_after_is_honoured(tmp_path):
    """Another app of the same user spent the budget: the first request gets 429 + Retry-After."""
    fake = FakeTime(start=1_800_000_000.0 + 3500)  # 100 s before the top of an hour
    events = []
    with make_sim(quota_limit=150, quota_clock=fake) as sim:
        store_token(sim, tmp_path)
        for _ in range(150):
            sim.quota.take(sim.person.legacy_user_id, 150, 3600, fake())
        with Vault(tmp_path) as v, client(sim, tmp_path, limiter=fake_limiter(fake, events.append, margin_s=0)) as c:
            report = fitbit.sync(v, c, SyncOptions(types=("daily-resting-heart-rate",), since=date(2026, 11, 1)),
                                 granted_scopes=fitbit.granted_scopes(VaultPaths(tmp_path)))
        assert report.incomplete == []
        assert [r.status for r in sim.requests] == [429, 200, 200]  # refused profile, the same again, the data
        assert events[0].reason == "429" and events[0].total_s == 100
        assert sum(fake.slept) == pytest.approx(100)


@pytest.mark.slow
def test_sync_killed_mid_run_resumes_to_the_same_exact_result(tmp_path):
    since, until = date(2026, 10, 29), date(2026, 11, 3)
    with make_sim(latency_s=0.03) as sim:
        store_token(sim, tmp_path)
        args = FITVAULT + ["sync", "--source", "fitbit", "--since", since.isoformat(), "--until", until.isoformat()]
        proc = subprocess.Popen(args, env=env(sim, tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # 1 profile + 15 windows of the daily streams + 6 days each of steps and heart rate
        wait_for_requests(sim, lambda: len(sim.requests) >= 24, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        with Vault(tmp_path) as v:
            assert v.conn.execute("SELECT count(*) FROM sync_jobs WHERE done = 0").fetchone()[0] > 0
            assert v.conn.execute("SELECT count(*) FROM steps").fetchone()[0] > 0  # some days were committed
            left = {stream: (date.fromisoformat(resume) - date.fromisoformat(lower)).days for stream, lower, resume in
                    v.conn.execute("SELECT stream, lower, resume_upper FROM sync_jobs WHERE done = 0")}
        killed_at = len(sim.requests)
        sim.config.latency_s = 0.0
        result = subprocess.run(args, env=env(sim, tmp_path), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "fitbit:heart-rate" in result.stdout
        with Vault(tmp_path) as v:
            assert heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms"
                                  ).fetchall() == truth_heart_rate(sim.person, since, until)
            assert v.conn.execute("SELECT start_ms, start_offset_s, end_ms, end_offset_s, count FROM steps "
                                  "ORDER BY start_ms").fetchall() == truth_steps(sim.person, since, until)
            assert vault_sleep(v) == truth_sleep(sim.person, since, until)
            assert v.conn.execute("SELECT count(*) FROM sync_jobs").fetchone() == (0,)
        # An unfinished window resumed from its committed cursor: no day was fetched twice.
        rerun = [r.operation for r in sim.requests[killed_at:]]
        for stream, operation in (("fitbit:heart-rate", "heart-intraday"), ("fitbit:steps", "activity-intraday")):
            if stream in left:
                assert rerun.count(operation) == left[stream]


@pytest.mark.slow
def test_retired_api_stops_with_a_clear_message_and_exit_code(tmp_path):
    with make_sim() as sim:
        store_token(sim, tmp_path)  # a token from before the shutdown
        sim.config.retired = True
        result = subprocess.run(FITVAULT + ["sync", "--source", "fitbit", "--since", "2026-11-01"],
                                env=env(sim, tmp_path), capture_output=True, text=True, timeout=60)
        assert result.returncode == 7, result.stderr
        message = " ".join(result.stderr.split())
        assert "turned off on 2026-11-02" in message and "410" in message
        assert "fitvault auth google" in message and "fitvault import" in message
        assert "Traceback" not in result.stderr
        auth = subprocess.run(FITVAULT + ["auth", "fitbit", "--client-id", sim.config.client_id, "--public-client"],
                              env=env(sim, tmp_path), capture_output=True, text=True, timeout=60)
        assert auth.returncode == 7, auth.stderr
        assert "turned off on 2026-11-02" in " ".join(auth.stderr.split())
        assert all(r.status == 410 for r in sim.requests)


def test_retired_in_process_raises_the_typed_error_and_keeps_the_vault(tmp_path):
    with make_sim() as sim:
        store_token(sim, tmp_path)
        with Vault(tmp_path) as v, client(sim, tmp_path) as c:
            fitbit.sync(v, c, SyncOptions(types=("daily-resting-heart-rate",), since=date(2026, 11, 1)),
                        granted_scopes={"heartrate", "profile"})
            before = v.conn.execute("SELECT * FROM resting_heart_rate").fetchall()
            sim.config.retired = True
            with pytest.raises(errors.FitbitApiRetired) as caught:
                fitbit.sync(v, c, SyncOptions(types=("daily-resting-heart-rate",)), granted_scopes={"heartrate"})
            assert caught.value.exit_code == 7
            assert v.conn.execute("SELECT * FROM resting_heart_rate").fetchall() == before


@pytest.mark.slow
def test_ranges_beyond_the_limits_are_refused_by_the_simulator(tmp_path):
    import httpx

    with make_sim() as sim:
        token = store_token(sim, tmp_path)
        h = {"Authorization": f"Bearer {token.access_token}"}
        cases = {"/1.2/user/-/sleep/date/2026-01-01/2026-04-11.json": 400,   # 101 days
                 "/1.2/user/-/sleep/date/2026-01-01/2026-04-10.json": 200,   # 100 days
                 "/1/user/-/hrv/date/2026-10-01/2026-10-31.json": 400,       # 31 days
                 "/1/user/-/body/log/weight/date/2026-10-01/2026-10-31.json": 200,
                 "/1/user/-/activities/heart/date/2026-10-01/2026-10-02/1sec.json": 400}
        for path, status in cases.items():
            r = httpx.get(sim.url + path, headers=h)
            assert r.status_code == status, path
            if status == 400:
                body = r.json()
                assert body["success"] is False and body["errors"][0]["errorType"] in ("validation", "request")
        # A client that asked for more would get a typed error naming the limit.
        with client(sim, tmp_path) as c:
            with pytest.raises(errors.InvalidArgument, match="100 days"):
                c.get("/1.2/user/-/sleep/date/2026-01-01/2026-06-01.json")


@pytest.mark.slow
def test_rebuild_restores_the_legacy_rows_from_the_raw_archive(tmp_path):
    with make_sim() as sim:
        store_token(sim, tmp_path)
        with Vault(tmp_path) as v, client(sim, tmp_path) as c:
            fitbit.sync(v, c, SyncOptions(types=("sleep", "weight", "steps"), since=date(2026, 11, 1),
                                          until=date(2026, 11, 3)), granted_scopes=fitbit.granted_scopes(VaultPaths(tmp_path)))
            tables = ("sleep_sessions", "sleep_stages", "weight", "steps", "daily_steps")
            before = {t: v.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
        sim.requests.clear()
        result = subprocess.run(FITVAULT + ["rebuild"], env=env(sim, tmp_path), capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        with Vault(tmp_path) as v:
            assert {t: v.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables} == before
        assert list(sim.requests) == []


@pytest.mark.slow
def test_dry_run_shows_the_plan_and_fetches_no_data(tmp_path):
    with make_sim() as sim:
        store_token(sim, tmp_path)
        result = subprocess.run(FITVAULT + ["sync", "--source", "fitbit", "--dry-run", "--since", "2026-10-22"],
                                env=env(sim, tmp_path), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        out = " ".join(result.stderr.split())
        assert "fitbit:heart-rate" in out and "150 per hour" in out and "America/New_York" in out
        assert [r.operation for r in sim.requests] == ["profile"]
        with Vault(tmp_path) as v:
            assert v.conn.execute("SELECT count(*) FROM sync_jobs").fetchone() == (0,)


@pytest.mark.slow
def test_cli_shows_the_rate_limit_countdown(tmp_path):
    """Real time, tiny windows: 6 requests at 2 per 1-second window force waits of under a second."""
    with make_sim(quota_limit=2, quota_window_s=1.0) as sim:
        store_token(sim, tmp_path)
        write_config(tmp_path, "[fitbit]\nrate_limit_margin_s = 0\n")
        result = subprocess.run(
            FITVAULT + ["sync", "--source", "fitbit", "--types", "daily-resting-heart-rate,daily-heart-rate-variability,"
                        "daily-respiratory-rate,daily-oxygen-saturation,sleep", "--since", "2026-11-01"],
            env=env(sim, tmp_path), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "rate limit:" in result.stderr and "waiting 0:00:0" in result.stderr
        assert 429 not in [r.status for r in sim.requests]
        json.dumps(result.stdout)  # printable


@pytest.mark.slow
def test_daily_rollups_follow_the_origin_precedence(tmp_path):
    """One value per date: the Google API's stays, an archive's is replaced, a missing one filled."""
    from fitvault.datatypes.base import ROLLUP_SOURCE

    with make_sim() as sim:
        store_token(sim, tmp_path)
        with Vault(tmp_path) as v:
            with v.transaction() as conn:
                google = v.source_id(ROLLUP_SOURCE)
                archive = v.source_id(("", "", "", "", "", ""), origin="takeout-global-export")
                conn.executemany("INSERT INTO daily_steps (date, source_id, count) VALUES (?, ?, ?)",
                                 [("2026-11-02", google, 111), ("2026-11-03", archive, 222)])
            with client(sim, tmp_path) as c:
                fitbit.sync(v, c, SyncOptions(types=("steps",), since=date(2026, 11, 2), until=date(2026, 11, 4)),
                            granted_scopes={"activity", "profile"})
            rows = v.conn.execute("SELECT date, s.origin, count FROM daily_steps JOIN sources s ON s.id = source_id "
                                  "ORDER BY date").fetchall()
        truth = dict((d.isoformat(), n) for d, n in sim.person.daily_steps(date(2026, 11, 2), date(2026, 11, 5)))
        assert rows == [("2026-11-02", "google-health-api", 111),
                        ("2026-11-03", "fitbit-web-api", truth["2026-11-03"]),
                        ("2026-11-04", "fitbit-web-api", truth["2026-11-04"])]
