"""`fitvault sql`: read-only SQL on a real vault file, heart rate seen as rows."""

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


def test_sql_reads_heart_rate_as_rows_and_other_tables_as_they_are(tmp_path):
    root = _vault(tmp_path)
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "--csv",
                                      "SELECT date(time_ms/1000 + utc_offset_s, 'unixepoch') AS day, count(*), "
                                      "min(bpm), max(bpm) FROM heart_rate GROUP BY day ORDER BY day"])
    assert result.exit_code == 0, result.output
    # 432 samples from 2025-11-13T00:00Z at -05:00: 30 on the 12th (local), 144 a day, 114 on the 15th
    assert result.output.splitlines() == ["day,count(*),min(bpm),max(bpm)", "2025-11-12,30,60,62",
                                          "2025-11-13,144,60,62", "2025-11-14,144,60,62", "2025-11-15,114,60,62"]
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "SELECT date, bpm FROM resting_heart_rate"])
    assert result.exit_code == 0 and "2025-11-13" in result.output and "58" in result.output


def test_sql_never_writes(tmp_path):
    root = _vault(tmp_path)
    result = CliRunner().invoke(cli, ["--vault", str(root), "sql", "DELETE FROM resting_heart_rate"])
    assert result.exit_code == 5
    assert "readonly" in result.output
    with Vault(root) as vault:
        assert vault.conn.execute("SELECT count(*) FROM resting_heart_rate").fetchone() == (1,)
