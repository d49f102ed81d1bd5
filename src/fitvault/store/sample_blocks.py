"""Heart-rate samples, stored as one compressed block per source and UTC day.

A year of heart rate is millions of samples. As one SQLite row each they cost ~38 bytes on disk
(more than the tutorial's ``heartYYYYMMDD.csv``) and ~0.2 µs each to read back. Stored the way
time-series databases store them, a block of one day's columns, they cost ~3 bytes and read
back at memory speed (``docs/performance.md`` has the figures).

``heart_rate_blocks`` has one row per (source, UTC day): the count, first and last instant, and
``data``, the block. A block is a small header and zstd-compressed columns:

* the first instant (epoch ms) in the header, then the gaps to each next sample
  (``uint16`` when every gap is under 65.536 s, else ``uint32``; a day has no larger gap);
* the UTC offset in force at each sample, seconds (``int32``; runs compress to nothing);
* beats per minute (``uint8``; ``uint16`` should a value ever exceed 255).

Samples within a block are in time order with one sample per instant, so the natural key
(time_ms, source) of the catalogue holds. Writes merge into the stored block (a sample at an
instant already stored replaces it) and skip the write when nothing changed, so upserts stay
idempotent and a re-synced overlap costs one read. Everything runs in the caller's
transaction: a page's samples and its cursor still commit together.

Readers get the same column arrays the row table gave (``time_ms``, ``source_id``,
``utc_offset_s``, ``bpm``, ordered by time then source). Plain SQL users see the table through
:func:`materialize`, which fills a ``TEMP`` table named ``heart_rate`` (SQLite looks in ``temp``
first, so existing SQL reads it unchanged).
"""

from __future__ import annotations

import os
import sqlite3
import struct
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from fitvault.errors import VaultCorrupt
from fitvault.store import zstd

TABLE = "heart_rate_blocks"
DAY_MS = 86_400_000
COLUMNS = ("time_ms", "source_id", "utc_offset_s", "bpm")

_MAGIC = b"HRB1"
# magic, samples, first instant, gap width, bpm width, raw (uncompressed) size
_HEADER = struct.Struct("<4sIqBBxxI")
_ZSTD_LEVEL = 3


class BlockError(VaultCorrupt, ValueError):
    """A stored block that cannot be decoded (a damaged file): exit code 5 with one clear line
    wherever it surfaces, a sync's write included."""


# -- codec -------------------------------------------------------------------------------------

def encode(time_ms: np.ndarray, offset_s: np.ndarray, bpm: np.ndarray) -> bytes:
    """One block from time-ordered, distinct instants and their offsets and values."""
    n = len(time_ms)
    gaps = np.diff(time_ms)
    gap_type = np.uint16 if n < 2 or int(gaps.max()) < 1 << 16 else np.uint32
    bpm_type = np.uint8 if n == 0 or (int(bpm.min()) >= 0 and int(bpm.max()) < 256) else np.uint16
    raw = gaps.astype(gap_type).tobytes() + offset_s.astype(np.int32).tobytes() + bpm.astype(bpm_type).tobytes()
    header = _HEADER.pack(_MAGIC, n, int(time_ms[0]) if n else 0, np.dtype(gap_type).itemsize,
                          np.dtype(bpm_type).itemsize, len(raw))
    return header + zstd.compress(raw, _ZSTD_LEVEL)


