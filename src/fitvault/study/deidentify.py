"""De-identification for ``fitvault study export --deidentify``: a shifted, stripped copy of a
participant's vault that the ordinary exporters then read.

Per participant, a secret :class:`Pseudonym` (kept in PostgreSQL, ``study.deidentification``,
never exported): ``shift_days``, a whole number of days every date and time of that participant
moves back, and ``salt``, the key of the keyed hash that replaces record ids.

The copy (:func:`deidentified_copy`) is the participant's ``vault.sqlite`` (SQLite's backup
API) with, in one transaction:

- every instant (``*_ms``), civil date (``date``) and timestamp text (``create_time``,
  ``update_time``) moved back ``shift_days`` days; heart-rate day blocks re-encoded. Offsets stay
  as recorded, so local wall-clock times of day (and the UTC offset, a time zone, not a place)
  are kept and every table shifts alike: joins across tables still hold;
- record ids (sessions, data points) replaced by ``HMAC-SHA256(salt, id)`` — the same in the
  session table and in its stages, splits and events;
- free text that could identify emptied: ``notes``, ``display_name`` (exercise names),
  ``food_display_name``;
- GPS routes (``exercise_tcx``), the paired devices (device ids, MAC addresses), the account
  (membership date, home time zone), sync bookkeeping and quarantined raw records deleted.

No exporter writes a device id, MAC address, serial number or latitude/longitude (the tables
have none), so the copy is the one place de-identification happens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from fitvault import timeutil
from fitvault.config import VaultPaths
from fitvault.datatypes.tables import SIDE_TABLES, TABLES, Table
from fitvault.errors import StoreError
from fitvault.store import sample_blocks
from fitvault.store.readonly import open_read_only
from fitvault.study.crypto import GrantCipher
from fitvault.study.db import Conn

#: Columns of free text a person typed.
FREE_TEXT = frozenset({"notes", "display_name", "food_display_name"})
#: Text columns holding an RFC 3339 instant.
TIMESTAMP_TEXT = frozenset({"create_time", "update_time"})
#: Tables emptied in the copy: routes, device identifiers, account facts, bookkeeping.
DROPPED = ("exercise_tcx", "devices", "account", "quarantine", "sync_state", "sync_jobs", "sync_runs")
#: The range offsets are drawn from: 1 .. 365 days back.
MAX_SHIFT_DAYS = 365


@dataclass(frozen=True)
class Pseudonym:
    """A participant's secret de-identification key. ``repr`` shows neither part."""

    shift_days: int
    salt: bytes

    def __repr__(self) -> str:
        return "Pseudonym(…)"

    @classmethod
    def new(cls) -> Pseudonym:
        return cls(secrets.randbelow(MAX_SHIFT_DAYS) + 1, secrets.token_bytes(32))

    def record_id(self, value: str) -> str:
        return hmac.new(self.salt, value.encode(), hashlib.sha256).hexdigest()[:24]


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, bool]:
    """{column: generated?} of a table (``PRAGMA table_xinfo``: hidden 2 and 3 are generated)."""
    return {r[1]: r[6] in (2, 3) for r in conn.execute(f"PRAGMA table_xinfo({table})")}


def _shift_table(conn: sqlite3.Connection, table: Table, cols: dict[str, bool], p: Pseudonym) -> None:
    """Move a table's instants and dates back; keys move through values no row holds (negated
    instants, ``~``-prefixed dates), so no unique index sees two rows at once."""
    shift_ms = p.shift_days * timeutil.DAY_MS
    for c in ("time_ms", "start_ms", "end_ms"):
        if c in cols and not cols[c]:
            conn.execute(f"UPDATE {table.name} SET {c} = -({c} - ?)", (shift_ms,))
            conn.execute(f"UPDATE {table.name} SET {c} = -{c}")
    if "date" in cols and not cols["date"]:
        conn.execute(f"UPDATE {table.name} SET date = '~' || date(date, ?)", (f"-{p.shift_days} days",))
        conn.execute(f"UPDATE {table.name} SET date = substr(date, 2)")
    for c in TIMESTAMP_TEXT & cols.keys():
        rows = conn.execute(f"SELECT rowid, {c} FROM {table.name} WHERE {c} IS NOT NULL").fetchall()
        conn.executemany(f"UPDATE {table.name} SET {c} = ? WHERE rowid = ?", [
            (shift_timestamp_text(v, p.shift_days), rid) for rid, v in rows])
    for c in FREE_TEXT & cols.keys():
        conn.execute(f"UPDATE {table.name} SET {c} = NULL")


