"""The types added for issue #14 item 4 reach the person: a sync of them against the simulator
(the small reliability world, every opt-in scope granted), then the pandas API and the CSV,
Parquet and Excel exports hold exactly the vault's rows."""

from __future__ import annotations

import csv
import sqlite3

import pyarrow.dataset as ds
import pytest
from support.reliability import WORLD_SINCE, world
from support.sim import sim_client, store_sim_token

import fitvault
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.datatypes.tables import API_METHODS, TABLES_BY_NAME
from fitvault.export import export_csv, export_excel, export_parquet
from fitvault.sources.google import sync
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions

TYPES = ("active-energy-burned", "altitude", "time-in-heart-rate-zone", "calories-in-heart-rate-zone",
         "swim-lengths-data", "core-body-temperature", "blood-glucose", "hydration-log", "nutrition-log",
         "electrocardiogram", "irregular-rhythm-notification", "menstrual-period", "ovulation-test", "moods",
         "symptoms")
TABLES = sorted({t for s in STREAMS_BY_NAME.values() if s.data_type in TYPES for t in s.tables})
EMPTY = {"menstrual_periods", "ovulation_tests"}  # the simulated person is a man


@pytest.fixture(scope="module")
def vault_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("more")
    with world() as sim:
        store_sim_token(sim, root)
        with Vault(root) as v, sim_client(sim, root) as client:
            report = sync(v, client, SyncOptions(since=WORLD_SINCE, types=TYPES), now_ms=sim.clock.now_ms())
            assert report.incomplete == [] and report.skipped == []
    return root


def counts(vault_dir) -> dict[str, int]:
    conn = sqlite3.connect(vault_dir / "vault.sqlite")
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def test_every_new_type_synced_and_its_pandas_method_reads_it(vault_dir):
    n = counts(vault_dir)
    assert {t for t, k in n.items() if k == 0} == EMPTY
    v = fitvault.open(vault_dir)
    for table in TABLES:
        frame = getattr(v, API_METHODS[table])()
        assert len(frame) == n[table], table
        assert set(TABLES_BY_NAME[table].column_names) <= set(frame.columns), table
    hydration = v.hydration()
    assert hydration["volume_ml"].sum() == sqlite3.connect(vault_dir / "vault.sqlite").execute(
        "SELECT sum(volume_ml) FROM hydration_log").fetchone()[0]
    assert str(hydration.index.tz) == "America/New_York" and hydration["date"].notna().all()
    ecg = v.ecg().iloc[0]
    assert ecg["sampling_frequency_hz"] == 250 and ecg["waveform"].startswith("[") and 40 < ecg["avg_hr_bpm"] < 130
    zones = v.heart_rate_zone_time()
    assert list(zones.columns[:4]) == ["light_s", "moderate_s", "vigorous_s", "peak_s"]


@pytest.mark.slow
def test_exports_hold_every_row_of_the_new_tables(vault_dir, tmp_path):
    n = counts(vault_dir)
    written = {i.table: i.rows for i in export_csv(vault_dir, tmp_path / "csv", types=",".join(TYPES)).items}
    assert {t: written.get(t, 0) for t in TABLES} == n
    with open(tmp_path / "csv" / "symptoms.csv", encoding="utf-8", newline="") as fh:
        assert {r["symptoms"] for r in csv.DictReader(fh)} <= {"COUGH,FATIGUE,HEADACHE,FEVER", "COUGH,FATIGUE,HEADACHE",
                                                               "FATIGUE"}
    export_parquet(vault_dir, tmp_path / "pq", types=TYPES)
    for table in set(TABLES) - EMPTY:
        assert ds.dataset(tmp_path / "pq" / table).count_rows() == n[table], table
    result = export_excel(vault_dir, tmp_path / "x", types=TYPES)
    sheets = {i.table: i.sheets for i in result.items}
    assert all(sheets[t] for t in set(TABLES) - EMPTY)
