"""`fitvault status` reuses the local days it computed (status_days.py): the cached answer
equals a recomputation after rows are added at the end, in the middle, and to heart rate; an
older vault (schema 5) upgrades to the cache tables without losing a row."""

from __future__ import annotations

import sqlite3
from importlib import resources

import numpy as np

from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.status import vault_status
from fitvault.store import sample_blocks
from fitvault.store.vault import VAULT_APPLICATION_ID, Vault

DAY0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY_MS = 86_400_000
SRC = ("FITBIT", "Charge 6", "Google", "FITNESS_BAND", "PASSIVELY_MEASURED", "")


def _steps(vault: Vault, days: list[int], offset: int = -18000) -> None:
    with vault.transaction() as conn:
        sid = vault.source_id(SRC)
        rows = [(DAY0 + d * DAY_MS + m * 60_000, sid, offset, DAY0 + d * DAY_MS + (m + 1) * 60_000, offset, 10 + m)
                for d in days for m in range(0, 1440, 240)]
        conn.executemany("INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?)", rows)


def _heart(vault: Vault, days: list[int]) -> None:
    with vault.transaction() as conn:
        sid = vault.source_id(SRC)
        t = np.concatenate([DAY0 + d * DAY_MS + np.arange(0, DAY_MS, 3_600_000, dtype=np.int64) for d in days])
        sample_blocks.upsert(conn, sid, sample_blocks.Samples(t, np.full(len(t), -18000), np.full(len(t), 60)))


def _uncached(vault: Vault, name: str) -> list[str]:
    return STREAMS_BY_NAME[name].local_days(vault.conn)


def _days(doc: dict, type_id: str) -> tuple[int, int]:
    entry = doc["types"][type_id]
    return entry["days"], entry["gaps"]["days_without_data"]


def test_cached_days_follow_rows_added_at_the_end_and_in_the_middle(tmp_path):
    with Vault(tmp_path) as vault:
        _steps(vault, [0, 1, 5])
        _heart(vault, [0, 3])
        doc = vault_status(vault)
        # at -05:00 each UTC day also reaches the local day before: 12-31, 01-01, 01-02, 01-05, 01-06
        assert _days(doc, "steps") == (len(_uncached(vault, "steps")), 2) == (5, 2)
        assert vault.conn.execute("SELECT count(*) FROM status_days").fetchone()[0] > 0
        assert vault.conn.execute("SELECT count(*) FROM status_block_days").fetchone()[0] == 2
        _steps(vault, [9])       # after the last instant: only the new rows are read
        _heart(vault, [1])       # a new block: only it is decoded
        doc = vault_status(vault)
        assert _days(doc, "steps") == (7, 4) and _uncached(vault, "steps")[-2:] == ["2026-01-09", "2026-01-10"]
        assert doc["types"]["heart-rate"]["days"] == len(_uncached(vault, "heart-rate")) == 5
        _steps(vault, [3])       # in the middle: every row is read again
        doc = vault_status(vault)
        assert _days(doc, "steps") == (len(_uncached(vault, "steps")), 2) == (9, 2)
        cached = vault.conn.execute("SELECT days FROM status_days WHERE tbl = 'steps'").fetchone()[0]
        assert cached.count("2026-01") == 8


def test_schema_5_vault_upgrades_to_the_cache_without_loss(tmp_path):
    path = tmp_path / "vault.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA application_id = {VAULT_APPLICATION_ID}")
    folder = resources.files("fitvault.store") / "migrations"
    for number in (1, 2, 3, 4, 5):
        script = next(e for e in folder.iterdir() if e.name.startswith(f"00{number}_"))
        conn.executescript(script.read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 5")
    conn.execute("INSERT INTO sources (id, origin, device) VALUES (1, 'google-health-api', 'Charge 6')")
    conn.execute("INSERT INTO resting_heart_rate (date, source_id, bpm) VALUES ('2026-01-01', 1, 58)")
    conn.execute("INSERT INTO steps VALUES (?, 1, -18000, ?, -18000, 42)", (DAY0, DAY0 + 60_000))
    conn.close()
    with Vault(tmp_path) as vault:
        assert vault.schema_version == 6
        assert vault.conn.execute("SELECT date, bpm FROM resting_heart_rate").fetchall() == [("2026-01-01", 58)]
        assert vault.conn.execute("SELECT start_ms, count FROM steps").fetchall() == [(DAY0, 42)]
        doc = vault_status(vault)
        assert doc["types"]["steps"]["records"] == 1 and doc["schema_version"] == 6
