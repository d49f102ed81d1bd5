"""Rows into the vault: through the same savers as API rows, in batches, one transaction per file.

Imported rows land exactly like API rows because they go through the data type's own
:meth:`~fitvault.datatypes.base.Stream.save` (upserts on natural keys that write only what
changed, so a re-import changes nothing). Three additions:

* **sessions** (``sleep_sessions``, ``exercises``, keyed by id): a row already stored by a
  better-ranked origin (``store/origins.py``) is not replaced;
* **reconciled rollups** (``daily_distance``, ``daily_total_calories``, ``daily_floors``: one
  value per local day by design) keep the best-ranked origin's value: an import fills a day
  that has none, replaces a value of its own or a worse origin, never a better one's;
* **stages of separate files** (Takeout ``UserSleepStages``) are upserted one by one, for
  sessions already in the vault.

Nothing is overwritten unnoticed: two records of one import that land on the same natural key
(table, origin, instant or date, source) are never both written. A repeat with the same values
is stored once; a different record on the same key is left out and counted as a collision (the
first read is kept: files are read in a fixed order, so a re-import keeps the same one).
Heart rate and steps are checked per file by their readers (``first_of_each_instant``): their
millions of keys are not held.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Callable

import numpy as np

from fitvault.datatypes import STREAMS
from fitvault.datatypes.base import SourceKey, Stream
from fitvault.datatypes.generic import IntervalStream, SampleStream
from fitvault.datatypes.heart_rate import SampleRows
from fitvault.datatypes.sleep import SESSION_COLUMNS, STAGE_COLUMNS
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.store import origins, upsert
from fitvault.store.sample_blocks import Samples
from fitvault.store.vault import Vault

BATCH_ROWS = 5000
ROLLUPS = ("daily_distance", "daily_total_calories", "daily_floors")
_ROLLUP_COLUMN = {"daily_steps": "count", "daily_distance": "distance_mm", "daily_total_calories": "calories_kcal", "daily_floors": "floors"}
_SAVERS: dict[str, Stream] = {s.table: s for s in STREAMS if s.operation == "list"}
_SESSION_TABLES = ("sleep_sessions", "exercises")
#: Tables whose keys the import tracks across files (all but sessions and the per-file-checked series).
_UNTRACKED = frozenset({"sleep_sessions", "sleep_sessions_only", "exercises", "heart_rate", "steps"})
REPEATED = "repeated record (same values: stored once)"
COLLISION = "collision: another record of this import has the same time (the first is kept)"


def saver(table: str) -> Stream:
    found = _SAVERS.get(table)
    if found is None:
        found = _SAVERS[table] = _import_only_saver(table)
    return found


def _import_only_saver(table: str) -> Stream:
    """The upsert of a catalogue table no sync stream fills (``Table.stream`` None: GoogleData
    ``body_temperature``, ``calories_in_heart_rate_zone``): the declarative base of its layout,
    rows in the catalogue's column order."""
    info = TABLES_BY_NAME[table]
    base = {"sample": SampleStream, "interval": IntervalStream}[info.layout]
    cls = type(f"ImportOnly_{table}", (base,), {
        "name": f"import:{table}", "data_type": info.type_id, "key": "", "scopes": (), "table_info": info,
        "fields": tuple((c.name, None) for c in info.columns)})
    return cls()


def _full_exercise(row: tuple) -> tuple:
    """An importer's exercise row with the columns archives do not have (running dynamics, added
    with migration 005) as NULL at the end."""
    session = row[0]
    missing = len(TABLES_BY_NAME["exercises"].row_columns) - len(session)
    return ((session + (None,) * missing,) + row[1:]) if missing > 0 else row


def _sample_rows(sources: list[SourceKey], which: np.ndarray, time_ms: np.ndarray, offset_s: np.ndarray,
                 values: np.ndarray) -> SampleRows:
    """One batch as column arrays per source, the sources in the order they first appear (as
    :meth:`HeartRate.save` groups rows)."""
    if len(sources) == 1:
        return SampleRows({sources[0]: Samples(time_ms, offset_s, values)})
    codes, first = np.unique(which, return_index=True)
    by_source = {}
    for code in codes[np.argsort(first)].tolist():
        sel = which == code
        by_source[sources[code]] = Samples(time_ms[sel], offset_s[sel], values[sel])
    return SampleRows(by_source)


