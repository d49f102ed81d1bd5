"""Every data type beyond the first four, end to end over loopback HTTP: a sync against the
simulator, each vault table compared with the simulator's ground truth exactly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from support.sim import sim_client, store_sim_token
from support.truth import EMPTY, NEW_TABLES, SINCE, canonical, truth_rows, vault_rows

from fitvault import rebuild, timeutil
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.sources.google import sync
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from fitvault_simulator import catalog


def windows(table: str, now_ms: int):
    """The comparison window: whole days inside what a `--since SINCE` run covers."""
    layout = TABLES_BY_NAME[table].layout if table in TABLES_BY_NAME else "child"
    if layout in ("daily", "rollup"):
        return SINCE, timeutil.from_ms(now_ms).date() + timedelta(days=2)
    return timeutil.utc_midnight_ms(SINCE + timedelta(days=1)), now_ms


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """One backfill of every type, shared by the comparisons below (it is the slow part)."""
    from support.sim import SIM_NOW

    from fitvault_simulator import Simulator, SimulatorConfig

    tmp = tmp_path_factory.mktemp("vault")
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW)) as sim:
        store_sim_token(sim, tmp)
        now_ms = sim.clock.now_ms()
        with Vault(tmp) as v, sim_client(sim, tmp) as client:
            report = sync(v, client, SyncOptions(since=SINCE), now_ms=now_ms)
            yield sim, v, client, report, now_ms


@pytest.mark.parametrize("table", NEW_TABLES)
@pytest.mark.slow
def test_each_table_equals_ground_truth(synced, table):
    sim, v, _client, report, now_ms = synced
    assert report.incomplete == [] and report.skipped == []
    lo, hi = windows(table, now_ms)
    got = vault_rows(v, table, lo, hi)
    want = truth_rows(sim.person, table, lo, hi, timeutil.from_ms(now_ms))
    assert bool(got) != (table in EMPTY), f"{table}: nothing synced"
    assert canonical(got) == canonical(want)


@pytest.mark.slow
def test_units_and_times_are_the_apis(synced):
    """Spot checks a reader can follow: SpO2 samples during the Tokyo nights carry +9 h, exercise
    distances are millimetres, daily totals are keyed by the local day."""
    _sim, v, _client, _report, _now = synced
    tokyo = v.conn.execute(
        "SELECT DISTINCT utc_offset_s FROM spo2 WHERE time_ms >= ? AND time_ms < ?",
        (timeutil.utc_midnight_ms(date(2026, 11, 11)), timeutil.utc_midnight_ms(date(2026, 11, 14))),
    ).fetchall()
    assert tokyo == [(9 * 3600,)]
    new_york = v.conn.execute(
        "SELECT DISTINCT utc_offset_s FROM spo2 WHERE time_ms < ? ORDER BY 1",
        (timeutil.utc_midnight_ms(date(2026, 11, 10)),),
    ).fetchall()
    assert new_york == [(-5 * 3600,), (-4 * 3600,)]  # EDT before 11-01, EST after
    runs = v.conn.execute("SELECT distance_mm, active_duration_s FROM exercises WHERE exercise_type = 'RUNNING'").fetchall()
    assert runs and all(1_000_000 < mm < 50_000_000 and s > 600 for mm, s in runs)


@pytest.mark.slow
def test_second_sync_changes_nothing(synced):
    sim, v, client, _report, now_ms = synced
    before = {t: v.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in NEW_TABLES}
    report = sync(v, client, SyncOptions(), now_ms=now_ms)
    assert report.incomplete == []
    assert sum(p.changed for p in report.streams.values()) == 0
    assert {t: v.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in NEW_TABLES} == before


@pytest.mark.slow
def test_rebuild_restores_every_new_table_with_routes(synced):
    sim, v, _client, _report, _now = synced
    before = {t: v.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in NEW_TABLES}
    sim.reset_requests()
    rebuild(v)
    after = {t: v.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in NEW_TABLES}
    # fetched_at of a route is the rebuild's time; the route itself is identical
    strip = {t: [r if t != "exercise_tcx" else r[:2] for r in rows] for t, rows in before.items()}
    assert {t: [r if t != "exercise_tcx" else r[:2] for r in rows] for t, rows in after.items()} == strip
    assert before["exercise_tcx"]
    assert sim.requests == []


def test_without_location_scope_routes_are_skipped_and_the_rest_syncs(sim, tmp_path):
    scopes = [s for s in catalog.READ_SCOPES if s != catalog.LOCATION]
    store_sim_token(sim, tmp_path, scopes=scopes)
    now_ms = sim.clock.now_ms()
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(since=date(2026, 11, 1), types=("exercise",)), now_ms=now_ms)
        assert report.incomplete == []
        assert v.conn.execute("SELECT count(*) FROM exercises WHERE has_gps = 1").fetchone()[0] > 0
        assert v.conn.execute("SELECT count(*) FROM exercise_tcx").fetchone()[0] == 0
        tcx_requests = [r for r in sim.requests if "exportExerciseTcx" in r.path]
        assert len(tcx_requests) == 1  # refused once, then not asked again in this run


def test_types_outside_the_grant_are_skipped_with_a_message(sim, tmp_path):
    store_sim_token(sim, tmp_path, scopes=[catalog.SLEEP])
    now_ms = sim.clock.now_ms()
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(since=date(2026, 11, 18)), now_ms=now_ms,
                      granted_scopes={catalog.SLEEP})
        assert report.incomplete == []
        skipped = dict(line.split(": ", 1) for line in report.skipped)
        assert "sleep" not in skipped and "oxygen-saturation" in skipped and "weight" in skipped
        assert "not granted" in skipped["weight"]
        assert v.conn.execute("SELECT count(*) FROM sleep_sessions").fetchone()[0] > 0


@pytest.mark.slow
def test_new_types_agree_with_each_other_in_the_vault(synced):
    """Evidence independent of the ground truth: the synced tables obey physics and each other."""
    _sim, v, _client, _report, _now = synced
    q = v.conn.execute
    # Active energy is the part of the day's total calories above the basal rate: a tenth to a
    # half of a whole day's (travel days, with hours off the wrist, are short).
    for day, active, total in q(
        "SELECT a.d, a.kcal, t.calories_kcal FROM (SELECT date(start_ms / 1000 + start_offset_s, 'unixepoch') d, "
        "sum(active_kcal) kcal FROM active_energy GROUP BY d) a JOIN daily_total_calories t ON t.date = a.d "
        "WHERE a.d > '2026-10-21' AND a.d < '2026-11-20'"
    ):
        assert active < total and (total < 1500 or 0.1 * total < active < 0.6 * total), (day, active, total)
    # The climb of a GPS run's minutes is the exercise's elevation gain.
    runs = q("SELECT id, start_ms, end_ms, elevation_gain_mm FROM exercises WHERE has_gps = 1 "
             "AND elevation_gain_mm > 0").fetchall()
    assert runs
    for _id, s, e, gain in runs:
        climbed = q("SELECT sum(gain_mm) FROM altitude WHERE start_ms >= ? AND start_ms < ?", (s, e)).fetchone()[0]
        assert climbed == gain
    # Time in zones per day = 60 s per listed zone minute of that local date.
    for day, zone, seconds in q(
        "SELECT date(start_ms / 1000 + start_offset_s, 'unixepoch') d, heart_rate_zone, 60.0 * count(*) "
        "FROM time_in_heart_rate_zone GROUP BY 1, 2 HAVING d >= '2026-10-20'"
    ):
        assert q(f"SELECT {zone.lower()}_s FROM daily_time_in_heart_rate_zone WHERE date = ?", (day,)).fetchone() \
            == (seconds,)
    # Energy in zones never exceeds the day's total.
    assert q("SELECT count(*) FROM daily_calories_in_heart_rate_zone c JOIN daily_total_calories t USING (date) "
             "WHERE c.light_kcal + c.moderate_kcal + c.vigorous_kcal + c.peak_kcal > t.calories_kcal").fetchone() == (0,)
    # An ECG's average heart rate is the heart rate the watch recorded in that minute.
    ecgs = q("SELECT start_ms, avg_hr_bpm FROM ecg_readings").fetchall()
    assert ecgs
    sample_blocks.materialize(v.conn)
    for t, bpm in ecgs:
        mean = q("SELECT avg(bpm) FROM heart_rate WHERE time_ms >= ? AND time_ms < ?", (t, t + 60_000)).fetchone()[0]
        assert abs(mean - bpm) <= 0.5
    # Running dynamics: cadence = steps per active minute; vertical ratio within the documented 5..11 %.
    for steps, active_s, cadence, stride, ratio in q(
        "SELECT steps, active_duration_s, avg_cadence_spm, avg_stride_length_mm, avg_vertical_ratio FROM exercises "
        "WHERE avg_cadence_spm IS NOT NULL"
    ):
        assert abs(cadence - steps / (active_s / 60)) < 0.06 and 5 <= ratio <= 11 and 700 < stride < 1800
    # Food logged on a day with its three meals is the previous day's energy burned, within 10 %.
    for day, eaten, burned in q(
        "SELECT n.d, n.kcal, t.calories_kcal FROM (SELECT date(start_ms / 1000 + start_offset_s, 'unixepoch') d, "
        "sum(energy_kcal) kcal FROM nutrition_log GROUP BY d HAVING count(DISTINCT meal_type) >= 3) n "
        "JOIN daily_total_calories t ON t.date = date(n.d, '-1 day') WHERE n.d > '2026-10-22' AND n.d < '2026-11-20' AND t.calories_kcal > 1500"
    ):
        assert 0.85 * burned < eaten < 1.12 * burned, (day, eaten, burned)
