"""The Python API (``fitvault.open``): real vault files built with exact rows, exact frames back.

Time zones: America/New_York is home; 2026-03-08 springs forward (02:00 EST -> 03:00 EDT at
07:00Z), 2026-11-01 falls back (02:00 EDT -> 01:00 EST at 06:00Z); a Tokyo trip (+09:00).
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support.heart_rows import insert_heart_rate

import fitvault
from fitvault import timeutil
from fitvault.errors import ConfigError, StoreError, VaultCorrupt
from fitvault.query import InvalidQuery
from fitvault.store import sample_blocks
from fitvault.store.vault import VAULT_APPLICATION_ID, Vault

NY, EDT, EST, JST = "America/New_York", -14400, -18000, 32400
DEVICES = ["Charge 6", "Pixel 8"]
SOURCES = [  # id, platform, device, form_factor, recording_method, application
    (1, "FITBIT", "Charge 6", "FITNESS_BAND", "PASSIVELY_MEASURED", ""),
    (2, "FITBIT", "", "", "MANUAL", ""),
    (3, "", "", "", "", "dailyRollUp"),
    (4, "HEALTH_CONNECT", "Pixel 8", "PHONE", "PASSIVELY_MEASURED", ""),
]


def ms(text: str) -> int:
    return timeutil.parse_instant_ms(text)


def make_vault(folder: Path, time_zone: str | None = NY, **tables: list[dict]) -> Path:
    """A migrated vault with the sources above, ``account.time_zone`` and the given rows."""
    with Vault(folder) as vault:
        with vault.transaction() as conn:
            conn.executemany("INSERT INTO sources (id, origin, platform, device, form_factor, recording_method, "
                             "application) VALUES (?, 'google-health-api', ?, ?, ?, ?, ?)", SOURCES)
            if time_zone:
                conn.execute("INSERT INTO account (key, value) VALUES ('time_zone', ?)", (time_zone,))
            for table, rows in tables.items():
                if table == "heart_rate":  # stored as day blocks (store/sample_blocks.py)
                    insert_heart_rate(conn, rows)
                    continue
                for row in rows:
                    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                                 tuple(row.values()))
    return folder


def hr(at: str, bpm: int, offset: int, source: int = 1) -> dict:
    return {"time_ms": ms(at), "source_id": source, "utc_offset_s": offset, "bpm": bpm}


def instants(texts: list[str], tz, name: str | None = "time") -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(texts, utc=True), name=name).as_unit("ms").tz_convert(tz)


def walls(texts: list[str]) -> np.ndarray:
    return np.array(texts, dtype="datetime64[ms]")


def devices(names: list[str | None]) -> pd.Categorical:
    return pd.Categorical(names, categories=DEVICES)


def hr_frame(times: list[str], bpm: list[int], offsets: list[int], local: list[str], tz, device="Charge 6"):
    return pd.DataFrame({"bpm": np.array(bpm, np.int64), "utc_offset_s": np.array(offsets, np.int64),
                         "local_time": walls(local), "device": devices([device] * len(times))},
                        index=instants(times, tz))


# -- opening ---------------------------------------------------------------------------------

def test_missing_vault_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="no fitvault vault"):
        fitvault.open(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="does not exist"):
        fitvault.open(tmp_path / "empty")


def test_foreign_files_are_refused(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(VaultCorrupt):
        fitvault.open(junk)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(VaultCorrupt, match="not a fitvault vault"):
        fitvault.open(other)
    old = sqlite3.connect(tmp_path / "old.sqlite")
    old.execute(f"PRAGMA application_id = {VAULT_APPLICATION_ID}")
    old.execute("PRAGMA user_version = 1")
    old.close()
    with pytest.raises(StoreError, match="schema version 1"):
        fitvault.open(tmp_path / "old.sqlite")


def test_default_vault_honours_fitvault_home(tmp_path, monkeypatch):
    make_vault(tmp_path / "home", heart_rate=[hr("2026-09-14T12:00:00Z", 60, EDT)])
    monkeypatch.setenv("FITVAULT_HOME", str(tmp_path / "home"))
    with fitvault.open() as vault:
        assert vault.database == (tmp_path / "home" / "vault.sqlite").resolve()
        assert vault.heart_rate()["bpm"].tolist() == [60]
    with fitvault.open(tmp_path / "home" / "vault.sqlite") as vault:  # the file works too
        assert len(vault.heart_rate()) == 1


@pytest.mark.slow
def test_read_only_never_writes_and_reads_during_a_sync(tmp_path):
    folder = make_vault(tmp_path / "v", heart_rate=[hr("2026-09-14T12:00:00Z", 60, EDT)])
    database = folder / "vault.sqlite"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    with fitvault.open(folder) as vault:
        vault.daily(), vault.tables(), vault.sleep_summary(), vault.heart_rate(resample="1h")
        for sql in ("INSERT INTO account (key, value) VALUES ('x', 'y')", "PRAGMA user_version = 9",
                    "CREATE TABLE x (y)"):
            with pytest.raises(sqlite3.OperationalError):
                vault._conn.execute(sql)
        vault._conn.execute("PRAGMA query_only = OFF")  # even then: the file is opened mode=ro
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            vault._conn.execute("INSERT INTO account (key, value) VALUES ('x', 'y')")
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before

    with Vault(folder) as writer, fitvault.open(folder) as vault:  # a sync holds the vault open
        with writer.transaction() as conn:
            insert_heart_rate(conn, [(ms("2026-09-14T12:00:01Z"), 1, EDT, 61)])
        writer.conn.execute("BEGIN IMMEDIATE")  # a write in progress does not block readers (WAL)
        insert_heart_rate(writer.conn, [(ms("2026-09-14T12:00:02Z"), 1, EDT, 99)])
        assert vault.heart_rate()["bpm"].tolist() == [60, 61]
        writer.conn.execute("ROLLBACK")


@pytest.mark.slow
def test_import_fitvault_stays_free_of_pandas():
    code = "import sys, fitvault; print('pandas' in sys.modules, 'numpy' in sys.modules, fitvault.open.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "fitvault.query.reader"]


# -- time: DST, travel, bounds ---------------------------------------------------------------

SPRING = [  # every 30 min from 00:00 EST on 2026-03-08; there is no 02:xx local time that night
    ("2026-03-08T05:00:00Z", EST, "2026-03-08T00:00"), ("2026-03-08T05:30:00Z", EST, "2026-03-08T00:30"),
    ("2026-03-08T06:00:00Z", EST, "2026-03-08T01:00"), ("2026-03-08T06:30:00Z", EST, "2026-03-08T01:30"),
    ("2026-03-08T07:00:00Z", EDT, "2026-03-08T03:00"), ("2026-03-08T07:30:00Z", EDT, "2026-03-08T03:30"),
]
FALL = [  # 01:00-01:59 happens twice on 2026-11-01, first in EDT then in EST
    ("2026-11-01T04:30:00Z", EDT, "2026-11-01T00:30"), ("2026-11-01T05:00:00Z", EDT, "2026-11-01T01:00"),
    ("2026-11-01T05:30:00Z", EDT, "2026-11-01T01:30"), ("2026-11-01T06:00:00Z", EST, "2026-11-01T01:00"),
    ("2026-11-01T06:30:00Z", EST, "2026-11-01T01:30"), ("2026-11-01T07:00:00Z", EST, "2026-11-01T02:00"),
]


@pytest.fixture
def dst_vault(tmp_path):
    rows = [hr(t, 60 + i, off) for i, (t, off, _l) in enumerate(SPRING + FALL)]
    return make_vault(tmp_path / "v", heart_rate=rows)


def test_spring_forward_day(dst_vault):
    with fitvault.open(dst_vault) as vault:
        got = vault.heart_rate("2026-03-08", "2026-03-08")
        hourly = vault.heart_rate("2026-03-08", "2026-03-08", resample="1h")
    expected = hr_frame([t for t, _o, _l in SPRING], list(range(60, 66)), [o for _t, o, _l in SPRING],
                        [w for _t, _o, w in SPRING], NY)
    pd.testing.assert_frame_equal(got, expected)
    assert str(got.index.dtype) == "datetime64[ms, America/New_York]"
    assert not (got["local_time"].dt.hour == 2).any()
    pd.testing.assert_frame_equal(hourly, pd.DataFrame({
        "bpm_mean": [60.5, 62.5, np.nan, 64.5], "bpm_min": [60.0, 62.0, np.nan, 64.0],
        "bpm_max": [61.0, 63.0, np.nan, 65.0], "samples": np.array([2, 2, 0, 2], np.int64),
    }, index=pd.DatetimeIndex(walls(["2026-03-08T00:00", "2026-03-08T01:00", "2026-03-08T02:00",
                                     "2026-03-08T03:00"]), name="local_time")))


def test_fall_back_day_repeats_the_hour_with_two_offsets(dst_vault):
    with fitvault.open(dst_vault) as vault:
        got = vault.heart_rate(date(2026, 11, 1), date(2026, 11, 1))
        hourly = vault.heart_rate("2026-11-01", "2026-11-01", resample="1h")
        utc = vault.heart_rate("2026-11-01", "2026-11-01", tz="UTC")
    expected = hr_frame([t for t, _o, _l in FALL], list(range(66, 72)), [o for _t, o, _l in FALL],
                        [w for _t, _o, w in FALL], NY)
    pd.testing.assert_frame_equal(got, expected)
    assert got.index.is_monotonic_increasing and not got["local_time"].is_monotonic_increasing
    pd.testing.assert_frame_equal(utc, expected.tz_convert("UTC"))
    pd.testing.assert_frame_equal(hourly, pd.DataFrame({
        "bpm_mean": [66.0, 68.5, 71.0], "bpm_min": [66.0, 67.0, 71.0], "bpm_max": [66.0, 70.0, 71.0],
        "samples": np.array([1, 4, 1], np.int64),
    }, index=pd.DatetimeIndex(walls(["2026-11-01T00:00", "2026-11-01T01:00", "2026-11-01T02:00"]),
                              name="local_time")))


def test_both_dst_days_together_still_index_in_the_home_zone(dst_vault):
    with fitvault.open(dst_vault) as vault:
        got = vault.heart_rate()
        daily = vault.heart_rate(resample="1D")
    assert str(got.index.dtype) == "datetime64[ms, America/New_York]"  # offsets differ, all match home
    assert daily.loc["2026-03-08", "samples"] == 6 and daily.loc["2026-11-01", "samples"] == 6
    assert len(daily) == 239 and daily["samples"].sum() == 12  # every day in between, empty ones too


TRIP = [  # home in New York, then Tokyo; 15:30Z on the 10th is already the 11th in Tokyo
    ("2026-11-09T23:00:00Z", EST, "2026-11-09T18:00"), ("2026-11-10T14:00:00Z", JST, "2026-11-10T23:00"),
    ("2026-11-10T15:30:00Z", JST, "2026-11-11T00:30"), ("2026-11-11T03:00:00Z", JST, "2026-11-11T12:00"),
]


@pytest.mark.parametrize("home", [NY, None])
def test_tokyo_trip_keeps_exact_local_times(tmp_path, home):
    folder = make_vault(tmp_path / "v", time_zone=home, heart_rate=[hr(t, 70 + i, o) for i, (t, o, _l) in enumerate(TRIP)])
    with fitvault.open(folder) as vault:
        mixed = vault.heart_rate()
        in_tokyo = vault.heart_rate("2026-11-10", "2026-11-11")
        tenth = vault.heart_rate("2026-11-10", "2026-11-10")
    fallback = home or "UTC"  # mixed offsets: the home zone, else UTC; local_time stays exact
    pd.testing.assert_frame_equal(mixed, hr_frame([t for t, _o, _l in TRIP], [70, 71, 72, 73],
                                                  [o for _t, o, _l in TRIP], [w for _t, _o, w in TRIP], fallback))
    tokyo = timezone(pd.Timedelta(hours=9).to_pytimedelta())
    assert in_tokyo.index.tz == tokyo  # one shared offset, not the home zone's: a fixed offset
    assert in_tokyo.index.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-11-10 23:00", "2026-11-11 00:30",
                                                                  "2026-11-11 12:00"]
    # Dates are each record's own local date: 15:30Z is the 11th in Tokyo (the 10th in New York).
    assert tenth["local_time"].tolist() == [pd.Timestamp("2026-11-10T23:00")]


def test_bounds_dates_inclusive_datetimes_half_open(tmp_path):
    rows = [hr("2026-09-14T04:00:00Z", 1, EDT), hr("2026-09-15T03:59:59Z", 2, EDT), hr("2026-09-15T04:00:00Z", 3, EDT),
            hr("2026-09-16T03:59:59.999Z", 4, EDT), hr("2026-09-16T04:00:00Z", 5, EDT)]
    with fitvault.open(make_vault(tmp_path / "v", heart_rate=rows)) as vault:
        def bpm(*args) -> list[int]:
            return vault.heart_rate(*args)["bpm"].tolist()

        assert bpm("2026-09-14", "2026-09-14") == [1, 2]  # the whole local day, both ends
        assert bpm("2026-09-14", "2026-09-15") == [1, 2, 3, 4]
        assert bpm("2026-09-15") == [3, 4, 5] and bpm(None, "2026-09-14") == [1, 2]
        assert bpm(datetime(2026, 9, 14, 23, 59, 59), datetime(2026, 9, 15, 23, 59, 59, 999000)) == [2, 3]  # wall
        assert bpm("2026-09-14 23:59:59", "2026-09-15T00:00") == [2]
        assert bpm(pd.Timestamp("2026-09-15T04:00:00Z"), pd.Timestamp("2026-09-16T04:00:00Z")) == [3, 4]  # instants
        assert bpm(pd.Timestamp("2026-09-15T00:00", tz=NY), "2026-09-15") == [3, 4]  # mixed kinds
        assert bpm("2026-09-20", "2026-09-10") == []
        with pytest.raises(InvalidQuery):
            vault.heart_rate("the 14th")
        with pytest.raises(ValueError):  # InvalidQuery is also a ValueError ...
            vault.heart_rate(tz="Mars/Olympus")
        with pytest.raises(ConfigError):  # ... and a fitvault error
            vault.heart_rate(resample="fortnightly")


def test_forced_zone_and_resample_in_that_zone(tmp_path):
    rows = [hr(t, 70 + i, o) for i, (t, o, _l) in enumerate(TRIP)]
    with fitvault.open(make_vault(tmp_path / "v", heart_rate=rows)) as vault:
        tokyo = vault.heart_rate(tz="Asia/Tokyo")
        utc_hours = vault.heart_rate(tz="UTC", resample="1D")
    assert str(tokyo.index.dtype) == "datetime64[ms, Asia/Tokyo]"
    assert tokyo["local_time"].tolist() == [pd.Timestamp(w) for _t, _o, w in TRIP]  # still their own
    assert utc_hours["samples"].tolist() == [1, 2, 1]  # 9th, 10th, 11th by the UTC wall clock


# -- empty results and units -----------------------------------------------------------------

EMPTY_CASES = [
    ("heart_rate", {}), ("heart_rate", {"resample": "1h"}), ("steps", {}), ("steps", {"freq": "1D"}),
    ("sleep_sessions", {}), ("sleep_stages", {}), ("sleep_summary", {}), ("daily", {}), ("exercises", {}),
    ("resting_heart_rate", {}), ("weight", {"convert": True}), ("active_zone_minutes", {"freq": "1D"}),
    ("skin_temperature", {}), ("exercise_events", {}), ("distance", {}),
]


@pytest.mark.parametrize(("method", "kwargs"), EMPTY_CASES)
@pytest.mark.slow
def test_empty_results_keep_columns_and_dtypes(full_vault, method, kwargs):
    with fitvault.open(full_vault) as vault:
        full = getattr(vault, method)(**kwargs)
        empty = getattr(vault, method)("2030-01-01", "2030-01-31", **kwargs)
    assert len(full) and not len(empty)
    assert list(empty.columns) == list(full.columns)
    assert empty.dtypes.astype(str).to_dict() == full.dtypes.astype(str).to_dict()
    assert empty.index.name == full.index.name and str(empty.index.dtype) == str(full.index.dtype)


@pytest.mark.slow
def test_convert_units(full_vault):
    with fitvault.open(full_vault) as vault:
        assert vault.distance(convert=True).to_dict("list") == {"distance_km": [1.5, 2.25]}
        assert vault.weight(convert=True)["weight_kg"].tolist() == [70.0, 70.5, 71.0]
        assert vault.height(convert=True)["height_cm"].tolist() == [178.0]
        ex = vault.exercises(convert=True)
        assert ex["avg_speed_km_per_h"].tolist() == pytest.approx([10.8])
        assert ex["distance_km"].tolist() == pytest.approx([5.0]) and "distance_mm" not in ex
        converted = vault.daily(convert=True)
        assert converted.loc["2026-09-14", ["distance_km", "weight_kg"]].tolist() == [2.25, 71.0]
        assert "distance_mm" not in converted and "weight_g" not in converted


# -- a vault with one of everything ----------------------------------------------------------

def span(start: str, end: str, source: int = 1, off: int = EDT, end_off: int | None = None, **values) -> dict:
    return {"start_ms": ms(start), "source_id": source, "start_offset_s": off, "end_ms": ms(end),
            "end_offset_s": off if end_off is None else end_off, **values}


def stage(session: str, kind: str, start: str, end: str, name: str, off: int = EDT) -> dict:
    row = span(start, end, off=off, stage=name, kind=kind, session_id=session)
    del row["source_id"]
    return row


@pytest.fixture
def full_vault(tmp_path):
    s = "2026-09-13T03:00:00Z"  # 23:00 EDT on the 12th
    return make_vault(
        tmp_path / "v",
        heart_rate=[hr("2026-09-13T12:00:00Z", 60, EDT), hr("2026-09-13T12:00:00Z", 64, EDT, source=4),
                    hr("2026-09-13T12:00:05Z", 61, EDT)],
        resting_heart_rate=[{"date": "2026-09-13", "source_id": 2, "bpm": 58},
                            {"date": "2026-09-13", "source_id": 1, "bpm": 55, "calculation_method": "WITH_SLEEP"}],
        sleep_sessions=[
            dict(id="main", source_id=1, start_ms=ms(s), start_offset_s=EDT, end_ms=ms("2026-09-13T11:00:00Z"),
                 end_offset_s=EDT, sleep_type="STAGES", main_sleep=1, processed=1, minutes_in_sleep_period=480,
                 minutes_asleep=432, minutes_awake=48, minutes_to_fall_asleep=0, minutes_after_wake_up=0),
            dict(id="nap", source_id=1, start_ms=ms("2026-09-13T18:00:00Z"), start_offset_s=EDT,
                 end_ms=ms("2026-09-13T18:40:00Z"), end_offset_s=EDT, sleep_type="CLASSIC", nap=1, processed=1,
                 minutes_in_sleep_period=40, minutes_asleep=30, minutes_awake=10),
            dict(id="phone", source_id=4, start_ms=ms(s), start_offset_s=EDT, end_ms=ms("2026-09-13T10:00:00Z"),
                 end_offset_s=EDT, sleep_type="CLASSIC", minutes_in_sleep_period=420, minutes_asleep=400),
        ],
        sleep_stages=[
            stage("main", "stage", s, "2026-09-13T03:10:00Z", "AWAKE"),
            stage("main", "stage", "2026-09-13T03:10:00Z", "2026-09-13T05:00:00Z", "LIGHT"),
            stage("main", "stage", "2026-09-13T05:00:00Z", "2026-09-13T06:00:00Z", "DEEP"),
            stage("main", "stage", "2026-09-13T06:00:00Z", "2026-09-13T06:20:00Z", "AWAKE"),
            stage("main", "stage", "2026-09-13T06:20:00Z", "2026-09-13T11:00:00Z", "REM"),
            stage("main", "short_awakening", "2026-09-13T04:00:00Z", "2026-09-13T04:00:30Z", "AWAKE"),
            stage("main", "short_awakening", "2026-09-13T06:05:00Z", "2026-09-13T06:05:30Z", "AWAKE"),  # in AWAKE
            stage("nap", "stage", "2026-09-13T18:00:00Z", "2026-09-13T18:10:00Z", "AWAKE"),
            stage("nap", "stage", "2026-09-13T18:10:00Z", "2026-09-13T18:40:00Z", "ASLEEP"),
        ],
        sleep_stage_summary=[  # the API's own minutes win over the summed stages (main only)
            {"session_id": "main", "stage": s_, "minutes": m, "count": c}
            for s_, m, c in (("AWAKE", 30, 2), ("LIGHT", 110, 1), ("DEEP", 60, 1), ("REM", 280, 1))
        ],
        steps=[span("2026-09-13T12:00:00Z", "2026-09-13T12:01:00Z", count=80),
               span("2026-09-13T12:01:00Z", "2026-09-13T12:02:00Z", count=20),
               span("2026-09-14T12:00:00Z", "2026-09-14T12:01:00Z", count=15),
               span("2026-09-14T12:00:00Z", "2026-09-14T12:01:00Z", source=4, count=900)],
        daily_steps=[{"date": "2026-09-13", "source_id": 3, "count": 10000}],
        daily_distance=[{"date": "2026-09-13", "source_id": 3, "distance_mm": 1_500_000},
                        {"date": "2026-09-14", "source_id": 3, "distance_mm": 2_250_000}],
        daily_total_calories=[{"date": "2026-09-13", "source_id": 3, "calories_kcal": 2100.5}],
        active_zone_minutes=[span("2026-09-13T13:00:00Z", "2026-09-13T13:01:00Z", heart_rate_zone="FAT_BURN",
                                  active_zone_minutes=1),
                             span("2026-09-13T13:01:00Z", "2026-09-13T13:02:00Z", heart_rate_zone="CARDIO",
                                  active_zone_minutes=2)],
        active_minutes=[span("2026-09-13T13:00:00Z", "2026-09-13T13:15:00Z", light_minutes=5, moderate_minutes=7,
                             vigorous_minutes=3)],
        daily_skin_temperature=[{"date": "2026-09-13", "source_id": 1, "nightly_c": 34.25, "baseline_c": 34.0}],
        daily_hrv=[{"date": "2026-09-13", "source_id": 1, "average_hrv_ms": 41.5}],
        weight=[{"time_ms": ms("2026-09-13T11:00:00Z"), "source_id": 2, "utc_offset_s": EDT, "weight_g": 70000.0},
                {"time_ms": ms("2026-09-13T23:00:00Z"), "source_id": 2, "utc_offset_s": EDT, "weight_g": 70500.0},
                {"time_ms": ms("2026-09-14T05:00:00Z"), "source_id": 2, "utc_offset_s": EDT, "weight_g": 71000.0}],
        height=[{"time_ms": ms("2026-09-13T11:00:00Z"), "source_id": 2, "utc_offset_s": EDT, "height_mm": 1780}],
        exercises=[dict(id="run1", source_id=1, start_ms=ms("2026-09-13T22:00:00Z"), start_offset_s=EDT,
                        end_ms=ms("2026-09-13T22:30:00Z"), end_offset_s=EDT, exercise_type="RUNNING",
                        distance_mm=5_000_000, avg_speed_mm_per_s=3000.0, has_gps=1)],
        exercise_events=[{"exercise_id": "run1", "idx": 0, "time_ms": ms("2026-09-13T22:00:00Z"), "utc_offset_s": EDT,
                          "event_type": "START"}],
        exercise_tcx=[{"exercise_id": "run1", "tcx": "<TrainingCenterDatabase/>", "fetched_at": "2026-09-14T00:00:00Z"}],
        devices=[{"id": "d1", "device_version": "Charge 6", "device_type": "TRACKER", "battery_level": 80,
                  "last_sync_time": "2026-09-14T10:00:00Z", "seen_at": "2026-09-14T10:05:00Z"}],
    )


def test_per_source_samples_keep_every_device(full_vault):
    with fitvault.open(full_vault) as vault:
        got = vault.heart_rate()
        framed = vault.frame("heart_rate")
    pd.testing.assert_frame_equal(got, pd.DataFrame({
        "bpm": np.array([60, 64, 61], np.int64), "utc_offset_s": np.array([EDT] * 3, np.int64),
        "local_time": walls(["2026-09-13T08:00:00", "2026-09-13T08:00:00", "2026-09-13T08:00:05"]),
        "device": devices(["Charge 6", "Pixel 8", "Charge 6"]),
    }, index=instants(["2026-09-13T12:00:00Z", "2026-09-13T12:00:00Z", "2026-09-13T12:00:05Z"], NY)))
    assert framed["source_id"].tolist() == [1, 4, 1]
    pd.testing.assert_frame_equal(framed.drop(columns="source_id"), got)


def test_sleep_sessions_derive_efficiency_awakenings_and_stage_minutes(full_vault):
    with fitvault.open(full_vault) as vault:
        got = vault.sleep_sessions("2026-09-13", "2026-09-13")
        assert vault.sleep_sessions("2026-09-12", "2026-09-12").empty  # a night is the date of its end
    assert got["id"].tolist() == ["main", "phone", "nap"]  # by start
    main, nap, phone = (got[got["id"] == i].iloc[0] for i in ("main", "nap", "phone"))
    assert main["efficiency_pct"] == 90.0 and nap["efficiency_pct"] == 75.0
    assert main["awakenings"] == 3  # two AWAKE stages + the short awakening outside them
    assert nap["awakenings"] == 1 and phone["awakenings"] is pd.NA
    assert [main[c] for c in ("deep_minutes", "light_minutes", "rem_minutes", "awake_minutes")] == [60, 110, 280, 30]
    assert np.isnan(main["asleep_minutes"]) and np.isnan(main["restless_minutes"])
    assert [nap[c] for c in ("asleep_minutes", "awake_minutes", "restless_minutes")] == [30.0, 10.0, 0.0]
    assert np.isnan(nap["deep_minutes"]) and np.isnan(phone["awake_minutes"])
    assert got.index[0] == pd.Timestamp("2026-09-12T23:00", tz=NY) and got["date"].iloc[0] == pd.Timestamp("2026-09-13")
    assert got["main_sleep"].dtype == bool and got["minutes_to_fall_asleep"].dtype == "Int64"
    assert list(got.columns[:3]) == ["id", "end", "date"] and got.columns[-1] == "device"


def test_sleep_stages_kinds(full_vault):
    with fitvault.open(full_vault) as vault:
        staged = vault.sleep_stages("2026-09-13", "2026-09-13")
        shorts = vault.sleep_stages("2026-09-13", "2026-09-13", kinds=["short_awakening"])
        everything = vault.sleep_stages(kinds=None)
        with pytest.raises(InvalidQuery):
            vault.sleep_stages(kinds=["naps"])
    assert staged["stage"].tolist() == ["AWAKE", "LIGHT", "DEEP", "AWAKE", "REM", "AWAKE", "ASLEEP"]
    assert staged["seconds"].tolist()[:2] == [600.0, 6600.0] and set(staged["kind"]) == {"stage"}
    assert shorts["seconds"].tolist() == [30.0, 30.0] and len(everything) == 9
    assert list(staged.columns[:5]) == ["end", "session_id", "kind", "stage", "seconds"]


def test_sleep_summary_one_row_per_night(full_vault):
    with fitvault.open(full_vault) as vault:
        got = vault.sleep_summary()
    expected = pd.DataFrame({
        "main_start": instants(["2026-09-13T03:00:00Z"], NY, None).array,
        "main_end": instants(["2026-09-13T11:00:00Z"], NY, None).array,
        "efficiency_pct": [90.0], "duration_min": [480.0],
        "minutes_asleep": pd.array([432], "Int64"), "minutes_awake": pd.array([48], "Int64"),
        "awakenings": pd.array([3], "Int64"), "time_in_bed_min": pd.array([480], "Int64"),
        "deep_minutes": [60.0], "light_minutes": [110.0], "rem_minutes": [280.0], "awake_minutes": [30.0],
        "sessions": np.array([2], np.int64),  # main + nap; the phone's session is another source
        "total_minutes_asleep": pd.array([462], "Int64"),
        "main_start_local": walls(["2026-09-12T23:00"]), "main_end_local": walls(["2026-09-13T07:00"]),
    }, index=pd.DatetimeIndex(walls(["2026-09-13"]), name="date"))
    pd.testing.assert_frame_equal(got, expected)


def test_steps_per_minute_and_per_day(full_vault):
    with fitvault.open(full_vault) as vault:
        minutes = vault.steps("2026-09-13", "2026-09-13")
        days = vault.steps(freq="1D")
        with pytest.raises(InvalidQuery):
            vault.steps(freq="1h")
    assert minutes["steps"].tolist() == [80, 20]
    assert list(minutes.columns) == ["end", "steps", "utc_offset_s", "end_offset_s", "local_time", "local_end", "device"]
    assert minutes["end"].tolist() == [pd.Timestamp("2026-09-13T08:01", tz=NY), pd.Timestamp("2026-09-13T08:02", tz=NY)]
    pd.testing.assert_frame_equal(days, pd.DataFrame({
        "steps": np.array([10000, 15], np.int64),  # the 14th from the tracker's minutes, not the phone's
        "source": pd.Categorical(["rollup", "minutes"], categories=["rollup", "minutes"]),
    }, index=pd.DatetimeIndex(walls(["2026-09-13", "2026-09-14"]), name="date")))


def test_zone_and_active_minutes_per_day(full_vault):
    with fitvault.open(full_vault) as vault:
        azm = vault.active_zone_minutes(freq="1D")
        active = vault.active_minutes(freq="1D")
        intervals = vault.active_zone_minutes()
    assert azm.to_dict("records") == [{"active_zone_minutes": 3, "fat_burn_azm": 1, "cardio_azm": 2, "peak_azm": 0}]
    assert active.to_dict("records") == [{"light_minutes": 5, "moderate_minutes": 7, "vigorous_minutes": 3}]
    assert intervals["heart_rate_zone"].tolist() == ["FAT_BURN", "CARDIO"]


@pytest.mark.slow
def test_daily_has_every_metric(full_vault):
    with fitvault.open(full_vault) as vault:
        got = vault.daily()
        assert vault.daily("2026-09-14", "2026-09-14").index.tolist() == [pd.Timestamp("2026-09-14")]
    assert list(got.columns) == [
        "steps", "distance_mm", "floors", "calories_kcal", "resting_hr_bpm", "hrv_ms", "spo2_pct",
        "breathing_rate_breaths_per_min", "skin_temp_nightly_c", "skin_temp_relative_c", "vo2_max_ml_kg_min",
        "active_zone_minutes", "light_minutes", "moderate_minutes", "vigorous_minutes", "sleep_minutes_asleep",
        "sleep_efficiency_pct", "weight_g", "body_fat_pct"]
    assert got.index.tolist() == [pd.Timestamp("2026-09-13"), pd.Timestamp("2026-09-14")]
    day = got.loc["2026-09-13"]
    assert (day["steps"], day["distance_mm"], day["calories_kcal"]) == (10000, 1_500_000, 2100.5)
    assert day["resting_hr_bpm"] == 55  # the tracker over the manual entry
    assert (day["hrv_ms"], day["skin_temp_nightly_c"], day["skin_temp_relative_c"]) == (41.5, 34.25, 0.25)
    assert (day["active_zone_minutes"], day["light_minutes"], day["vigorous_minutes"]) == (3, 5, 3)
    assert (day["sleep_minutes_asleep"], day["sleep_efficiency_pct"]) == (432, 90.0)
    assert day["weight_g"] == 70500.0  # the last of the day (19:00 local)
    assert pd.isna(day["floors"]) and pd.isna(day["spo2_pct"])
    assert got.loc["2026-09-14", "weight_g"] == 71000.0 and got.loc["2026-09-14", "steps"] == 15
    # worn (steps) but no zone or active minutes earned that day: a true 0, not missing
    assert got.loc["2026-09-14", ["active_zone_minutes", "light_minutes", "vigorous_minutes"]].tolist() == [0, 0, 0]
    assert got.dtypes["steps"] == "Int64" and got.dtypes["hrv_ms"] == "float64"


def test_exercises_events_and_tcx(full_vault):
    with fitvault.open(full_vault) as vault:
        ex = vault.exercises("2026-09-13", "2026-09-13")
        events = vault.exercise_events("2026-09-13", "2026-09-13")
        assert vault.exercise_tcx("run1") == "<TrainingCenterDatabase/>" and vault.exercise_tcx("nope") is None
        assert vault.exercise_splits().empty
    assert ex["id"].tolist() == ["run1"] and ex["has_gps"].tolist() == [True]
    assert ex["date"].tolist() == [pd.Timestamp("2026-09-13")] and ex["steps"].dtype == "Int64"
    assert events[["exercise_id", "event_type"]].to_dict("records") == [{"exercise_id": "run1", "event_type": "START"}]
    assert events.index.tolist() == [pd.Timestamp("2026-09-13T18:00", tz=NY)]


# -- generic access --------------------------------------------------------------------------

def test_iter_frames_chunks_equal_the_frame(full_vault, tmp_path):
    rows = [hr(t, 60 + i, off, source=1 + 3 * (i % 2)) for i, (t, off, _l) in enumerate(SPRING + FALL)]
    rows += [hr(SPRING[0][0], 99, EST, source=4)]  # two sources at one instant
    folder = make_vault(tmp_path / "dst", heart_rate=rows)
    with fitvault.open(folder) as vault:
        whole = vault.frame("heart_rate")
        chunks = list(vault.iter_frames("heart_rate", chunk_rows=4))
        tokyo = list(vault.iter_frames("heart_rate", "2026-11-01", "2026-11-01", chunk_rows=5, tz="Asia/Tokyo"))
        nothing = list(vault.iter_frames("heart_rate", "2030-01-01", "2030-01-02"))
        sleep = list(vault.iter_frames("sleep_sessions", chunk_rows=2))
        with pytest.raises(InvalidQuery, match="unknown table"):
            vault.frame("heart_rates")
        with pytest.raises(InvalidQuery):
            vault.iter_frames("heart_rate", chunk_rows=0)
    assert [len(c) for c in chunks] == [4, 4, 4, 1] and whole["bpm"].tolist()[:2] == [60, 99]
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)
    assert [len(c) for c in tokyo] == [5, 1] and all(str(c.index.tz) == "Asia/Tokyo" for c in tokyo)
    assert len(nothing) == 1 and nothing[0].empty and list(nothing[0].columns) == list(whole.columns)
    assert len(sleep) == 1 and sleep[0].empty


def test_catalogue_devices_sources_account(full_vault):
    with fitvault.open(full_vault) as vault:
        tables = vault.tables()
        assert vault.account() == {"time_zone": NY}
        assert vault.home_zone == NY
        devs = vault.devices()
        srcs = vault.sources()
    assert tables.loc["heart_rate"].to_dict() == {
        "type_id": "heart-rate", "title": "Heart rate", "layout": "sample", "rows": 3,
        "first": pd.Timestamp("2026-09-13"), "last": pd.Timestamp("2026-09-13"),
        "last_measured": pd.Timestamp("2026-09-13")}
    assert tables.loc["sleep_sessions", "rows"] == 3 and pd.isna(tables.loc["daily_floors", "first"])
    assert tables.loc["weight", "last"] == pd.Timestamp("2026-09-14")  # 05:00Z is the 14th at 01:00 EDT
    assert devs.loc["d1", "battery_level"] == 80 and devs.loc["d1", "last_sync_time"] == pd.Timestamp(
        "2026-09-14T10:00:00Z")
    assert srcs["rank"].tolist() == [0, 3, 1, 2]  # tracker, manual last, then by id
    assert srcs.loc[4, "device"] == "Pixel 8"


def test_windows_and_read_paths_agree(tmp_path):
    from fitvault.query import _sql
    from fitvault.query._sql import Col

    rng = np.random.default_rng(3)
    t = ms("2026-09-01T00:00:00Z") + np.cumsum(rng.integers(1_000, 20_000, 3000))
    t[1500:] += 40 * 86_400_000  # a 40-day gap in the middle
    rows = [{"time_ms": int(x), "source_id": 1, "utc_offset_s": EDT, "bpm": int(b)}
            for x, b in zip(t, rng.integers(40, 200, len(t)))]
    rows.append({"time_ms": int(t[0]), "source_id": 4, "utc_offset_s": EDT, "bpm": 77})  # a tie on the key
    folder = make_vault(tmp_path / "v", heart_rate=rows)
    fast = [Col("time_ms", "time_ms", epoch=True), Col("source_id", "source_id"), Col("bpm", "bpm")]
    general = fast[:2] + [Col("bpm", "bpm", nullable=True)]  # a nullable column forces fetchall
    conn = sqlite3.connect(f"file:{folder / 'vault.sqlite'}?mode=ro", uri=True)
    try:
        sample_blocks.materialize(conn)  # the generic SQL reader reads rows: temp.heart_rate

        def read(cols, **kw):
            parts = list(_sql.read_chunks(conn, cols, "heart_rate", order="time_ms, source_id", key="time_ms", **kw))
            return parts, _sql.concat(parts, cols)

        exact_parts, exact = read(fast, chunk_rows=700, exact=True)
        adaptive_parts, adaptive = read(fast, chunk_rows=700, exact=False)
        _, slow = read(general, chunk_rows=700, exact=True)
        ones, _ = read(fast, chunk_rows=1, exact=True, span=(int(t[0]), int(t[3])))
    finally:
        conn.close()
    assert [len(p["bpm"]) for p in exact_parts] == [700, 700, 700, 700, 201]
    assert [len(p["bpm"]) for p in ones] == [2, 1, 1]  # two rows share the first key
    assert len(adaptive_parts) > 3 and max(len(p["bpm"]) for p in adaptive_parts) < 700 * 8
    expected_t = np.sort(np.r_[t, t[0]])
    for got in (exact, adaptive):
        np.testing.assert_array_equal(got["time_ms"], expected_t)
        np.testing.assert_array_equal(got["bpm"], slow["bpm"].to_numpy(dtype=np.int64))
    assert exact["source_id"][:2].tolist() == [1, 4] and slow["bpm"].dtype == "Int64"
