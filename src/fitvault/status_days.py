"""The local days each stream's table holds, for ``fitvault status``, cached in the vault.

Finding the distinct local days of a year of minute rows (or 15 million heart-rate samples)
means reading every row: seconds, after every cron sync. The answer is kept in two tables
(``store/migrations/006_status_cache.sql``) and reused while it still holds:

* ``status_days``: per table, the days with the row count and the first and last instant they
  were computed at. Unchanged count and bounds: the days hold. Rows added after the last
  instant (what a sync adds) while the rows up to it still count the same: only the new rows
  are read (an index range). Anything else: every row is read again.
* ``status_block_days``: heart rate, per day block (source, UTC day) with its sample count and
  last instant: only blocks that are new or changed are decoded.

A row whose UTC offset is corrected in place, with no row added, keeps its old local day in
the cache until the table changes otherwise (believed never to happen: offsets come with the
record). The cache is written only when the vault is free at once (a running sync holds it):
status never waits for it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

import numpy as np

from fitvault import timeutil
from fitvault.store import sample_blocks
from fitvault.stream import Stream

DAY_S = 86_400


@dataclass
class DayCache:
    """Cache rows to write back once status is done."""

    tables: dict[str, tuple] = field(default_factory=dict)
    blocks: list[tuple] = field(default_factory=list)
    gone_blocks: list[tuple] = field(default_factory=list)

    def save(self, conn: sqlite3.Connection) -> None:
        """Store what changed, if the vault can be written at once; else leave it."""
        if not (self.tables or self.blocks or self.gone_blocks):
            return
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO status_days (tbl, records, lo, hi, days) VALUES (?, ?, ?, ?, ?)",
                             [(t, *v) for t, v in self.tables.items()])
            conn.executemany("INSERT OR REPLACE INTO status_block_days (source_id, day, samples, last_ms, days) "
                             "VALUES (?, ?, ?, ?, ?)", self.blocks)
            conn.executemany("DELETE FROM status_block_days WHERE source_id = ? AND day = ?", self.gone_blocks)
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            conn.execute("PRAGMA busy_timeout = 30000")


def _has_cache(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'status_days'").fetchone() is not None


def _day_text(days: set[int]) -> list[str]:
    return [str(np.datetime64(d, "D")) for d in sorted(days)]


def summary_and_days(conn: sqlite3.Connection, stream: Stream, cache: DayCache
                     ) -> tuple[int, str | None, str | None, list[str]]:
    """(records, first, last, local days) of ``stream``'s table, the days from the cache where
    it holds (updating ``cache``)."""
    if stream.table == "heart_rate":
        n, first, last = stream.summary(conn)
        return n, first, last, _heart_rate_days(conn, stream, cache)
    # three queries: together, SQLite would scan every row for min and max too
    (n,) = conn.execute(f"SELECT count(*) FROM {stream.table}").fetchone()
    (lo,) = conn.execute(f"SELECT min({stream.time_column}) FROM {stream.table}").fetchone()
    (hi,) = conn.execute(f"SELECT max({stream.time_column}) FROM {stream.table}").fetchone()
    fmt = (lambda v: v if v is None or isinstance(v, str) else timeutil.format_instant(v))
    if not _has_cache(conn):
        return n, fmt(lo), fmt(hi), stream.local_days(conn)
    row = conn.execute("SELECT records, lo, hi, days FROM status_days WHERE tbl = ?", (stream.table,)).fetchone()
    if row is not None and tuple(row[:3]) == (n, lo, hi):
        return n, fmt(lo), fmt(hi), json.loads(row[3])
    days = _cached_days(conn, stream, n, lo, hi, row)
    if days is None:
        days = stream.local_days(conn)
    cache.tables[stream.table] = (n, lo, hi, json.dumps(days))
    return n, fmt(lo), fmt(hi), days


def _cached_days(conn: sqlite3.Connection, stream: Stream, n: int, lo, hi, row: tuple | None) -> list[str] | None:
    if row is None:
        return None
    n0, lo0, hi0, days0 = row
    if n0 == 0 or lo0 != lo or hi0 is None or hi is None or hi < hi0:
        return None
    col = stream.time_column
    if conn.execute(f"SELECT count(*) FROM {stream.table} WHERE {col} <= ?", (hi0,)).fetchone()[0] != n0:
        return None
    new = [r[0] for r in conn.execute(
        f"SELECT DISTINCT {stream.local_day_sql} FROM {stream.table} WHERE {col} > ?", (hi0,))]
    return sorted(set(json.loads(days0)) | set(new))


def _heart_rate_days(conn: sqlite3.Connection, stream: Stream, cache: DayCache) -> list[str]:
    if not _has_cache(conn):
        return stream.local_days(conn)
    blocks = conn.execute(f"SELECT source_id, day, samples, last_ms FROM {sample_blocks.TABLE}").fetchall()
    held = {(s, d): (n, last, days) for s, d, n, last, days in
            conn.execute("SELECT source_id, day, samples, last_ms, days FROM status_block_days")}
    found: set[int] = set()
    for sid, day, n, last in blocks:
        known = held.pop((sid, day), None)
        if known is not None and known[:2] == (n, last):
            found.update(json.loads(known[2]))
            continue
        (data,) = conn.execute(f"SELECT data FROM {sample_blocks.TABLE} WHERE source_id = ? AND day = ?",
                               (sid, day)).fetchone()
        t, off, _ = sample_blocks.decode(data)
        days = np.unique((t // 1000 + off) // DAY_S).tolist()
        found.update(days)
        cache.blocks.append((sid, day, n, last, json.dumps(days)))
    cache.gone_blocks.extend(held)
    return _day_text(found)
