"""Heart rate for the exports, straight from its day blocks to Arrow (no SQL rows in between).

A year of heart rate is ~15 million samples; read as SQL rows (``sample_blocks.materialize``,
then a cursor) they cost seconds per million. Here the blocks are decoded into column arrays
(``sample_blocks.read_chunks``), the local-date range and the origin precedence rule
(``store/origins.py``) are applied with numpy, and each chunk becomes the export's Arrow
columns. The rows are those the SQL path gives: the range's local dates, the best origin's
samples on a day several origins hold, ordered by (instant, source).

:func:`iso_strings` formats instants as the tidy CSV's ISO 8601 text (``2026-03-08T01:59:58-05:00``,
``.123`` only when the instant has milliseconds, ``Z`` for UTC), vectorised: the characters are
laid out in a numpy byte matrix and become an Arrow string array without a Python string per row.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Iterator

import numpy as np
import pyarrow as pa

from fitvault import timeutil
from fitvault.errors import StoreError
from fitvault.store import origins, sample_blocks

DAY_S = 86_400


def csv_field(value: object) -> str:
    """``value`` as Python's ``csv`` module writes a field: ``str()``, and text quoted (quotes
    doubled) where it holds a comma, quote or line break. For pyarrow's CSV writer, which is
    given text it must not quote again (the tidy CSV and its devices)."""
    text = str(value)
    if isinstance(value, str) and any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def devices(conn: sqlite3.Connection, *, csv_quoted: bool = False) -> pa.Array:
    """``sources.device`` by source id (null where a source has none), for ``take``;
    ``csv_quoted``: as a CSV field (quoted where it holds a comma, quote or line break, as
    Python's ``csv`` module writes it), for a writer that quotes nothing itself."""
    rows = conn.execute("SELECT id, device FROM sources").fetchall()
    names: list[str | None] = [None] * (max((r[0] for r in rows), default=0) + 1)
    for sid, device in rows:
        names[sid] = csv_field(device) if csv_quoted and device is not None else device
    return pa.array(names, pa.string())


def _origin_ranks(conn: sqlite3.Connection) -> np.ndarray:
    rows = conn.execute("SELECT id, origin FROM sources").fetchall()
    ranks = np.full(max((r[0] for r in rows), default=0) + 1, origins.UNKNOWN_RANK, np.int64)
    for sid, origin in rows:
        ranks[sid] = origins.origin_rank(origin)
    return ranks


def chunks(conn: sqlite3.Connection, start: date | None, end: date | None,
           chunk_rows: int) -> Iterator[dict[str, np.ndarray]]:
    """Column arrays (``time_ms``, ``source_id``, ``utc_offset_s``, ``bpm``) of the samples on
    local dates ``start`` .. ``end`` (inclusive; None: open), the precedence rule applied, in
    chunks of whole UTC days of about ``chunk_rows`` samples."""
    wall_lo, wall_hi = timeutil.local_days(start, end)
    lo, hi = timeutil.instant_span(wall_lo, wall_hi)
    ranks = _origin_ranks(conn)
    try:
        found = sample_blocks.day_origins(conn, lambda ids: ranks[ids], lo, hi) if origins.several_origins(conn) else {}
        days = np.array(sorted(found), np.int64)
        best = np.array([found[int(d)] for d in days], np.int64)
        for a in sample_blocks.read_chunks(conn, lo, hi, chunk_rows=chunk_rows):
            keep = _keep(a, wall_lo, wall_hi, days, best, ranks)
            yield a if keep is None else {k: v[keep] for k, v in a.items()}
    except (sqlite3.Error, sample_blocks.BlockError) as exc:
        raise StoreError(f"cannot read heart_rate from the vault: {exc}") from exc


def _keep(a: dict[str, np.ndarray], wall_lo: int | None, wall_hi: int | None, days: np.ndarray,
          best: np.ndarray, ranks: np.ndarray) -> np.ndarray | None:
    """Rows in the wall-time range whose origin does not lose its local day; None: all."""
    if wall_lo is None and wall_hi is None and not len(days):
        return None
    wall = a["time_ms"] + a["utc_offset_s"] * 1000
    keep = np.ones(len(wall), bool)
    if wall_lo is not None:
        keep &= wall >= wall_lo
    if wall_hi is not None:
        keep &= wall < wall_hi
    if len(days):
        day = wall // (DAY_S * 1000)
        pos = np.minimum(np.searchsorted(days, day), len(days) - 1)
        keep &= ~((days[pos] == day) & (ranks[a["source_id"]] > best[pos]))
    return keep


# -- ISO 8601 text, vectorised -----------------------------------------------------------------

def _digits(out: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    for i in range(width - 1, -1, -1):
        out[:, col + i] = 48 + values % 10
        values = values // 10


def _clock_table() -> np.ndarray:
    """``HH:MM:SS`` of every second of a day (86,400 8-byte texts)."""
    s = np.arange(DAY_S, dtype=np.int64)
    out = np.empty((DAY_S, 8), np.uint8)
    _digits(out, 0, s // 3600, 2)
    _digits(out, 3, s // 60 % 60, 2)
    _digits(out, 6, s % 60, 2)
    out[:, [2, 5]] = ord(":")
    return out.view("S8").ravel()


_CLOCK: list[np.ndarray] = []


def _texts(values: list[str]) -> np.ndarray:
    return np.array([v.encode("ascii") for v in values])


def iso_strings(ms: np.ndarray, offset_s: np.ndarray | None) -> pa.Array:
    """``YYYY-MM-DDTHH:MM:SS[.mmm]±HH:MM`` of instants ``ms`` at their ``offset_s`` (local
    time), or ``...Z`` (UTC) when ``offset_s`` is None; the same text as
    ``common.sql_local_iso`` / ``sql_utc_iso``. Each row is a record of fixed-width byte
    fields filled from small tables (the chunk's days and offsets, the 86,400 seconds of a day);
    the records' bytes are the string array's data."""
    if not _CLOCK:
        _CLOCK.append(_clock_table())
    n = len(ms)
    if not n:
        return pa.array([], pa.string())
    wall = ms if offset_s is None else ms + offset_s.astype(np.int64) * 1000
    secs, frac = np.divmod(wall, 1000)
    days, sod = np.divmod(secs, DAY_S)
    first = int(days.min())
    day_table = _texts([f"{np.datetime64(d, 'D')}T" for d in range(first, int(days.max()) + 1)])
    if offset_s is None or offset_s.min() == offset_s.max():
        zones, zone_index = _texts(["Z" if offset_s is None else timeutil.format_offset(int(offset_s[0]))]), None
    else:
        offsets, zone_index = np.unique(offset_s, return_inverse=True)
        zones = _texts([timeutil.format_offset(int(o)) for o in offsets])
    has_ms = frac != 0
    any_ms = bool(has_ms.any())
    fields = [("date", "S11"), ("clock", "S8")] + ([("ms", "S4")] if any_ms else []) + [("zone", zones.dtype.str)]
    rows = np.empty(n, np.dtype(fields))
    rows["date"] = day_table[0] if len(day_table) == 1 else day_table[days - first]
    rows["clock"] = _CLOCK[0][sod]
    rows["zone"] = zones[0] if zone_index is None else zones[zone_index]
    width = rows.dtype.itemsize
    if not any_ms:  # whole seconds (the usual case): every text has the same length
        offsets_ = np.arange(n + 1, dtype=np.int32) * width
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets_), pa.py_buffer(rows.view(np.uint8)))
    digits = np.empty((n, 4), np.uint8)
    digits[:, 0] = ord(".")
    _digits(digits, 1, frac, 3)
    rows["ms"] = digits.view("S4").ravel()
    used = np.ones((n, width), bool)
    used[:, 19:23] = has_ms[:, None]
    offsets_ = np.zeros(n + 1, np.int32)
    np.cumsum(used.sum(axis=1), out=offsets_[1:])
    data = rows.view(np.uint8).reshape(n, width)[used]  # row-major: each row's used characters
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets_), pa.py_buffer(data))
