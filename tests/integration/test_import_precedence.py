"""One store, many sources: an API sync, a Takeout zip and a tutorial folder of overlapping days end
in one vault without double counting — in the Python API and in the exports alike."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.heart_rows import heart_rate_sql
from support.sim import SIM_NOW, sim_client, store_sim_token
from support.takeout import GED, Archive, heart_json, minutes_json, ms, sleep_log

import fitvault
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.export import export_csv, export_per_day
from fitvault.importers import import_paths
from fitvault.sources.google import sync
from fitvault.store import origins
from fitvault.store.vault import ORIGIN_API, Vault
from fitvault.sync import SyncOptions

NY = ZoneInfo("America/New_York")


def test_origin_constants_and_ranks():
    assert origins.ORIGIN_GOOGLE_HEALTH_API == ORIGIN_API
    assert [origins.origin_rank(o) for o in origins.PRECEDENCE] == list(range(7))
    assert origins.origin_rank("something-new") == origins.UNKNOWN_RANK == 7


def _takeout() -> Archive:
    a = Archive()
    utc = timedelta(hours=5)  # Global Export heart rate and steps stamps are UTC (docs/facts/archives.md#fact-2, docs/facts/archives.md#fact-3): EST + 5 h
    for day, hour in ((16, 12), (17, 1), (18, 12)):
        a.add(f"{GED}/heart_rate-2026-11-{day}.json",
              heart_json(datetime(2026, 11, day, hour) + utc, [70 + i % 5 for i in range(30)]))
    a.add(f"{GED}/sleep-2026-11-01.json", [sleep_log(9001, datetime(2026, 11, 15, 23, 0), 420),
                                           sleep_log(9002, datetime(2026, 11, 17, 23, 30), 400)])
    a.add(f"{GED}/steps-2026-11-01.json", minutes_json(datetime(2026, 11, 16, 9, 0) + utc, [100, 50]) +
          minutes_json(datetime(2026, 11, 18, 9, 0) + utc, [1000 // 10, 20]))
    return a


def _tutorial() -> Archive:
    a = Archive()
    for day in (15, 16, 18):
        a.csv(f"Heart/heart202611{day}.csv", "Time,Heart Rate", [f"13:00:{s:02d},{60 + s}" for s in range(0, 60, 5)])
    return a


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """API sync from 2026-11-18 (the simulator's person lives in New York), then a Takeout zip
    (11-16 .. 11-18) and a tutorial folder (11-15, 11-16, 11-18)."""
    from fitvault_simulator import Simulator, SimulatorConfig

    tmp = tmp_path_factory.mktemp("mixed")
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW)) as sim:
        store_sim_token(sim, tmp / "vault")
        with Vault(tmp / "vault") as v, sim_client(sim, tmp / "vault") as client:
            report = sync(v, client, SyncOptions(since=date(2026, 11, 18), types=("heart-rate", "sleep", "steps")),
                          now_ms=sim.clock.now_ms())
            assert report.incomplete == []
            takeout = import_paths(v, [_takeout().zip(tmp / "takeout-20261121T000000Z-001.zip")])  # the vault's zone
            tutorial = import_paths(v, [_tutorial().folder(tmp / "tutorial")])
            assert takeout.complete and tutorial.complete
            yield tmp, v


def _per_day(frame, column="device") -> dict[str, set]:
    out: dict[str, set] = {}
    for day, value in zip(frame["local_time"].dt.strftime("%Y-%m-%d"), frame[column].astype(str)):
        out.setdefault(day, set()).add(value)
    return out


@pytest.mark.slow
def test_every_row_is_kept_with_its_origin(mixed):
    _tmp, v = mixed
    by_origin = dict(heart_rate_sql(
        v.conn, "SELECT s.origin, count(*) FROM heart_rate h JOIN sources s ON s.id = h.source_id GROUP BY 1"
    ).fetchall())
    assert by_origin["takeout-global-export"] == 90 and by_origin["tutorial-csv"] == 36
    assert by_origin["google-health-api"] > 10_000


@pytest.mark.slow
def test_query_reads_one_origin_per_table_and_day(mixed):
    tmp, v = mixed
    with fitvault.open(tmp / "vault") as r:
        hr = r.frame("heart_rate", "2026-11-15", "2026-11-18")
        origin = r.sources()["origin"]
        hr["origin"] = origin.loc[hr["source_id"]].to_numpy()
        assert _per_day(hr, "origin") == {
            "2026-11-15": {"tutorial-csv"},              # the tutorial alone
            "2026-11-16": {"takeout-global-export"},     # takeout beats tutorial
            "2026-11-17": {"google-health-api"},         # the API's partial day hides the takeout's 01:00 rows
            "2026-11-18": {"google-health-api"},         # API beats both
        }
        api = heart_rate_sql(
            v.conn,
            "SELECT count(*) FROM heart_rate h JOIN sources s ON s.id = h.source_id WHERE s.origin = ? AND "
            "date(h.time_ms / 1000 + h.utc_offset_s, 'unixepoch') BETWEEN '2026-11-17' AND '2026-11-18'",
            (ORIGIN_API,)).fetchone()[0]
        assert len(hr) == 12 + 30 + api
        # the same rule on resampled buckets and in chunks
        assert r.heart_rate("2026-11-15", "2026-11-18", resample="1D")["samples"].sum() == len(hr)
        chunks = list(r.iter_frames("heart_rate", "2026-11-15", "2026-11-18", chunk_rows=5000))
        assert sum(len(c) for c in chunks) == len(hr)
        # sleep: one origin per night; stages follow their session
        sessions = r.sleep_sessions("2026-11-16", "2026-11-18")
        assert sorted(zip(sessions["date"].dt.strftime("%Y-%m-%d"), sessions["id"]))[0] == ("2026-11-16", "9001")
        assert "9002" not in set(sessions["id"])  # night of 11-18: the API's session wins
        stages = r.sleep_stages("2026-11-16", "2026-11-18")
        assert set(stages["session_id"]) == set(sessions["id"])
        # daily steps: the API's rollup on 11-18, the takeout's minutes on 11-16 — never added up
        steps = r.steps("2026-11-16", "2026-11-18", freq="1D")
        rollup = dict(v.conn.execute("SELECT date, count FROM daily_steps").fetchall())
        assert steps.loc["2026-11-16", "steps"] == 150 and steps.loc["2026-11-16", "source"] == "minutes"
        assert steps.loc["2026-11-18", "steps"] == rollup["2026-11-18"]
        minutes = r.frame("steps", "2026-11-16", "2026-11-18")
        minutes["origin"] = origin.loc[minutes["source_id"]].to_numpy()
        by_day = _per_day(minutes, "origin")
        assert by_day["2026-11-16"] == {"takeout-global-export"} and by_day["2026-11-18"] == {"google-health-api"}


@pytest.mark.slow
def test_exports_apply_the_same_rule(mixed):
    tmp, _v = mixed
    out = tmp / "csv"
    export_csv(tmp / "vault", out, types="heart-rate,sleep", start="2026-11-15", end="2026-11-18")
    with fitvault.open(tmp / "vault") as r:
        want = r.frame("heart_rate", "2026-11-15", "2026-11-18")
        nights = set(r.sleep_sessions("2026-11-15", "2026-11-18")["id"])
        stage_rows = len(r.sleep_stages("2026-11-15", "2026-11-18", kinds=None))
    with open(out / "heart_rate.csv", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert len(got) == len(want)
    assert {row["local_time"][:10] for row in got} == {"2026-11-15", "2026-11-16", "2026-11-17", "2026-11-18"}
    with open(out / "sleep_sessions.csv", newline="") as fh:
        assert {row["id"] for row in csv.DictReader(fh)} == nights
    with open(out / "sleep_stages.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == stage_rows
    per_day = export_per_day(tmp / "vault", tmp / "per-day", types="heart-rate", start="2026-11-15", end="2026-11-16")
    assert per_day.items[0].rows == 12 + 30
    lines = (tmp / "per-day" / "heart" / "heart20261116.csv").read_text().splitlines()
    assert lines[1] == "12:00:00,70" and len(lines) == 31  # the takeout's rows, not the tutorial's


def test_rollups_keep_the_best_origin_when_written(tmp_path):
    """Reconciled day totals have one row per day: an import fills days the API has not and
    never replaces the API's; a later API value replaces an imported one."""
    a = Archive()
    a.add(f"{GED}/distance-2026-11-01.json", minutes_json(datetime(2026, 11, 1, 10), ["1000"]) +
          minutes_json(datetime(2026, 11, 2, 10), ["2000"]) + minutes_json(datetime(2026, 11, 3, 10), ["3000"]))
    zpath = a.zip(tmp_path / "t.zip")
    distance = STREAMS_BY_NAME["distance:daily"]
    with Vault(tmp_path / "v") as v:
        v.set_account(time_zone="America/New_York")
        with v.transaction() as conn:
            distance.save(conn, [(date(2026, 11, 2), ("", "", "", "", "", "dailyRollUp"), 5_000_000)], v.source_id)
        report = import_paths(v, [zpath])
        q = ("SELECT d.date, d.distance_mm, s.origin FROM daily_distance d JOIN sources s ON s.id = d.source_id "
             "ORDER BY 1")
        assert v.conn.execute(q).fetchall() == [
            ("2026-11-01", 10_000, "takeout-global-export"), ("2026-11-02", 5_000_000, "google-health-api"),
            ("2026-11-03", 30_000, "takeout-global-export")]
        assert report.totals["daily_distance day totals (takeout-global-export)"] == (3, 2)
        assert import_paths(v, [zpath]).changed == 0
        with v.transaction() as conn:  # a later sync reaches 11-03
            distance.save(conn, [(date(2026, 11, 3), ("", "", "", "", "", "dailyRollUp"), 7_000_000)], v.source_id)
        assert v.conn.execute(q).fetchall()[2] == ("2026-11-03", 7_000_000, "google-health-api")
        assert import_paths(v, [zpath]).changed == 0


def test_api_sessions_are_not_replaced_by_an_archive_with_the_same_id(tmp_path):
    night = datetime(2026, 1, 10, 23, 0, tzinfo=NY)
    start = ms(night)
    key = ("FITBIT", "Charge 6", "", "FITNESS_BAND", "", "")
    with Vault(tmp_path / "v") as v:
        v.set_account(time_zone="America/New_York")
        session = ("4242", key, start, -18000, start + 400 * 60_000, -18000, "STAGES", 1, 0, 1, "SUCCEEDED", 0,
                   400, 380, 20, 0, 0, None, None)
        with v.transaction() as conn:
            STREAMS_BY_NAME["sleep"].save(conn, [(session, [], [], date(2026, 1, 10))], v.source_id)
        a = Archive().add(f"{GED}/sleep-2026-01-01.json", [sleep_log(4242, datetime(2026, 1, 10, 23, 0), 300)])
        report = import_paths(v, [a.zip(tmp_path / "t.zip")])
        assert report.imported[0].dropped == {"held by a better-ranked origin": 1}
        assert v.conn.execute("SELECT minutes_in_sleep_period, s.origin FROM sleep_sessions t JOIN sources s "
                              "ON s.id = t.source_id").fetchall() == [(400, "google-health-api")]


def test_day_boundaries_use_each_rows_own_offset(tmp_path):
    """The rule's local day is the record's own (instant + its offset), in SQL and in numpy alike."""
    with Vault(tmp_path / "v") as v:
        v.set_account(time_zone="Asia/Tokyo")
        api_key = ("FITBIT", "W", "", "WATCH", "", "")
        with v.transaction() as conn:
            hr = STREAMS_BY_NAME["heart-rate"]
            t = ms(datetime(2026, 5, 1, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo")))  # 14:30Z, local 23:30 on 05-01
            hr.save(conn, [(t, api_key, 9 * 3600, 60)], v.source_id)
            hr.save(conn, [(t + 3_600_000, api_key, 9 * 3600, 61)],
                    lambda key: v.source_id(key, origin=origins.ORIGIN_TUTORIAL_CSV))  # local 00:30 on 05-02
            hr.save(conn, [(t - 3_600_000, api_key, 9 * 3600, 62)],
                    lambda key: v.source_id(key, origin=origins.ORIGIN_TUTORIAL_CSV))  # local 22:30 on 05-01
    with fitvault.open(tmp_path / "v") as r:
        assert sorted(r.heart_rate()["bpm"]) == [60, 61]
    export_csv(tmp_path / "v", tmp_path / "out", types="heart-rate")
    assert len((tmp_path / "out" / "heart_rate.csv").read_text().splitlines()) == 3
    assert timedelta(0) is not None
