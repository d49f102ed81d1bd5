"""Heart rate as rows, for tests: the vault keeps heart-rate samples as compressed day blocks
(``store/sample_blocks.py``), not as a ``heart_rate`` row table. Tests that write exact rows
use :func:`insert_heart_rate`; tests that check stored rows with SQL call :func:`heart_rate_sql`
(or :func:`sample_blocks.materialize` themselves) so ``FROM heart_rate`` reads the samples as
rows for that one query."""

from __future__ import annotations

import re
import sqlite3
from typing import Iterable

import numpy as np

from fitvault.store import sample_blocks
from fitvault.store.sample_blocks import Samples

_NAMES_HEART_RATE = re.compile(r"\bheart_rate\b")


def insert_heart_rate(conn: sqlite3.Connection, rows: Iterable) -> int:
    """Store ``(time_ms, source_id, utc_offset_s, bpm)`` rows (tuples, or dicts with those keys)
    as samples, grouped by source; returns the samples added or changed."""
    by_source: dict[int, list[tuple[int, int, int]]] = {}
    for row in rows:
        if isinstance(row, dict):
            row = tuple(row[c] for c in sample_blocks.COLUMNS)
        t, source, off, bpm = row
        by_source.setdefault(source, []).append((t, off, bpm))
    changed = 0
    for source, samples in by_source.items():
        t, off, bpm = (np.array(col, dtype=np.int64) for col in zip(*samples))
        changed += sample_blocks.upsert(conn, source, Samples(t, off, bpm))
    return changed


def heart_rate_sql(conn: sqlite3.Connection, sql: str, params=()) -> Rows:
    """Run ``sql`` (which reads ``heart_rate``) against the samples stored now. The rows are
    fetched at once and the temp table dropped again, so no later SQL on ``conn`` (the code
    under test) can read a stale ``heart_rate`` by accident. SQL that does not name
    ``heart_rate`` just runs."""
    if not _NAMES_HEART_RATE.search(sql):
        return Rows(conn.execute(sql, params).fetchall())
    sample_blocks.materialize(conn)
    try:
        return Rows(conn.execute(sql, params).fetchall())
    finally:
        conn.execute("DROP TABLE temp.heart_rate")


class Rows:
    """The fetched result, read like a cursor."""

    def __init__(self, rows: list) -> None:
        self._rows = rows

    def fetchall(self) -> list:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def __iter__(self):
        return iter(self.fetchall())