def decode(blob: bytes, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time_ms int64, utc_offset_s int32, bpm) of one block; the instants are written into
    ``out`` when given (an int64 array of at least the block's samples: its first ones are used)."""
    try:
        magic, n, first, gap_w, bpm_w, size = _HEADER.unpack_from(blob)
        if magic != _MAGIC or gap_w not in (2, 4) or bpm_w not in (1, 2) or size != (n - 1) * gap_w + 4 * n + bpm_w * n:
            raise ValueError("bad header")
        # a pyarrow Buffer, not bytes: the columns below are views on it, nothing is copied
        raw = zstd.decompress(memoryview(blob)[_HEADER.size:], size)
    except Exception as exc:  # struct.error, pyarrow's OSError/ArrowInvalid: all mean damage
        raise BlockError(f"a heart-rate block is damaged: {exc}") from None
    gaps = np.frombuffer(raw, dtype=np.uint16 if gap_w == 2 else np.uint32, count=max(n - 1, 0))
    time_ms = np.empty(n, np.int64) if out is None else out[:n]
    if n:
        time_ms[0] = first
        np.cumsum(gaps, dtype=np.int64, out=time_ms[1:])
        time_ms[1:] += first
    at = (n - 1) * gap_w if n else 0
    offsets = np.frombuffer(raw, dtype=np.int32, count=n, offset=at)
    bpm = np.frombuffer(raw, dtype=np.uint8 if bpm_w == 1 else np.uint16, count=n, offset=at + 4 * n)
    return time_ms, offsets, bpm


def block_samples(blob: bytes) -> int:
    """The number of samples a block holds (from its header)."""
    return _HEADER.unpack_from(blob)[1] if len(blob) >= _HEADER.size else 0


# -- writing -----------------------------------------------------------------------------------

@dataclass
class Samples:
    """Column arrays of samples of one source (any order, duplicates allowed: the last wins)."""

    time_ms: np.ndarray
    utc_offset_s: np.ndarray
    bpm: np.ndarray

    def __len__(self) -> int:
        return len(self.time_ms)


def _last_per_instant(time_ms: np.ndarray, *cols: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sort by instant; where an instant repeats keep its last occurrence (input order)."""
    if len(time_ms) > 1:
        steps = np.diff(time_ms)
        if (steps > 0).all():  # a page in order (or its reverse, as newest-first walks give)
            return (time_ms, *cols)
        if (steps < 0).all():
            return (time_ms[::-1], *(c[::-1] for c in cols))
    order = np.argsort(time_ms, kind="stable")
    t = time_ms[order]
    keep = np.ones(len(t), bool)
    keep[:-1] = t[1:] != t[:-1]
    idx = order[keep]
    return (time_ms[idx], *(c[idx] for c in cols))


def upsert(conn: sqlite3.Connection, source_id: int, samples: Samples) -> int:
    """Merge samples of one source into their day blocks. Returns the samples added or changed."""
    if not len(samples):
        return 0
    t, off, bpm = _last_per_instant(np.asarray(samples.time_ms, np.int64),
                                    np.asarray(samples.utc_offset_s, np.int64),
                                    np.asarray(samples.bpm, np.int64))
    days = t // DAY_MS
    cuts = np.flatnonzero(np.diff(days)) + 1
    changed = 0
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(t)]):
        changed += _merge_day(conn, source_id, int(days[lo]), t[lo:hi], off[lo:hi], bpm[lo:hi])
    return changed


def _merge_day(conn: sqlite3.Connection, source_id: int, day: int, t: np.ndarray, off: np.ndarray,
               bpm: np.ndarray) -> int:
    row = conn.execute(f"SELECT data FROM {TABLE} WHERE source_id = ? AND day = ?", (source_id, day)).fetchone()
    if row is not None:
        old_t, old_off, old_bpm = decode(row[0])
        if t[-1] < old_t[0] or t[0] > old_t[-1]:  # no overlap (a walk's next page): append
            before = t[-1] < old_t[0]
            parts = [(t, off, bpm), (old_t, old_off, old_bpm)][:: 1 if before else -1]
            t, off, bpm = (np.concatenate(c) for c in zip(*parts))
            return _write(conn, source_id, day, t, off, bpm, changed=len(parts[0 if before else 1][0]))
        pos = np.minimum(np.searchsorted(old_t, t), max(len(old_t) - 1, 0))
        found = (old_t[pos] == t) if len(old_t) else np.zeros(len(t), bool)
        same = found & (old_off[pos] == off) & (old_bpm[pos] == bpm)
        changed = int(len(t) - same.sum())
        if not changed:
            return 0
        keep_old = np.ones(len(old_t), bool)
        keep_old[pos[found]] = False  # replaced by the new sample at the same instant
        t = np.concatenate([old_t[keep_old], t])
        off = np.concatenate([old_off[keep_old], off])
        bpm = np.concatenate([old_bpm[keep_old], bpm])
        order = np.argsort(t, kind="stable")
        t, off, bpm = t[order], off[order], bpm[order]
    else:
        changed = len(t)
    return _write(conn, source_id, day, t, off, bpm, changed)


def _write(conn: sqlite3.Connection, source_id: int, day: int, t: np.ndarray, off: np.ndarray, bpm: np.ndarray,
           changed: int) -> int:
    conn.execute(
        f"INSERT OR REPLACE INTO {TABLE} (source_id, day, samples, first_ms, last_ms, data) VALUES (?, ?, ?, ?, ?, ?)",
        (source_id, day, len(t), int(t[0]), int(t[-1]), encode(t, off, bpm)),
    )
    return changed


# -- reading -----------------------------------------------------------------------------------

def _blocks(conn: sqlite3.Connection, lo: int | None, hi: int | None, source_ids: Iterable[int] | None = None,
            ) -> Iterator[tuple[int, int, bytes]]:
    """(source_id, day, data) of blocks that may hold samples in [lo, hi), by day then source."""
    where, params = [], []
    if lo is not None:
        where.append("day >= ?")
        params.append(lo // DAY_MS)
    if hi is not None:
        where.append("day <= ?")
        params.append((hi - 1) // DAY_MS)
    if source_ids is not None:
        ids = sorted(set(source_ids))
        where.append(f"source_id IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    sql = f"SELECT source_id, day, data FROM {TABLE}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    yield from conn.execute(sql + " ORDER BY day, source_id", params)


def _empty() -> dict[str, np.ndarray]:
    return {name: np.empty(0, np.int64) for name in COLUMNS}


def _assemble(parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]], lo: int | None, hi: int | None,
              ) -> dict[str, np.ndarray]:
    if not parts:
        return _empty()
    t = np.concatenate([p[1] for p in parts])
    sizes = [len(p[1]) for p in parts]
    out = {  # int64 like every integer column the readers give (widened while concatenating)
        "time_ms": t,
        "source_id": np.repeat(np.array([p[0] for p in parts], np.int64), sizes),
        "utc_offset_s": np.concatenate([p[2] for p in parts], dtype=np.int64),
        "bpm": np.concatenate([p[3] for p in parts], dtype=np.int64),
    }
    if len({p[0] for p in parts}) > 1:  # several sources in one day: interleave by (time, source)
        order = np.lexsort((out["source_id"], t))
        out = {k: v[order] for k, v in out.items()}
    if lo is not None or hi is not None:
        a = 0 if lo is None else int(np.searchsorted(out["time_ms"], lo, "left"))
        b = len(t) if hi is None else int(np.searchsorted(out["time_ms"], hi, "left"))
        if a or b < len(t):
            out = {k: v[a:b] for k, v in out.items()}
    return out


def read(conn: sqlite3.Connection, lo: int | None = None, hi: int | None = None,
         source_ids: Iterable[int] | None = None) -> dict[str, np.ndarray]:
    """Every sample in [lo, hi) (epoch ms; None: unbounded), ordered by (time_ms, source_id)."""
    parts = [(sid, *decode(data)) for sid, _, data in _blocks(conn, lo, hi, source_ids)]
    return _assemble(parts, lo, hi)


def read_chunks(conn: sqlite3.Connection, lo: int | None = None, hi: int | None = None, *,
                chunk_rows: int = 1_000_000, source_ids: Iterable[int] | None = None,
                ) -> Iterator[dict[str, np.ndarray]]:
    """:func:`read` in chunks of whole UTC days, each of about ``chunk_rows`` samples (a chunk
    ends at the first day boundary past it)."""
    pending: list = []
    count = 0
    day = None
    for sid, d, data in _blocks(conn, lo, hi, source_ids):
        if d != day and count >= chunk_rows:
            yield _assemble(pending, lo, hi)
            pending, count = [], 0
        day = d
        block = (sid, *decode(data))
        pending.append(block)
        count += len(block[1])
    if pending:
        yield _assemble(pending, lo, hi)


def arrow_batches(conn: sqlite3.Connection, lo: int | None = None, hi: int | None = None,
                  columns: Iterable[str] = COLUMNS, batch_rows: int = 1 << 20) -> Iterator:
    """The samples in [lo, hi) as Arrow record batches of consecutive blocks (about
    ``batch_rows`` samples each), in day order: of ``columns``, ``time_ms`` int64, ``source_id``,
    ``utc_offset_s`` and ``bpm`` int32. Each batch's columns are filled in place from its blocks,
    a batch per core at a time (zstd and numpy release the GIL), without a row ever becoming a Python
    object (what DuckDB scans in ``fitvault sql``)."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

    schema = arrow_schema(columns)
    groups: list[list[tuple[int, int, bytes]]] = [[]]
    size = 0
    for block in _blocks(conn, lo, hi):
        if size >= batch_rows:
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += block_samples(block[2])

    def batch(group: list[tuple[int, int, bytes]]):
        total = sum(block_samples(data) for _sid, _day, data in group)
        cols: dict[str, np.ndarray] = {"time_ms": np.empty(total, np.int64), "source_id": np.empty(total, np.int32),
                "utc_offset_s": np.empty(total, np.int32), "bpm": np.empty(total, np.int32)}
        at = 0
        for sid, _day, data in group:
            t, off, bpm = decode(data, cols["time_ms"][at:])
            a = 0 if lo is None else int(np.searchsorted(t, lo, "left"))
            b = len(t) if hi is None else int(np.searchsorted(t, hi, "left"))
            if a:  # samples before lo: move the kept instants to the front
                cols["time_ms"][at:at + b - a] = t[a:b].copy()
            n = b - a
            cols["source_id"][at:at + n] = sid
            cols["utc_offset_s"][at:at + n] = off[a:b]
            cols["bpm"][at:at + n] = bpm[a:b]
            at += n
        return pa.RecordBatch.from_arrays([pa.array(cols[f.name][:at]) for f in schema], schema=schema) if at else None

    # as many at a time as there are cores (up to 8): DuckDB on a Parquet file, what
    # ``fitvault sql`` is measured against (issue #17), reads with every core too
    with ThreadPoolExecutor(max(2, min(8, os.cpu_count() or 2))) as pool:
        for got in pool.map(batch, [g for g in groups if g]):
            if got is not None:
                yield got


def arrow_schema(columns: Iterable[str] = COLUMNS):
    """The Arrow schema of :func:`arrow_batches` (of ``columns``, in the catalogue's order)."""
    import pyarrow as pa

    types = {"time_ms": pa.int64(), "source_id": pa.int32(), "utc_offset_s": pa.int32(), "bpm": pa.int32()}
    wanted = set(columns)
    return pa.schema([pa.field(c, types[c], False) for c in COLUMNS if c in wanted])


def stats(conn: sqlite3.Connection) -> tuple[int, int | None, int | None]:
    """(samples, first instant, last instant) of the whole table."""
    n, lo, hi = conn.execute(f"SELECT coalesce(sum(samples), 0), min(first_ms), max(last_ms) FROM {TABLE}").fetchone()
    return n, lo, hi


def count_since(conn: sqlite3.Connection, since_ms: int) -> int:
    """Samples after ``since_ms`` (whole blocks: an estimate good to a day)."""
    return conn.execute(f"SELECT coalesce(sum(samples), 0) FROM {TABLE} WHERE last_ms > ?", (since_ms,)).fetchone()[0]


# -- plain SQL -----------------------------------------------------------------------------------

def materialize(conn: sqlite3.Connection, lo: int | None = None, hi: int | None = None) -> int:
    """Fill ``temp.heart_rate`` with the samples in [lo, hi) as rows (the catalogue's columns
    and key), so SQL written for a row table reads them; works on a read-only connection.
    Returns the rows. Replaces an earlier materialisation on the same connection."""
    conn.execute("DROP TABLE IF EXISTS temp.heart_rate")
    conn.execute(
        "CREATE TEMP TABLE heart_rate (time_ms INTEGER NOT NULL, source_id INTEGER NOT NULL, "
        "utc_offset_s INTEGER NOT NULL, bpm INTEGER NOT NULL, PRIMARY KEY (time_ms, source_id)) WITHOUT ROWID"
    )
    if not conn.execute(f"SELECT 1 FROM sqlite_master WHERE name = '{TABLE}'").fetchone():
        return 0
    total = 0
    for a in read_chunks(conn, lo, hi, chunk_rows=500_000):
        conn.executemany(
            "INSERT INTO temp.heart_rate VALUES (?, ?, ?, ?)",
            zip(a["time_ms"].tolist(), a["source_id"].tolist(), a["utc_offset_s"].tolist(), a["bpm"].tolist()),
        )
        total += len(a["time_ms"])
    return total


def day_origins(conn: sqlite3.Connection, origin_ranks: Callable[[np.ndarray], np.ndarray],
                lo: int | None, hi: int | None) -> dict[int, int]:
    """{local day number: best origin rank} for the local days of samples in [lo, hi) that more
    than one origin holds (``origin_ranks(source_ids)``): the precedence rule's conflicts
    (``store/origins.py``), computed from the samples themselves."""
    seen: dict[int, set[int]] = {}
    if conn.execute(f"SELECT count(DISTINCT source_id) FROM {TABLE}").fetchone()[0] < 2:
        return {}
    for a in read_chunks(conn, lo, hi, chunk_rows=2_000_000):
        days = (a["time_ms"] // 1000 + a["utc_offset_s"]) // 86400
        pairs = np.unique(np.stack([days, origin_ranks(a["source_id"])]), axis=1)
        for d, r in pairs.T.tolist():
            seen.setdefault(d, set()).add(r)
    return {d: min(r) for d, r in seen.items() if len(r) > 1}
