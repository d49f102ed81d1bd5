"""Exports: CSV (tidy and per-day), Excel and Parquet read back equal to the vault rows.

The vault is built with exact SQL rows around New York's 2026 DST changes (spring forward
2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z; fall back 2026-11-01 02:00 EDT -> 01:00 EST at
06:00Z) and a trip to Tokyo (UTC+9).
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from support.heart_rows import insert_heart_rate

from fitvault import timeutil
from fitvault.datatypes.tables import TABLES_BY_NAME, Table
from fitvault.errors import ConfigError, StoreError
from fitvault.export import excel as excel_module
from fitvault.export import export_csv, export_excel, export_parquet, export_per_day
from fitvault.export.common import ExportProgress
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault

EST, EDT, JST = -18000, -14400, 32400
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms(text: str) -> int:
    return timeutil.parse_instant_ms(text)


SOURCES = [
    (1, "google-health-api", "FITBIT", "Charge 6", "Google", "WRIST", "PASSIVELY_MEASURED", ""),
    (2, "google-health-api", "HEALTH_CONNECT", "Pixel Watch 3", "Google", "WRIST", "PASSIVELY_MEASURED", ""),
    (3, "google-health-api", "FITBIT", "", "", "", "DERIVED", "dailyRollUp"),
]
HEART = [
    ("2026-03-08T04:59:59Z", 1, EST, 61),  # 23:59:59 on 7 March, local: not 8 March
    ("2026-03-08T05:00:00Z", 1, EST, 60),
    ("2026-03-08T06:59:58Z", 1, EST, 58),
    ("2026-03-08T07:00:03Z", 1, EDT, 59),  # the clock jumped 02:00 -> 03:00
    ("2026-03-08T07:00:03Z", 2, EDT, 62),  # a second device, same instant
    ("2026-11-01T05:30:00Z", 1, EDT, 55),
    ("2026-11-01T05:59:59Z", 1, EDT, 56),
    ("2026-11-01T06:00:00Z", 1, EST, 57),  # 01:00 again
    ("2026-11-01T06:30:00Z", 1, EST, 54),
    ("2026-11-12T01:00:00Z", 1, JST, 70),  # Tokyo
    ("2026-11-12T01:00:00.250Z", 1, JST, 71),
]
STEPS = [
    ("2026-03-08T06:59:00Z", 1, EST, "2026-03-08T07:00:00Z", EDT, 12),
    ("2026-03-08T07:00:00Z", 1, EDT, "2026-03-08T07:01:00Z", EDT, 30),
    ("2026-11-12T01:00:00Z", 1, JST, "2026-11-12T01:01:00Z", JST, 0),
]
RESTING = [("2026-03-07", 1, 58, "WITH_SLEEP"), ("2026-03-08", 1, 57, None), ("2026-03-08", 2, 59, "ONLY_WITH_AWAKE_DATA")]
DAILY_STEPS = [("2026-03-08", 3, 8123), ("2026-11-01", 3, 10500)]
SESSIONS = [
    # A nap across the spring-forward change: 01:55 EST .. 03:05 EDT.
    ("s1", 1, "2026-03-08T06:55:00Z", EST, "2026-03-08T07:05:00Z", EDT, "STAGES", 0, 1, 1, "SUCCEEDED", 0,
     10, 7, 3, 0, 0, "2026-03-08T07:10:00Z", "2026-03-08T07:20:00.5Z"),
    # A night in Tokyo: 22:00 .. 06:00 (+09:00), the night of 12 November.
    ("s2", 1, "2026-11-11T13:00:00Z", JST, "2026-11-11T21:00:00Z", JST, "STAGES", 1, 0, 1, "SUCCEEDED", 0,
     480, 450, 30, 5, 0, None, None),
]
STAGES = [
    ("s1", "stage", "2026-03-08T06:55:00Z", EST, "2026-03-08T06:58:00Z", EST, "LIGHT"),
    ("s1", "stage", "2026-03-08T06:58:00Z", EST, "2026-03-08T07:02:30Z", EDT, "DEEP"),
    ("s1", "stage", "2026-03-08T07:02:30Z", EDT, "2026-03-08T07:05:00Z", EDT, "AWAKE"),
    ("s1", "short_awakening", "2026-03-08T06:56:10Z", EST, "2026-03-08T06:56:40Z", EST, "AWAKE"),
    ("s2", "stage", "2026-11-11T13:00:00Z", JST, "2026-11-11T17:00:00Z", JST, "LIGHT"),
    ("s2", "stage", "2026-11-11T17:00:00Z", JST, "2026-11-11T20:30:00Z", JST, "REM"),
    ("s2", "stage", "2026-11-11T20:30:00Z", JST, "2026-11-11T21:00:00Z", JST, "AWAKE"),
]
STAGE_SUMMARY = [("s1", "LIGHT", 3, 1), ("s1", "DEEP", 4, 1), ("s1", "AWAKE", 3, 1),
                 ("s2", "LIGHT", 240, 1), ("s2", "REM", 210, 1), ("s2", "AWAKE", 30, 1)]
HRV = [("2026-03-08T07:00:00Z", 1, EDT, 35.5, None, 512.25, 388.0)]
SPO2 = [("2026-11-12T01:00:00Z", 1, JST, 97.5)]
WEIGHT = [("2026-03-08T12:00:00Z", 1, EDT, "w1", 72500.0, 'after a run, "tired", ü; =1+1')]
ZONES = [("2026-03-08", 1, "CARDIO", 120, 150), ("2026-03-08", 1, "FAT_BURN", 100, 120)]
# A run in Tokyo, with a split and two events.
EXERCISE = ("e1", 2, "2026-11-12T00:00:00Z", JST, "2026-11-12T00:30:00Z", JST, "RUNNING", "Morning run", 1790.5,
            301.25, 5012345.0, 4800, 0.359, 2786.1, 152, 24, 1)
SPLITS = [("e1", "split", 0, "DISTANCE", "2026-11-12T00:00:00Z", JST, "2026-11-12T00:06:00Z", JST, 360.0, 60.5,
           1000000.0, 960, 148, 0.36)]
EVENTS = [("e1", 0, "2026-11-12T00:00:00Z", JST, "START"), ("e1", 1, "2026-11-12T00:30:00Z", JST, "STOP")]
EXPORTED = ["heart_rate", "resting_heart_rate", "sleep_sessions", "sleep_stages", "steps", "daily_steps", "hrv",
            "spo2", "weight", "exercises", "exercise_splits", "exercise_events", "daily_heart_rate_zones"]


@pytest.fixture(scope="module")
def vault_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("vault")
    with Vault(root) as vault, vault.transaction() as conn:
        conn.executemany("INSERT INTO sources (id, origin, platform, device, manufacturer, form_factor, "
                         "recording_method, application) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", SOURCES)
        insert_heart_rate(conn, [(ms(t), *r) for t, *r in HEART])
        conn.executemany("INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?)",
                         [(ms(a), s, o, ms(b), p, c) for a, s, o, b, p, c in STEPS])
        conn.executemany("INSERT INTO resting_heart_rate VALUES (?, ?, ?, ?)", RESTING)
        conn.executemany("INSERT INTO daily_steps VALUES (?, ?, ?)", DAILY_STEPS)
        conn.executemany(
            "INSERT INTO sleep_sessions (id, source_id, start_ms, start_offset_s, end_ms, end_offset_s, sleep_type, "
            "main_sleep, nap, processed, stages_status, manually_edited, minutes_in_sleep_period, minutes_asleep, "
            "minutes_awake, minutes_to_fall_asleep, minutes_after_wake_up, create_time, update_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, s, ms(a), o, ms(b), p, *rest) for i, s, a, o, b, p, *rest in SESSIONS])
        conn.executemany("INSERT INTO sleep_stages VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(i, k, ms(a), o, ms(b), p, st) for i, k, a, o, b, p, st in STAGES])
        conn.executemany("INSERT INTO sleep_stage_summary VALUES (?, ?, ?, ?)", STAGE_SUMMARY)
        conn.executemany("INSERT INTO hrv VALUES (?, ?, ?, ?, ?, ?, ?)", [(ms(t), *r) for t, *r in HRV])
        conn.executemany("INSERT INTO spo2 VALUES (?, ?, ?, ?)", [(ms(t), *r) for t, *r in SPO2])
        conn.executemany("INSERT INTO weight VALUES (?, ?, ?, ?, ?, ?)", [(ms(t), *r) for t, *r in WEIGHT])
        conn.executemany("INSERT INTO daily_heart_rate_zones VALUES (?, ?, ?, ?, ?)", ZONES)
        i, src, a, o, b, q, *rest = EXERCISE
        conn.execute(
            "INSERT INTO exercises (id, source_id, start_ms, start_offset_s, end_ms, end_offset_s, exercise_type, "
            "display_name, active_duration_s, calories_kcal, distance_mm, steps, avg_pace_s_per_m, avg_speed_mm_per_s, "
            "avg_hr_bpm, active_zone_minutes, has_gps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (i, src, ms(a), o, ms(b), q, *rest))
        conn.executemany(
            "INSERT INTO exercise_splits (exercise_id, kind, idx, split_type, start_ms, start_offset_s, end_ms, "
            "end_offset_s, active_duration_s, calories_kcal, distance_mm, steps, avg_hr_bpm, avg_pace_s_per_m) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e, k, n, t, ms(a), o, ms(b), q, *rest) for e, k, n, t, a, o, b, q, *rest in SPLITS])
        conn.executemany("INSERT INTO exercise_events VALUES (?, ?, ?, ?, ?)",
                         [(e, n, ms(t), o, kind) for e, n, t, o, kind in EVENTS])
    return root


# -- the vault's rows, and the same rows decoded from each format ----------------------------

DEVICES = {s[3]: s[0] for s in SOURCES}
TIME_PAIRS = {"sample": [("time_ms", "utc_offset_s")], "event": [("time_ms", "utc_offset_s")],
              "interval": [("start_ms", "start_offset_s"), ("end_ms", "end_offset_s")],
              "session": [("start_ms", "start_offset_s"), ("end_ms", "end_offset_s")],
              "child": [("start_ms", "start_offset_s"), ("end_ms", "end_offset_s")]}


def vault_rows(vault_dir: Path, table: Table) -> list[dict]:
    """Every row of a table as {column: value}, keyed like the vault, in export order."""
    import sqlite3

    conn = sqlite3.connect(vault_dir / "vault.sqlite")
    conn.row_factory = sqlite3.Row
    cols = [c for pair in TIME_PAIRS.get(table.layout, []) for c in pair]
    cols += ["date"] if table.layout in ("daily", "rollup", "session") else []
    cols += ["id"] if table.layout == "session" else []
    cols += [table.parent[1]] if table.parent else ["source_id"]
    cols += list(table.column_names)
    order = {"sample": "time_ms, source_id", "interval": "start_ms, source_id", "daily": "date, source_id, "
             + ("zone" if "zone" in table.column_names else "1"), "rollup": "date", "session": "start_ms, id",
             "child": f"start_ms, {table.parent[1] if table.parent else ''}, kind"
             + (", idx" if "idx" in table.column_names else ""),
             "event": f"time_ms, {table.parent[1] if table.parent else ''}, idx"}[table.layout]
    if table.name == "heart_rate":  # stored as day blocks: read as rows through temp.heart_rate
        sample_blocks.materialize(conn)
    rows = [dict(r) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {table.name} ORDER BY {order}")]
    conn.close()
    return rows


def _ms_of(value) -> int:
    if isinstance(value, str):
        return ms(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return (value - EPOCH) // timedelta(milliseconds=1)


def _offset_of(text: str) -> int:
    sign = -1 if text[0] == "-" else 1
    return sign * (int(text[1:3]) * 3600 + int(text[4:6]) * 60)


def _value(kind: str, value):
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    if kind in ("int", "bool"):
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def _date_of(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime) or hasattr(value, "to_pydatetime"):
        return value.strftime("%Y-%m-%d")
    return value.isoformat()


def decode(table: Table, record: dict, how: str) -> dict:
    """A row read from an export, back in vault terms. ``how``: csv, excel or arrow."""
    row: dict = {}
    for i, (ms_col, off_col) in enumerate(TIME_PAIRS.get(table.layout, [])):
        prefix = "end_" if i else ""
        if how == "csv":
            local = datetime.fromisoformat(record[f"{prefix}local_time"])
            instant = _ms_of(record[f"{prefix}utc_time"])
            assert _ms_of(local.astimezone(UTC)) == instant
            row[ms_col], row[off_col] = instant, int(local.utcoffset().total_seconds())
        elif how == "excel":
            offset = _offset_of(record[f"{prefix}utc_offset"])
            local = record[f"{prefix}local_time"].replace(tzinfo=UTC)
            row[ms_col], row[off_col] = round((local - EPOCH) / timedelta(milliseconds=1)) - offset * 1000, offset
        else:
            instant = _ms_of(record[f"{prefix}utc_time"])
            offset = record[f"{prefix}utc_offset_s"]
            local = record[f"{prefix}local_time"]
            assert _ms_of(local.replace(tzinfo=UTC)) == instant + offset * 1000
            row[ms_col], row[off_col] = instant, offset
    if table.layout in ("daily", "rollup", "session"):
        row["date"] = _date_of(record["date"])
    if table.layout == "session":
        row["id"] = record["id"]
    if table.parent:
        row[table.parent[1]] = record[table.parent[1]]
    else:
        row["source_id"] = DEVICES[record["device"] or ""]
    for c in table.columns:
        row[c.name] = _value(c.kind, record[c.name])
    return row


def expected(vault_dir: Path, table: Table) -> list[dict]:
    return [{k: (_value(next((c.kind for c in table.columns if c.name == k), "text"), v)
                 if k in table.column_names else v) for k, v in r.items()} for r in vault_rows(vault_dir, table)]


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_round_trip_equals_the_vault(vault_dir, tmp_path):
    calls: list[ExportProgress] = []
    result = export_csv(vault_dir, tmp_path, chunk_rows=3, progress=calls.append)
    assert sorted(i.table for i in result.items if i.table != "sleep_summary") == sorted(EXPORTED)
    for name in EXPORTED:
        table = TABLES_BY_NAME[name]
        with open(tmp_path / f"{name}.csv", encoding="utf-8", newline="") as fh:
            records = list(csv.DictReader(fh))
        assert [decode(table, r, "csv") for r in records] == expected(vault_dir, table), name
    item = {i.table: i for i in result.items}["heart_rate"]
    assert (item.rows, item.path) == (len(HEART), tmp_path / "heart_rate.csv")
    heart = [c for c in calls if c.table == "heart_rate"]
    # heart rate is read from its day blocks: a chunk ends at the first UTC day past chunk_rows
    assert [c.done for c in heart] == [0, 5, 9, 11] and {c.total for c in heart} == {11}
    assert "no rows in range" in " ".join(result.notes)  # e.g. vo2_max: nothing written
    assert not (tmp_path / "vo2_max.csv").exists()


def test_csv_lines_are_exact(vault_dir, tmp_path):
    export_csv(vault_dir, tmp_path, types="heart-rate,steps,weight")
    assert (tmp_path / "heart_rate.csv").read_text(encoding="utf-8").splitlines()[:6] == [
        "local_time,utc_time,device,bpm",
        "2026-03-07T23:59:59-05:00,2026-03-08T04:59:59Z,Charge 6,61",
        "2026-03-08T00:00:00-05:00,2026-03-08T05:00:00Z,Charge 6,60",
        "2026-03-08T01:59:58-05:00,2026-03-08T06:59:58Z,Charge 6,58",
        "2026-03-08T03:00:03-04:00,2026-03-08T07:00:03Z,Charge 6,59",
        "2026-03-08T03:00:03-04:00,2026-03-08T07:00:03Z,Pixel Watch 3,62",
    ]
    assert (tmp_path / "heart_rate.csv").read_text().splitlines()[-1] == \
        "2026-11-12T10:00:00.250+09:00,2026-11-12T01:00:00.250Z,Charge 6,71"
    assert (tmp_path / "steps.csv").read_text().splitlines()[:2] == [
        "local_time,utc_time,end_local_time,end_utc_time,device,count",
        "2026-03-08T01:59:00-05:00,2026-03-08T06:59:00Z,2026-03-08T03:00:00-04:00,2026-03-08T07:00:00Z,Charge 6,12",
    ]
    assert (tmp_path / "weight.csv").read_text(encoding="utf-8").splitlines()[1] == \
        '2026-03-08T08:00:00-04:00,2026-03-08T12:00:00Z,Charge 6,w1,72500.0,"after a run, ""tired"", ü; =1+1"'
    # No sleep among the types: no sleep summary either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daily_steps.csv", "heart_rate.csv", "steps.csv", "weight.csv"]


def test_dates_are_local_and_inclusive(vault_dir, tmp_path):
    result = export_csv(vault_dir, tmp_path, types=["heart_rate", "sleep", "daily-resting-heart-rate"],
                        start="2026-03-08", end=date(2026, 3, 8))
    rows = {i.table: i.rows for i in result.items}
    # 23:59:59 EST on 7 March is 04:59:59Z on 8 March: not in the local day.
    assert rows["heart_rate"] == 4 and rows["sleep_sessions"] == 1 and rows["sleep_stages"] == 4
    assert rows["resting_heart_rate"] == 2
    nov = export_csv(vault_dir, tmp_path / "nov", types="heart-rate", start="2026-11-01", end="2026-11-01")
    assert {i.table: i.rows for i in nov.items}["heart_rate"] == 4


def test_unknown_types_and_bad_dates_are_clear_errors(vault_dir, tmp_path):
    with pytest.raises(ConfigError, match="unknown type.*heart-rat\\b.*heart-rate"):
        export_csv(vault_dir, tmp_path, types="heart-rat")
    with pytest.raises(ConfigError, match="2026-13-01"):
        export_parquet(vault_dir, tmp_path, start="2026-13-01")
    with pytest.raises(ConfigError, match="after"):
        export_excel(vault_dir, tmp_path, start="2026-03-09", end="2026-03-08")
    with pytest.raises(StoreError, match="no vault"):
        export_csv(tmp_path / "nothing", tmp_path)
    with pytest.raises(ConfigError, match="per-day covers: heart-rate, sleep"):
        export_per_day(vault_dir, tmp_path, types="weight")


@pytest.mark.slow
def test_sleep_summary_in_every_format(vault_dir, tmp_path):
    import openpyxl
    import pandas as pd

    result = export_csv(vault_dir, tmp_path / "csv", types="sleep")
    with open(tmp_path / "csv" / "sleep_summary.csv", encoding="utf-8", newline="") as fh:
        nights = list(csv.DictReader(fh))
    picked = ["date", "main_start", "main_end", "efficiency_pct", "duration_min", "minutes_asleep", "minutes_awake",
              "time_in_bed_min", "deep_minutes", "light_minutes", "rem_minutes", "awake_minutes"]
    assert [[n[k] for k in picked] for n in nights] == [
        ["2026-03-08", "2026-03-08T01:55:00-05:00", "2026-03-08T03:05:00-04:00", "70.0", "10.0", "7", "3", "10",
         "4.0", "3.0", "0.0", "3.0"],
        ["2026-11-12", "2026-11-11T22:00:00+09:00", "2026-11-12T06:00:00+09:00", "93.75", "480.0", "450", "30", "480",
         "0.0", "240.0", "210.0", "30.0"],
    ]
    assert "awakenings" in nights[0] and {i.table: i.rows for i in result.items}["sleep_summary"] == 2

    export_parquet(vault_dir, tmp_path / "pq", types="sleep", start="2026-11-01")
    frame = pd.read_parquet(tmp_path / "pq" / "sleep_summary")
    assert frame.loc[0, ["main_start_utc_offset_s", "minutes_asleep"]].tolist() == [32400, 450]
    assert frame.loc[0, "main_start"] == pd.Timestamp("2026-11-11 13:00", tz="UTC")
    assert frame.loc[0, "main_start_local"] == pd.Timestamp("2026-11-11 22:00")

    export_excel(vault_dir, tmp_path / "x", types="heart-rate,sleep")
    wb = openpyxl.load_workbook(tmp_path / "x" / "fitvault.xlsx", read_only=True)
    assert wb.sheetnames[:2] == ["Daily summary", "Sleep summary"]
    night = _sheet_records(wb, "Sleep summary")[0]
    assert (night["date"], night["main_start_local"], night["main_start_utc_offset"], night["main_end_utc_offset"]) \
        == (datetime(2026, 3, 8), datetime(2026, 3, 8, 1, 55), "-05:00", "-04:00")
    days = {d["date"]: d for d in _sheet_records(wb, "Daily summary")}
    assert days[datetime(2026, 3, 8)]["steps"] == 8123 and days[datetime(2026, 3, 8)]["resting_hr_bpm"] == 57
    assert days[datetime(2026, 3, 7)]["steps"] is None  # missing stays empty, not "<NA>"
    dictionary = _sheet_records(wb, "Data dictionary")
    assert {"sheet": "Sleep summary", "column": "efficiency_pct", "unit": "%",
            "meaning": "minutes asleep / time in bed × 100 (computed: the API has no efficiency score)"} in dictionary
    wb.close()
    export_parquet(vault_dir, tmp_path / "hr", types="heart-rate")
    assert not (tmp_path / "hr" / "sleep_summary").exists()


# -- per-day -----------------------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_per_day_files_of_dst_days(vault_dir, tmp_path):
    result = export_csv(vault_dir, tmp_path, per_day=True)
    assert _lines(tmp_path / "heart" / "heart20260308.csv") == [
        "Time,Heart Rate", "00:00:00,60", "01:59:58,58", "03:00:03,59", "03:00:03,62",
    ]
    assert _lines(tmp_path / "heart" / "heart20260307.csv") == ["Time,Heart Rate", "23:59:59,61"]
    assert _lines(tmp_path / "heart" / "heart20261101.csv") == [
        "Time,Heart Rate", "01:30:00,55", "01:59:59,56", "01:00:00,57", "01:30:00,54",
    ]
    assert _lines(tmp_path / "heart" / "heart20261112.csv") == ["Time,Heart Rate", "10:00:00,70", "10:00:00.250,71"]
    # The nap across the change: no minute in the skipped hour 02:00-02:59.
    assert _lines(tmp_path / "sleep" / "sleep20260308.csv") == [
        "Time,State,Interpreted",
        "01:55:00,1,Asleep", "01:56:00,2,Awake", "01:57:00,1,Asleep", "01:58:00,1,Asleep", "01:59:00,1,Asleep",
        "03:00:00,1,Asleep", "03:01:00,1,Asleep", "03:02:00,1,Asleep", "03:03:00,3,Very Awake",
        "03:04:00,3,Very Awake",
    ]
    tokyo = _lines(tmp_path / "sleep" / "sleep20261112.csv")  # the night of the 12th starts on the 11th
    assert (tokyo[1], tokyo[240], tokyo[241], tokyo[-1], len(tokyo)) == (
        "22:00:00,1,Asleep", "01:59:00,1,Asleep", "02:00:00,1,Asleep", "05:59:00,3,Very Awake", 481)
    assert _lines(tmp_path / "steps" / "steps20260308.csv") == ["Time,Steps", "01:59:00,12", "03:00:00,30"]
    assert _lines(tmp_path / "hrv" / "hrv20260308.csv") == ["Time,RMSSD,SDNN,LF,HF", "03:00:00,35.5,,512.25,388.0"]
    assert _lines(tmp_path / "spo2" / "spo220261112.csv") == ["Time,SpO2", "10:00:00,97.5"]
    items = {i.table: i for i in result.items}
    assert (items["heart_rate"].rows, items["heart_rate"].files) == (11, 4)
    assert (items["sleep_sessions"].rows, items["sleep_sessions"].files) == (490, 2)
    assert not (tmp_path / "azm").exists()  # no rows: no folder


def test_sleep_minutes_of_classic_sleep_with_a_gap():
    from types import SimpleNamespace

    from fitvault.export.per_day import sleep_minutes

    t0 = ms("2026-06-01T04:00:30Z")  # 00:00:30 EDT: rows keep the seconds of the start

    def part(kind, a, b, stage):
        return (kind, t0 + a * 60_000, EDT, t0 + b * 60_000, EDT, stage)

    parts = [part("stage", 0, 2, "ASLEEP"), part("stage", 2, 3, "RESTLESS"), part("stage", 4, 5, "AWAKE"),
             part("stage", 5, 6, "UNKNOWN"), part("out_of_bed", 0.5, 0.6, "AWAKE"),
             part("out_of_bed", 3.2, 3.4, "AWAKE")]  # the second overlays the uncovered minute only
    rows = sleep_minutes(SimpleNamespace(present=set()), (t0, EDT, t0 + 6 * 60_000, EDT), parts)
    assert rows == [("00:00:30", 3, "Very Awake"), ("00:01:30", 1, "Asleep"), ("00:02:30", 2, "Awake"),
                    ("00:04:30", 3, "Very Awake")]


def test_per_day_reopens_a_day_after_travelling_west(vault_dir, tmp_path):
    # Tokyo 10:00 on the 12th is 01:00Z; New York 22:00 on the 11th is 03:00Z, later in UTC.
    from fitvault.export.per_day import _DayFiles

    files = _DayFiles(tmp_path, "heart", ("Time", "Heart Rate"))
    for day, row in [("20261112", ("10:00:00", 70)), ("20261111", ("22:00:00", 64)), ("20261112", ("23:00:00", 66))]:
        files.write(day, row)
    files.close()
    assert _lines(tmp_path / "heart20261112.csv") == ["Time,Heart Rate", "10:00:00,70", "23:00:00,66"]
    assert _lines(tmp_path / "heart20261111.csv") == ["Time,Heart Rate", "22:00:00,64"]


# -- Excel -------------------------------------------------------------------------------------


def _sheet_records(wb, name: str) -> list[dict]:
    rows = list(wb[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_excel_round_trip_equals_the_vault(vault_dir, tmp_path):
    import openpyxl

    result = export_excel(vault_dir, tmp_path, chunk_rows=4)
    path = tmp_path / "fitvault.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True)
    for name in EXPORTED:
        table = TABLES_BY_NAME[name]
        assert [decode(table, r, "excel") for r in _sheet_records(wb, name)] == expected(vault_dir, table), name
    first = _sheet_records(wb, "heart_rate")[0]
    assert first == {"local_time": datetime(2026, 3, 7, 23, 59, 59), "utc_offset": "-05:00", "device": "Charge 6",
                     "bpm": 61}
    assert _sheet_records(wb, "resting_heart_rate")[0]["date"] == datetime(2026, 3, 7)
    assert wb.sheetnames[-1] == "Data dictionary"
    dictionary = _sheet_records(wb, "Data dictionary")
    assert {"sheet": "heart_rate", "column": "bpm", "unit": "bpm", "meaning": "heart rate sample"} in dictionary
    assert any(d["sheet"] == "steps" and d["column"] == "end_utc_offset" for d in dictionary)
    wb.close()
    assert {i.table: i.sheets for i in result.items}["heart_rate"] == ("heart_rate",)
    import pandas as pd

    frame = pd.read_excel(path, sheet_name="spo2")
    assert frame.loc[0, "local_time"] == pd.Timestamp("2026-11-12 10:00:00") and frame.loc[0, "spo2_pct"] == 97.5


@pytest.mark.slow
def test_excel_continues_a_long_table_on_more_sheets(vault_dir, tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(excel_module, "EXCEL_MAX_ROWS", 4)  # header + 3 rows per sheet
    result = export_excel(vault_dir, tmp_path, types="heart-rate", chunk_rows=2)
    sheets = ("heart_rate", "heart_rate (2)", "heart_rate (3)", "heart_rate (4)")
    item = {i.table: i for i in result.items}["heart_rate"]
    assert (item.sheets, item.rows) == (sheets, 11)
    assert any("continued on heart_rate (2), heart_rate (3), heart_rate (4)" in n for n in result.notes)
    wb = openpyxl.load_workbook(tmp_path / "fitvault.xlsx", read_only=True)
    records = [r for s in sheets for r in _sheet_records(wb, s)]
    assert [len(_sheet_records(wb, s)) for s in sheets] == [3, 3, 3, 2]
    table = TABLES_BY_NAME["heart_rate"]
    assert [decode(table, r, "excel") for r in records] == expected(vault_dir, table)
    wb.close()
    assert excel_module.sheet_name("daily_skin_temperature_longer_name", 12) == "daily_skin_temperature_lon (12)"


# -- Parquet -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_parquet_round_trip_with_pandas_polars_and_duckdb(vault_dir, tmp_path):
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow.parquet as pq

    result = export_parquet(vault_dir, tmp_path, chunk_rows=3)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "heart_rate").rglob("*.parquet")) == \
        ["heart_rate/year=2026/part-0.parquet"]
    assert (tmp_path / "resting_heart_rate" / "part-0.parquet").is_file()
    for name in EXPORTED:
        table = TABLES_BY_NAME[name]
        want = expected(vault_dir, table)
        folder = tmp_path / name
        frame = pd.read_parquet(folder)
        assert [decode(table, r, "arrow") for r in frame.to_dict("records")] == want, f"pandas {name}"
        pol = pl.read_parquet(f"{folder}/**/*.parquet", hive_partitioning=True)
        assert [decode(table, r, "arrow") for r in pol.to_dicts()] == want, f"polars {name}"
        rel = duckdb.sql(f"SELECT * FROM read_parquet('{folder}/**/*.parquet', hive_partitioning=true)")
        ddb = rel.to_arrow_table().to_pylist()  # fetchall() would need pytz for TIMESTAMPTZ
        assert [decode(table, r, "arrow") for r in ddb] == want, f"duckdb {name}"
    schema = pq.read_schema(tmp_path / "heart_rate" / "year=2026" / "part-0.parquet")
    assert str(schema.field("utc_time").type) == "timestamp[ms, tz=UTC]"
    assert str(schema.field("local_time").type) == "timestamp[ms]"
    assert str(schema.field("utc_offset_s").type) == "int32"
    assert schema.field("bpm").metadata == {b"unit": b"bpm", b"meaning": b"heart rate sample"}
    info = json.loads(schema.metadata[b"fitvault"])
    assert (info["table"], info["layout"], info["type_id"]) == ("heart_rate", "sample", "heart-rate")
    assert str(pq.read_schema(tmp_path / "sleep_sessions" / "part-0.parquet").field("main_sleep").type) == "bool"
    assert {i.table: i.files for i in result.items}["heart_rate"] == 1


@pytest.mark.slow
def test_parquet_partitions_by_local_year(vault_dir, tmp_path):
    # New Year's Eve in New York is already 2027 in UTC: the partition follows the local year.
    import pandas as pd

    root = tmp_path / "vault"
    with Vault(root) as vault, vault.transaction() as conn:
        conn.execute("INSERT INTO sources (id, origin) VALUES (1, 'google-health-api')")
        insert_heart_rate(conn, [
            (ms("2027-01-01T04:30:00Z"), 1, EST, 60), (ms("2027-01-01T05:30:00Z"), 1, EST, 61),
            (ms("2027-01-01T06:00:00Z"), 1, JST, 62)])
    export_parquet(root, tmp_path / "out", chunk_rows=2)
    frame = pd.read_parquet(tmp_path / "out" / "heart_rate" / "year=2026")
    assert frame["bpm"].tolist() == [60]
    assert pd.read_parquet(tmp_path / "out" / "heart_rate" / "year=2027")["bpm"].tolist() == [61, 62]
    assert (tmp_path / "out" / "heart_rate" / "year=2027" / "part-0.parquet").is_file()
    # A second export replaces the first's folder, never mixing old and new files.
    (tmp_path / "out" / "heart_rate" / "year=2025").mkdir()
    (tmp_path / "out" / "heart_rate" / "year=2025" / "part-0.parquet").write_bytes(b"old")
    export_parquet(root, tmp_path / "out", start="2027-01-01")
    assert sorted(p.name for p in (tmp_path / "out" / "heart_rate").iterdir()) == ["year=2027"]
    # A folder holding anything else is refused, not deleted.
    (tmp_path / "out" / "heart_rate" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="refusing"):
        export_parquet(root, tmp_path / "out")
    assert (tmp_path / "out" / "heart_rate" / "notes.txt").read_text() == "mine"


# -- CLI ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_exports_and_reports(vault_dir, tmp_path):
    from click.testing import CliRunner

    from fitvault.cli import export  # noqa: F401 - registers the command
    from fitvault.cli.main import cli

    out = tmp_path / "csv"
    result = CliRunner().invoke(cli, ["--vault", str(vault_dir), "export", "csv", "--types", "heart-rate,sleep",
                                      "--from", "2026-03-08", "--to", "2026-11-30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "heart_rate" in result.output and "10" in result.output  # 10 rows from 8 March on
    assert (out / "heart_rate.csv").is_file() and (out / "sleep_stages.csv").is_file()
    per_day = CliRunner().invoke(cli, ["--vault", str(vault_dir), "export", "csv", "--per-day", "--types",
                                       "heart-rate", "--out", str(tmp_path / "days")])
    assert per_day.exit_code == 0, per_day.output
    assert (tmp_path / "days" / "heart" / "heart20260308.csv").is_file()
    xlsx = CliRunner().invoke(cli, ["--vault", str(vault_dir), "export", "xlsx", "--types", "weight",
                                    "--out", str(tmp_path / "x")])
    assert xlsx.exit_code == 0, xlsx.output
    assert (tmp_path / "x" / "fitvault.xlsx").is_file()


def test_cli_errors_have_clean_messages_and_codes(vault_dir, tmp_path):
    from click.testing import CliRunner

    from fitvault.cli import export  # noqa: F401 - registers the command
    from fitvault.cli.main import cli

    bad = CliRunner().invoke(cli, ["--vault", str(vault_dir), "export", "parquet", "--types", "hart-rate",
                                   "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert "unknown type(s): hart-rate" in bad.output and "heart-rate" in bad.output
    assert "Traceback" not in bad.output
    missing = CliRunner().invoke(cli, ["--vault", str(tmp_path / "none"), "export", "csv", "--out", str(tmp_path)])
    assert missing.exit_code == 5 and "no vault" in missing.output
    assert not (tmp_path / "none").exists()  # an export never creates a vault
    per_day_xlsx = CliRunner().invoke(cli, ["--vault", str(vault_dir), "export", "xlsx", "--per-day",
                                            "--out", str(tmp_path)])
    assert per_day_xlsx.exit_code == 2 and "--per-day" in per_day_xlsx.output
    no_out = CliRunner().invoke(cli, ["--vault", str(vault_dir), "export", "csv"])
    assert no_out.exit_code == 2 and "--out" in no_out.output
    helped = CliRunner().invoke(cli, ["export", "--help"])
    assert helped.exit_code == 0 and "body-fat" in helped.output  # the epilog lists type ids whole
    for option in ("--types", "--from", "--to", "--per-day", "--out"):
        assert option in helped.output
    assert all(p.help for p in cli.commands["export"].params if p.param_type_name == "option")


def test_text_columns_read_in_one_scan_keep_every_value(tmp_path):
    """activity_level's NOT NULL text goes through one group_concat scan (export/columns.py):
    quotes, commas, non-ASCII and empty text come out as stored, in key order (two devices at
    one instant, inserted in reverse); a window whose text holds the separator byte is read
    the plain way and comes out the same."""
    import pyarrow.parquet as pq

    levels = ['SEDENTARY', 'say "hi", ok', 'ünïcode ✓', '', 'odd\x1fbyte', 'LIGHTLY_ACTIVE']
    starts = ["2026-01-05T10:00:00Z", "2026-01-05T10:01:00Z", "2026-01-05T10:01:00Z", "2026-01-05T10:02:00Z",
              "2026-03-20T10:00:00Z", "2026-03-20T10:01:00Z"]  # the last two: a later 30-day window
    sources = [1, 2, 1, 1, 1, 1]
    rows = [(ms(s), src, EST, ms(s) + 60_000, EST, level) for s, src, level in zip(starts, sources, levels)]
    root = tmp_path / "vault"
    with Vault(root) as vault, vault.transaction() as conn:
        conn.executemany("INSERT INTO sources (id, origin, platform, device, manufacturer, form_factor, "
                         "recording_method, application) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", SOURCES[:2])
        conn.executemany("INSERT INTO activity_level VALUES (?, ?, ?, ?, ?, ?)", rows[::-1])
    export_parquet(root, tmp_path / "pq", types="activity_level")
    got = pq.read_table(tmp_path / "pq" / "activity_level").to_pydict()
    # by (instant, source): Charge 6 (1) before Pixel Watch 3 (2) at 10:01
    assert got["level"] == ['SEDENTARY', 'ünïcode ✓', 'say "hi", ok', '', 'odd\x1fbyte', 'LIGHTLY_ACTIVE']
    assert got["device"] == ["Charge 6", "Charge 6", "Pixel Watch 3", "Charge 6", "Charge 6", "Charge 6"]
    export_csv(root, tmp_path / "csv", types="activity_level")
    lines = (tmp_path / "csv" / "activity_level.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",", 4)[4] for line in lines[1:4]] == ["Charge 6,SEDENTARY", "Charge 6,ünïcode ✓",
                                                              'Pixel Watch 3,"say ""hi"", ok"']
    assert lines[4].endswith("Charge 6,") and lines[5].endswith("Charge 6,odd\x1fbyte")


def test_tables_written_two_at_a_time_stop_when_one_fails(tmp_path):
    """each_table: results in the order given (the largest job starts first); when a job fails,
    the other stops at its next progress report, and the failure is what is raised."""
    import time

    from fitvault.export.common import ExportStopped, each_table

    assert each_table([(1, lambda report: "small"), (9, lambda report: "large")], None) == ["small", "large"]
    stopped: list[int] = []

    def fails(report):
        raise OSError("disk full")

    def long_job(report):
        try:
            for done in range(500):
                report(ExportProgress("long", done, 500))
                time.sleep(0.01)
        except ExportStopped:
            stopped.append(done)
            raise
        return "finished"

    seen: list[str] = []
    with pytest.raises(OSError, match="disk full"):
        each_table([(9, long_job), (1, fails)], lambda p: seen.append(p.table))
    assert len(stopped) == 1 and stopped[0] < 500 and seen == ["long"] * stopped[0]