class Writer:
    """Buffers one file's rows per table and saves them in batches inside its transaction."""

    def __init__(self, vault: Vault, conn: sqlite3.Connection, origin: str, quarantine_stream: str,
                 seen: dict[tuple, int] | None = None) -> None:
        self.vault = vault
        self.conn = conn
        self.origin = origin
        self.rank = origins.origin_rank(origin)
        self.quarantine_stream = quarantine_stream
        self.buffers: dict[str, list[tuple]] = {}
        self.stored = 0
        self.dropped: Counter[str] = Counter()
        self._source_ids: Callable[[SourceKey], int] = lambda key: vault.source_id(key, origin=origin)
        self._bad: list[tuple[str, dict]] = []
        self._seen = seen
        #: keys of this file's rows, joined to ``seen`` once the file is committed.
        self.keys: dict[tuple, int] = {}
        #: heart-rate rows of the batch under way held as columns (:meth:`emit_samples`), when
        #: ``buffers["heart_rate"]`` holds none: (sources, which, time, offset, value) per call.
        self._pending: list[tuple[list[SourceKey], np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_rows = 0

    def emit(self, table: str, row: tuple) -> None:
        if self._pending and table == "heart_rate":
            self._pending_as_rows()
        if self._seen is not None and table not in _UNTRACKED:
            key = (table, self.origin, *row[:3]) if table == "sleep_stages" else (table, self.origin, row[0], row[1])
            fingerprint = hash(row)
            held = self._seen.get(key, self.keys.get(key))
            if held is not None:
                self.dropped[REPEATED if held == fingerprint else COLLISION] += 1
                return
            self.keys[key] = fingerprint
        buf = self.buffers.setdefault(table, [])
        buf.append(row)
        if len(buf) >= BATCH_ROWS:
            self._flush(table)

    def emit_many(self, table: str, rows: list[tuple]) -> None:
        """:meth:`emit` of many rows of a table checked per file by its reader (not tracked across
        files): the same batches of :data:`BATCH_ROWS` rows reach the saver."""
        assert table in _UNTRACKED
        buf = self.buffers.setdefault(table, [])
        i = 0
        while i < len(rows):
            take = BATCH_ROWS - len(buf)
            buf.extend(rows[i:i + take])
            i += take
            if len(buf) >= BATCH_ROWS:
                self._flush(table)
                buf = self.buffers[table]

    def emit_samples(self, table: str, sources: list[SourceKey], which: np.ndarray, time_ms: np.ndarray,
                     offset_s: np.ndarray, values: np.ndarray) -> None:
        """:meth:`emit` of many heart-rate rows ``(time, sources[which], offset, value)``: the same
        batches of :data:`BATCH_ROWS` rows reach the saver, as column arrays (``SampleRows``)."""
        assert table == "heart_rate"  # the one saver that takes columns
        n, i = len(time_ms), 0
        buf = self.buffers.setdefault(table, [])
        if buf:  # a batch of single rows under way: completed row by row
            i = min(BATCH_ROWS - len(buf), n)
            buf.extend(zip(time_ms[:i].tolist(), map(sources.__getitem__, which[:i].tolist()), offset_s[:i].tolist(),
                           values[:i].tolist()))
            if len(buf) >= BATCH_ROWS:
                self._flush(table)
        while i < n:
            take = min(BATCH_ROWS - self._pending_rows, n - i)
            part = slice(i, i + take)
            self._pending.append((sources, which[part], time_ms[part], offset_s[part], values[part]))
            self._pending_rows += take
            i += take
            if self._pending_rows >= BATCH_ROWS:
                self._save_pending()

    def _save_pending(self) -> None:
        """Save the heart-rate batch held as columns."""
        if not self._pending:
            return
        chunks, n = self._pending, self._pending_rows
        self._pending, self._pending_rows = [], 0
        if len(chunks) == 1:
            sources, which, t, off, v = chunks[0]
        else:
            sources = list(dict.fromkeys(key for chunk in chunks for key in chunk[0]))
            index = {key: i for i, key in enumerate(sources)}
            which = np.concatenate([np.array([index[k] for k in chunk[0]], np.int64)[chunk[1]] for chunk in chunks])
            t, off, v = (np.concatenate([chunk[j] for chunk in chunks]) for j in (2, 3, 4))
        columns = _sample_rows(sources, which, t, off, v)
        saver("heart_rate").save(self.conn, columns, self._source_ids)  # type: ignore[arg-type]  # HeartRate.save takes it
        self.stored += n

    def _pending_as_rows(self) -> None:
        """The heart-rate batch held as columns, as rows (a single row is emitted after it)."""
        buf = self.buffers.setdefault("heart_rate", [])
        for sources, which, t, off, v in self._pending:
            buf.extend(zip(t.tolist(), map(sources.__getitem__, which.tolist()), off.tolist(), v.tolist()))
        self._pending, self._pending_rows = [], 0

    def bad(self, reason: str, record: object) -> None:
        """A record that cannot be stored (impossible value ...): quarantined, counted."""
        self.dropped["quarantined: " + reason.split(":")[0]] += 1
        payload = record if isinstance(record, dict) else {"record": record}
        self._bad.append((reason, payload))
        if len(self._bad) >= BATCH_ROWS:
            self._flush_bad()

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] += n

    def flush(self) -> None:
        for table in list(self.buffers):
            self._flush(table)
        self._flush_bad()

    def _flush_bad(self) -> None:
        if self._bad:
            Vault.quarantine(self.conn, self.quarantine_stream, self._bad)
            self._bad = []

    def _flush(self, table: str) -> None:
        if table == "heart_rate":
            self._save_pending()
        rows = self.buffers.get(table)
        if not rows:
            return
        self.buffers[table] = []
        if table == "exercises":
            rows = [_full_exercise(r) for r in rows]
        if table in _SESSION_TABLES:
            rows = self._not_outranked(table, rows)
        elif table == "sleep_sessions_only":
            rows = [r[0] for r in self._not_outranked("sleep_sessions", [(r,) for r in rows])]
        if table == "sleep_stages":
            self._save_stages(rows)
        elif table == "sleep_sessions_only":
            self._save_sessions_only(rows)
        elif rows:
            saver(table).save(self.conn, rows, self._source_ids)
        self.stored += len(rows)

    def _not_outranked(self, table: str, rows: list[tuple]) -> list[tuple]:
        """Session rows whose id is not already held by a better-ranked origin."""
        ids = [row[0][0] for row in rows]
        held: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for sid, origin in self.conn.execute(
                f"SELECT t.id, s.origin FROM {table} AS t JOIN sources AS s ON s.id = t.source_id "
                f"WHERE t.id IN ({', '.join('?' * len(part))})", part,
            ):
                held[sid] = origins.origin_rank(origin)
        keep = [row for row in rows if held.get(row[0][0], origins.UNKNOWN_RANK + 1) >= self.rank]
        if len(keep) < len(rows):
            self.dropped["held by a better-ranked origin"] += len(rows) - len(keep)
        return keep

    def _save_sessions_only(self, rows: list[tuple]) -> None:
        """Session rows (the columns of ``sleep_sessions``) whose stages come from another file:
        upserted like :meth:`Sleep.save` does, without touching their stages."""
        upsert.write(self.conn, "sleep_sessions", ((r[0], self._source_ids(r[1])) + r[2:] for r in rows),
                     SESSION_COLUMNS)

    def _save_stages(self, rows: list[tuple]) -> None:
        """(session id, kind, start_ms, start_off, end_ms, end_off, stage) for stored sessions."""
        present: set[str] = set()
        ids = sorted({r[0] for r in rows})
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            present.update(r[0] for r in self.conn.execute(
                f"SELECT id FROM sleep_sessions WHERE id IN ({', '.join('?' * len(part))})", part))
        keep = [r for r in rows if r[0] in present]
        if len(keep) < len(rows):
            self.dropped["stage of a session not imported"] += len(rows) - len(keep)
        upsert.write(self.conn, "sleep_stages", keep, STAGE_COLUMNS)


def save_rollups(vault: Vault, conn: sqlite3.Connection, table: str, origin: str,
                 rows: list[tuple[str, SourceKey, float]]) -> int:
    """Upsert (date, source key, value) into a rollup table under the origin precedence rule (the
    table is ``ranked`` in the catalogue). Returns the rows actually written."""
    column = _ROLLUP_COLUMN[table]
    kind = int if column in ("count", "distance_mm", "floors") else float
    bound = [(day, vault.source_id(key, origin=origin), kind(round(value)) if kind is int else round(float(value), 3))
             for day, key, value in rows]
    return upsert.write(conn, table, bound, ("date", "source_id", column), origin=origin)