def shift_timestamp_text(value: str, days: int) -> str | None:
    """An RFC 3339 text moved back whole days: only its date changes, its fraction is kept as
    written (``2026-11-19T00:53:33.800840Z`` -> ``2026-11-09T00:53:33.800840Z`` for 10). A text
    that does not start with a date cannot be shifted and is dropped (None), never kept as is."""
    try:
        return (date.fromisoformat(value[:10]) - timedelta(days=days)).isoformat() + value[10:]
    except ValueError:
        return None


def _pseudonymise_ids(conn: sqlite3.Connection, table: Table, cols: dict[str, bool], p: Pseudonym) -> None:
    """Record ids and the parent ids that point at them, through the same keyed hash."""
    keys = [c for c in ("id", "session_id", "exercise_id") if c in cols and not cols[c]]
    for c in keys:
        values = [r[0] for r in conn.execute(f"SELECT DISTINCT {c} FROM {table.name} WHERE {c} IS NOT NULL")]
        conn.executemany(f"UPDATE {table.name} SET {c} = ? WHERE {c} = ?",
                         [("~" + p.record_id(str(v)), v) for v in values])
        conn.execute(f"UPDATE {table.name} SET {c} = substr({c}, 2) WHERE {c} LIKE '~%'")


def _shift_heart_rate(conn: sqlite3.Connection, p: Pseudonym) -> None:
    shift_ms = p.shift_days * timeutil.DAY_MS
    rows = conn.execute(f"SELECT source_id, day, data FROM {sample_blocks.TABLE}").fetchall()
    conn.execute(f"DELETE FROM {sample_blocks.TABLE}")
    for source_id, day, data in rows:
        t, off, bpm = sample_blocks.decode(data)
        t = t - shift_ms
        conn.execute(
            f"INSERT INTO {sample_blocks.TABLE} (source_id, day, samples, first_ms, last_ms, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (source_id, day - p.shift_days, len(t), int(t[0]), int(t[-1]), sample_blocks.encode(t, off, bpm)),
        )


def deidentified_copy(vault_dir: Path | str, dest_dir: Path, pseudonym: Pseudonym) -> Path:
    """Write the de-identified copy of a vault into ``dest_dir`` (a new folder) and return it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    source = open_read_only(vault_dir)
    target = sqlite3.connect(VaultPaths(dest_dir).database, isolation_level=None)
    try:
        source.backup(target)
        target.execute("PRAGMA foreign_keys = OFF")
        target.execute("BEGIN")
        present = {r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in TABLES + SIDE_TABLES:
            if table.name in present and table.name not in DROPPED:
                cols = _columns(target, table.name)
                _shift_table(target, table, cols, pseudonym)
                _pseudonymise_ids(target, table, cols, pseudonym)
        if sample_blocks.TABLE in present:
            _shift_heart_rate(target, pseudonym)
        for name in DROPPED:
            if name in present:
                target.execute(f"DELETE FROM {name}")
        target.execute("COMMIT")
        target.execute("VACUUM")  # no freed page keeps a removed value
    except (sqlite3.Error, sample_blocks.BlockError) as exc:
        raise StoreError(f"cannot de-identify {vault_dir}: {exc}") from exc
    finally:
        source.close()
        target.close()
    return dest_dir


def pseudonyms(conn: Conn, cipher: GrantCipher, participant_ids: list[str]) -> dict[str, Pseudonym]:
    """The participants' keys from ``study.deidentification``, drawing and storing any missing
    one first (so a participant keeps the same offset in every export)."""
    with conn.transaction():
        for pid in participant_ids:
            fresh = Pseudonym.new()
            conn.execute(
                "INSERT INTO study.deidentification (participant_id, shift_days, salt_enc) VALUES (%s, %s, %s) "
                "ON CONFLICT (participant_id) DO NOTHING", (pid, fresh.shift_days, cipher.encrypt(fresh.salt)))
        rows = conn.execute("SELECT participant_id, shift_days, salt_enc FROM study.deidentification "
                            "WHERE participant_id = ANY(%s)", (list(participant_ids),)).fetchall()
    return {r["participant_id"]: Pseudonym(r["shift_days"], cipher.decrypt(bytes(r["salt_enc"]))) for r in rows}
