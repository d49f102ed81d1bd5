"""run_sql (fitvault.query.sql): DuckDB and SQLite give the same heart-rate rows, whatever columns
a query names; bpm stays an INTEGER (no byte overflow); every other table reads as it is."""

from __future__ import annotations

import numpy as np
import pytest

from fitvault.errors import ConfigError, StoreError
from fitvault.query.sql import run_sql
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = tmp_path_factory.mktemp("v")
    with Vault(root) as v, v.transaction() as conn:
        watch = v.source_id(("FITBIT", "Pixel Watch 3", "Google", "WATCH", "PASSIVELY_MEASURED", ""))
        band = v.source_id(("FITBIT", "Charge 6", "Google", "FITNESS_BAND", "PASSIVELY_MEASURED", ""))
        t = T0 + np.arange(0, 2 * 86_400_000, 3_600_000, dtype=np.int64)  # 2 days, hourly
        sample_blocks.upsert(conn, watch, sample_blocks.Samples(t, np.full(len(t), -18000), 60 + np.arange(len(t))))
        # a second device on day 2 with a bpm above 255: its block stores bpm as uint16
        sample_blocks.upsert(conn, band, sample_blocks.Samples(t[24:26] + 1000, np.full(2, 3600), np.array([250, 300])))
        conn.execute("INSERT INTO resting_heart_rate (date, source_id, bpm, calculation_method) "
                     "VALUES ('2026-01-01', ?, 55, NULL)", (watch,))
    return root


def test_duckdb_and_sqlite_give_the_same_rows(vault):
    query = "SELECT time_ms, source_id, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms, source_id"
    duck, lite = run_sql(vault, query), run_sql(vault, query, engine="sqlite")
    assert duck.columns == lite.columns == ["time_ms", "source_id", "utc_offset_s", "bpm"]
    assert duck.rows == lite.rows and len(duck.rows) == 50
    assert duck.rows[25] == (T0 + 86_400_000 + 1000, 2, 3600, 250) and duck.rows[27][3] == 300
    assert run_sql(vault, "SELECT * FROM heart_rate ORDER BY time_ms, source_id").rows == lite.rows


def test_bpm_is_an_integer_and_counting_needs_no_column(vault):
    got = run_sql(vault, "SELECT count(*), max(bpm * bpm), sum(bpm) FROM heart_rate").rows
    assert got == [(50, 90_000, sum(60 + i for i in range(48)) + 550)]
    assert run_sql(vault, "SELECT typeof(bpm) FROM heart_rate LIMIT 1").rows == [("INTEGER",)]


def test_other_tables_and_errors(vault):
    got = run_sql(vault, "SELECT r.date, r.bpm, r.calculation_method, s.device FROM resting_heart_rate r "
                         "JOIN sources s ON s.id = r.source_id")
    assert got.rows == [("2026-01-01", 55, None, "Pixel Watch 3")]
    assert run_sql(vault, "SELECT 1 AS one", max_rows=1).rows == [(1,)]
    with pytest.raises(StoreError, match="the query failed"):
        run_sql(vault, "SELECT nope FROM heart_rate")
    with pytest.raises(ConfigError, match="duckdb or sqlite"):
        run_sql(vault, "SELECT 1", engine="postgres")


def test_arrow_batches_cut_a_range_like_read(vault):
    from fitvault.store.readonly import open_read_only

    conn = open_read_only(vault)
    lo, hi = T0 + 5 * 3_600_000, T0 + 86_400_000 + 1500
    want = sample_blocks.read(conn, lo, hi)
    batches = list(sample_blocks.arrow_batches(conn, lo, hi, batch_rows=10))
    got = {c: np.concatenate([b.column(c).to_numpy() for b in batches]) for c in sample_blocks.COLUMNS}
    order = np.lexsort((got["source_id"], got["time_ms"]))  # batches come in day order, sources within
    assert {c: got[c][order].tolist() for c in got} == {c: want[c].tolist() for c in want}
    assert len(want["time_ms"]) == 21 - 1 + 1  # 05:00 .. 00:00 next day, and the second device's 00:00:01
