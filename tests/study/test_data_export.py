"""`study export`: several simulator vaults through the ordinary exporters, read back with pyarrow
and DuckDB; the manifest's row counts and SHA-256 hold; de-identification shifts every date of
a participant by their own offset, hashes ids consistently and leaves no route, device id or
free text."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime, timedelta

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from support.sim import SIM_NOW
from support.study_vaults import synced_vault

from fitvault.datatypes.tables import TABLES
from fitvault.errors import ConfigError
from fitvault.export import export_fitabase
from fitvault.study.deidentify import Pseudonym, shift_timestamp_text
from fitvault.study.export import Subject, export_study

EVERY_TYPE = tuple(sorted({t.type_id for t in TABLES if t.stream}))
WINDOW = date(2026, 11, 18)
FORBIDDEN = ("lat", "lon", "latitude", "longitude", "mac", "mac_address", "serial", "device_id", "tcx", "route")


@pytest.fixture(scope="module")
def subjects(tmp_path_factory):
    from fitvault_simulator import Simulator, SimulatorConfig

    base = tmp_path_factory.mktemp("vaults")
    out = []
    for seed, pid, shift in ((7, "P001", 200), (8, "P002", 37)):
        with Simulator(SimulatorConfig(seed=seed, now=SIM_NOW, heart_rate_interval_s=0)) as sim:
            synced_vault(sim, base / pid, date(2026, 11, 17), types=EVERY_TYPE)
        out.append(Subject(pid, base / pid, WINDOW, None, Pseudonym(shift, bytes([seed]) * 32)))
    out.append(Subject("P003", base / "P003", WINDOW))  # enrolled, never synced: no vault
    return out


def _check_manifest(out) -> dict:
    manifest = json.loads((out / "manifest.json").read_text())
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert [f["path"] for f in manifest["files"]] == on_disk
    for f in manifest["files"]:
        assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]
        assert (out / f["path"]).stat().st_size == f["bytes"]
    return manifest


@pytest.mark.slow
def test_parquet_export_reads_back_with_pyarrow_and_duckdb(subjects, tmp_path):
    out = tmp_path / "study"
    result = export_study(subjects, "parquet", out)
    manifest = _check_manifest(out)
    assert manifest["participants"] == ["P001", "P002"] and result.skipped == ["P003"]
    assert manifest["deidentified"] is False
    for f in manifest["files"]:
        if f["path"].endswith(".parquet"):
            assert pq.ParquetFile(out / f["path"]).metadata.num_rows == f["rows"]
            assert f["participant"] in ("P001", "P002") and f["path"].startswith(f"{f['table']}/participant=")
    expected = {}
    for f in manifest["files"]:
        if f["table"] == "heart_rate":
            expected[f["participant"]] = expected.get(f["participant"], 0) + f["rows"]
    got = duckdb.sql(f"SELECT participant, count(*) FROM read_parquet('{out}/heart_rate/**/*.parquet', "
                     "hive_partitioning = true) GROUP BY 1 ORDER BY 1").fetchall()
    assert got == sorted(expected.items()) and all(n > 10_000 for n in expected.values())
    table = ds.dataset(out / "resting_heart_rate", format="parquet", partitioning="hive").to_table()
    assert sorted(set(table.column("participant").to_pylist())) == ["P001", "P002"]
    # the window: nothing before its first local day
    first = duckdb.sql(f"SELECT min(date) FROM read_parquet('{out}/daily_steps/**/*.parquet')").fetchall()[0][0]
    assert first == WINDOW
    dictionary = list(csv.DictReader(open(out / "data_dictionary.csv", encoding="utf-8")))
    assert {"table": "heart_rate", "column": "bpm", "type": "int64", "unit": "bpm",
            "meaning": "heart rate sample"} in dictionary
    # a second export into the same folder replaces the first; a foreign folder is refused
    export_study(subjects[:1], "parquet", out)
    assert json.loads((out / "manifest.json").read_text())["participants"] == ["P001"]
    assert not (out / "heart_rate" / "participant=P002").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("x")
    with pytest.raises(ConfigError, match="not empty"):
        export_study(subjects, "parquet", tmp_path / "mine")


@pytest.mark.slow
def test_csv_export_row_counts_equal_the_manifest(subjects, tmp_path):
    out = tmp_path / "csv"
    export_study(subjects, "csv", out)
    manifest = _check_manifest(out)
    for f in manifest["files"]:
        if f["table"] in ("heart_rate", "sleep_stages", "exercises"):
            n = duckdb.sql(f"SELECT count(*) FROM read_csv('{out / f['path']}', header = true)").fetchall()[0][0]
            assert n == f["rows"] > 0


@pytest.mark.slow
def test_fitabase_export_merges_participants_by_id(subjects, tmp_path):
    out = tmp_path / "fitabase"
    export_study(subjects, "fitabase", out)
    manifest = _check_manifest(out)
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    whole = tmp_path / "one"  # P002's whole vault (synced from the day before the window)
    export_fitabase(subjects[1].vault_dir, whole, participant="P002")
    assert manifest["windows"]["P002"] == {"start": WINDOW.isoformat(), "end": None}
    assert "study window only" in manifest["rows"]
    dictionary = (out / "data_dictionary.csv").read_text(encoding="utf-8")
    assert "study window only: local days window_start..window_end" in dictionary
    for name, day_column in (("heartrate_seconds", "Time"), ("dailyActivity", "ActivityDate"),
                             ("sleepDay", "SleepDay"), ("hourlySteps", "ActivityHour")):
        with open(whole / f"{name}_merged.csv", encoding="utf-8") as fh:
            days = [datetime.strptime(r[day_column].split(" ")[0], "%m/%d/%Y").date() for r in csv.DictReader(fh)]
        with open(out / f"{name}_merged.csv", encoding="utf-8") as fh:
            merged = list(csv.DictReader(fh))
        assert len(merged) == rows[f"{name}_merged.csv"]
        assert {r["Id"] for r in merged} == {"P001", "P002"}
        # only the window's local days, counted on the whole-vault export (a second computation)
        assert any(d < WINDOW for d in days), name
        assert sum(r["Id"] == "P002" for r in merged) == sum(d >= WINDOW for d in days) > 0, name


def _frame(out, table, pid):
    return pq.read_table(out / table / f"participant={pid}").to_pandas()


@pytest.mark.slow
def test_deidentified_export_shifts_each_participant_and_strips_identifiers(subjects, tmp_path):
    plain, deid = tmp_path / "plain", tmp_path / "deid"
    export_study(subjects, "parquet", plain)
    export_study(subjects, "parquet", deid, deidentify=True)
    manifest = _check_manifest(deid)
    assert manifest["deidentified"] is True
    text = (deid / "manifest.json").read_text() + (deid / "data_dictionary.csv").read_text()
    assert "shift_days" not in text and all(s.pseudonym.salt.hex() not in text for s in subjects[:2])
    columns = set()
    for path in deid.rglob("*.parquet"):
        columns |= set(pq.read_schema(path).names)
    assert not {c for c in columns if any(c == f or c.startswith(f + "_") or c.endswith("_" + f) for f in FORBIDDEN)}
    for s in subjects[:2]:
        days = s.pseudonym.shift_days
        a, b = _frame(plain, "heart_rate", s.participant_id), _frame(deid, "heart_rate", s.participant_id)
        assert len(a) == len(b) > 10_000
        assert ((a["utc_time"] - b["utc_time"]) == timedelta(days=days)).all()
        assert (a["bpm"].to_numpy() == b["bpm"].to_numpy()).all()
        assert (a["utc_offset_s"].to_numpy() == b["utc_offset_s"].to_numpy()).all()
        a, b = _frame(plain, "daily_steps", s.participant_id), _frame(deid, "daily_steps", s.participant_id)
        assert [d - timedelta(days=days) for d in a["date"]] == list(b["date"])
        a, b = _frame(plain, "exercises", s.participant_id), _frame(deid, "exercises", s.participant_id)
        assert list(b["id"]) == [s.pseudonym.record_id(i) for i in a["id"]]
        assert not set(a["id"]) & set(b["id"])
        assert b["notes"].isna().all() and b["display_name"].isna().all() and a["display_name"].notna().any()
        assert list(b["create_time"]) == [shift_timestamp_text(t, days) for t in a["create_time"]]
        # children follow their session under the same hash
        events = _frame(deid, "exercise_events", s.participant_id)
        assert set(events["exercise_id"]) <= set(b["id"]) and len(events)
        sessions, stages = _frame(deid, "sleep_sessions", s.participant_id), _frame(deid, "sleep_stages", s.participant_id)
        plain_stages = _frame(plain, "sleep_stages", s.participant_id)
        assert set(stages["session_id"]) == {s.pseudonym.record_id(i) for i in plain_stages["session_id"]}
        assert set(stages["session_id"]) <= set(sessions["id"])
        plain_sessions = _frame(plain, "sleep_sessions", s.participant_id)
        assert ((plain_sessions["utc_time"] - sessions["utc_time"]) == timedelta(days=days)).all()
        assert ((plain_sessions["local_time"] - sessions["local_time"]) == timedelta(days=days)).all()
    # the two participants moved by different offsets: their first days differ
    first = dict(duckdb.sql(f"SELECT participant, min(date) FROM read_parquet('{deid}/daily_steps/**/*.parquet', "
                            "hive_partitioning = true) GROUP BY 1").fetchall())
    assert first == {"P001": WINDOW - timedelta(days=200), "P002": WINDOW - timedelta(days=37)}


def test_unknown_format_and_missing_key_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="choose one of parquet, csv, fitabase"):
        export_study([], "xlsx", tmp_path / "x")
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "vault.sqlite").write_bytes(b"")
    with pytest.raises(ConfigError, match="P9: no de-identification key"):
        export_study([Subject("P9", vault)], "csv", tmp_path / "y", deidentify=True)
    assert repr(Pseudonym(12, b"k" * 32)) == "Pseudonym(…)"
    assert shift_timestamp_text("2026-03-01T00:53:33.800840Z", 1) == "2026-02-28T00:53:33.800840Z"
    assert shift_timestamp_text("", 1) is None and shift_timestamp_text("soon", 1) is None
