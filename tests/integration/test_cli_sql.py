"""`fitvault sql`: read-only SQL on a real vault file, heart rate seen as rows, on DuckDB and on SQLite."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault

T0 = 1_762_992_000_000  # 2025-11-13T00:00:00Z


def _vault(tmp_path):
    with Vault(tmp_path) as vault, vault.transaction() as conn:
        sid = vault.source_id(("FITBIT", "Charge 6", "", "FITNESS_BAND", "", ""))
        t = T0 + np.arange(0, 3 * 86_400_000, 600_000, dtype=np.int64)  # 3 days, every 10 minutes
        sample_blocks.upsert(conn, sid, sample_blocks.Samples(t, np.full(len(t), -18000), 60 + np.arange(len(t)) % 3))
        conn.execute("INSERT INTO resting_heart_rate (date, source_id, bpm) VALUES ('2025-11-13', ?, 58)", (sid,))
    return tmp_path


# 432 samples from 2025-11-13T00:00Z at -05:00: 30 on the 12th (local), 144 a day, 114 on the 15th
DAYS = ["day,n,low,high", "2025-11-12,30,60,62", "2025-11-13,144,60,62", "2025-11-14,144,60,62", "2025-11-15,114,60,62"]


def test_sql_on_sqlite_reads_heart_rate_as_rows_and_other_tables_as_they_are(tmp_path):
    root = _vault(tmp_path)
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--csv", "--engine", "sqlite",
                                      "SELECT date(time_ms/1000 + utc_offset_s, 'unixepoch') AS day, count(*) AS n, "
                                      "min(bpm) AS low, max(bpm) AS high FROM heart_rate GROUP BY day ORDER BY day"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == DAYS
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--engine", "sqlite",
                                      "SELECT date, bpm FROM resting_heart_rate"])
    assert result.exit_code == 0 and "2025-11-13" in result.output and "58" in result.output


def test_sql_on_duckdb_gives_the_same_days_and_reads_other_tables(tmp_path):
    root = _vault(tmp_path)
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--csv",
                                      "SELECT CAST(epoch_ms(time_ms + utc_offset_s * 1000) AS DATE) AS day, count(*) AS n, "
                                      "min(bpm) AS low, max(bpm) AS high FROM heart_rate GROUP BY day ORDER BY day"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == DAYS
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--csv",
                                      "SELECT r.date, r.bpm, s.device FROM resting_heart_rate r JOIN sources s ON s.id = r.source_id"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["date,bpm,device", "2025-11-13,58,Charge 6"]


def test_sql_never_writes(tmp_path):
    root = _vault(tmp_path)
    for engine in ("sqlite", "duckdb"):
        result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--engine", engine, "DELETE FROM resting_heart_rate"])
        assert result.exit_code == 5, result.output
        assert "the query failed" in result.output
    # DuckDB cannot reach files either (an export to disk, or the vault file itself)
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", f"COPY resting_heart_rate TO '{tmp_path}/out.csv'"])
    assert result.exit_code == 5 and not (tmp_path / "out.csv").exists()
    with Vault(root) as vault:
        assert vault.conn.execute("SELECT count(*) FROM resting_heart_rate").fetchone() == (1,)


def test_a_sqlite_dialect_query_on_duckdb_says_where_the_sqlite_engine_is(tmp_path):
    root = _vault(tmp_path)
    query = "SELECT date(time_ms/1000 + utc_offset_s, 'unixepoch') AS day FROM heart_rate LIMIT 1"
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", query])
    assert result.exit_code == 5
    assert "this ran on DuckDB" in result.output and "fitvault sql --engine sqlite" in result.output


def test_attach_is_refused_on_both_engines_and_creates_no_file(tmp_path):
    root = _vault(tmp_path)
    for engine, query in (("sqlite", "ATTACH DATABASE 'x.sqlite' AS x"), ("duckdb", "ATTACH 'x.duckdb' AS x")):
        result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--engine", engine, query])
        assert result.exit_code == 5, (engine, result.output)
    assert not list(root.glob("x.*")) and not list(tmp_path.parent.glob("x.*"))
