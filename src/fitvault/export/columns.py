"""Timed row tables (samples, intervals) for the exports, read as column arrays.

A year of minute-level steps, energy or zone minutes is ~350,000 rows per table; fetched as
Python tuples they cost ~1 µs per value. Here the NOT NULL integer and text columns (instants,
offsets, the source, integer values, zone and level names) of each window of rows come out of
SQLite in one scan as one text per column (``group_concat``, built in C): numpy parses the
integers, and the text, its values split by a separator byte (``\\x1f``), becomes an Arrow
string array without a Python string per row. Only the other columns (REAL, nullable values)
are fetched as Python values, ordered by the table's key, (order column, source): the scanned
columns are put in that order too (they are already, the scan walks the primary key), so both
line up row for row. A window where a column cannot be read that way (an integer column holding
text, a value holding the separator) is read the plain way instead.

Windows are :data:`WINDOW_MS` of the table's instant column; the range and the origin rule are
the exports' own SQL (``common.where``, ``Snapshot.losers``).
"""

from __future__ import annotations

import sqlite3
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa

from fitvault.datatypes.tables import Table
from fitvault.errors import StoreError
from fitvault.export import heart_arrow
from fitvault.export.common import Instant, fields, where

WINDOW_MS = 30 * 86_400_000
#: Layouts read here: one row per instant (or interval start) and source.
LAYOUTS = ("sample", "interval")
_SEP = 0x1F  # the unit separator: between the text values of a scanned column


@dataclass(frozen=True)
class Plan:
    """Which columns of a table are scanned as text and which are fetched as Python values."""

    ints: tuple[str, ...]     # NOT NULL integer columns (group_concat, parsed by numpy)
    texts: tuple[str, ...]    # NOT NULL text columns (group_concat with a separator)
    others: tuple[str, ...]   # the rest (fetched in key order)
    order: str                # the indexed instant column
    keyed: bool               # the primary key is (order, source_id), both scanned as integers


def plan(conn: sqlite3.Connection, table: Table) -> Plan:
    info = list(conn.execute(f"PRAGMA table_info({table.name})"))
    declared = {row[1]: (str(row[2]).upper(), bool(row[3]) or bool(row[5])) for row in info}
    wanted = [*table.time_columns, "source_id", *table.column_names]

    def scanned(column: str, kind: str) -> bool:
        decl, not_null = declared.get(column, ("", False))
        return kind in decl and not_null

    ints = tuple(c for c in wanted if scanned(c, "INT"))
    texts = tuple(c for c in wanted if c not in ints and scanned(c, "TEXT"))
    others = tuple(c for c in wanted if c not in ints and c not in texts)
    key = tuple(row[1] for row in sorted(info, key=lambda row: row[5]) if row[5])
    keyed = key == (table.order_column, "source_id") and set(key) <= set(ints)
    return Plan(ints, texts, others, table.order_column, keyed)


def chunks(conn: sqlite3.Connection, table: Table, where: str, params: list, exclude: str
           ) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` matching ``where`` (`` WHERE ...`` on alias ``t`` or "") and not
    ``exclude`` (SQL on ``t`` and its source ``s``), in key order, one window at a time: a dict
    of column -> numpy int64 array (integer columns), Arrow string array (text columns) or list
    (the others)."""
    p = plan(conn, table)
    try:
        lo, hi = conn.execute(f"SELECT min({p.order}), max({p.order}) FROM {table.name}").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {table.name}: {exc}") from exc
    if lo is None:
        return
    join = " LEFT JOIN sources AS s ON s.id = t.source_id" if exclude else ""
    base = [where[len(" WHERE "):]] if where else []
    if exclude:
        base.append(f"NOT {exclude}")
    for a in range(lo, hi + 1, WINDOW_MS):
        clauses = [f"t.{p.order} >= ?", f"t.{p.order} < ?", *base]
        sql_from = f"FROM {table.name} AS t{join} WHERE " + " AND ".join(clauses)
        try:
            part = _window(conn, table, p, sql_from, [a, a + WINDOW_MS, *params])
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {table.name}: {exc}") from exc
        if part is not None:
            yield part


def _window(conn: sqlite3.Connection, table: Table, p: Plan, sql_from: str, args: list) -> dict[str, Any] | None:
    """One window's rows in key order (None: no rows)."""
    key = ", ".join(f"t.{c}" for c in (p.order, "source_id"))
    out = _scanned_columns(conn, p, sql_from, args) if p.keyed else None
    if out is not None and p.others:
        rows = conn.execute(f"SELECT {', '.join(f't.{c}' for c in p.others)} {sql_from} ORDER BY {key}",
                            args).fetchall()
        if len(rows) == len(out[p.order]):
            for i, name in enumerate(p.others):
                out[name] = [r[i] for r in rows]
        else:  # the snapshot cannot change between the two: defensive only
            out = None
    if out is None:  # the plain way: every column fetched
        names = (*table.time_columns, "source_id", *table.column_names)
        got = conn.execute(f"SELECT {', '.join(f't.{c}' for c in names)} {sql_from} ORDER BY {key}", args).fetchall()
        return {name: list(values) for name, values in zip(names, zip(*got))} if got else None
    return out if len(out[p.order]) else None


def _scanned_columns(conn: sqlite3.Connection, p: Plan, sql_from: str, args: list) -> dict[str, Any] | None:
    """The integer and text columns of a window from one scan, in key order, or None if an
    integer column holds anything but integers or a text value holds the separator."""
    concat = [f"group_concat(t.{c})" for c in p.ints] + [f"CAST(group_concat(t.{c}, char({_SEP})) AS BLOB)"
                                                        for c in p.texts]
    got = conn.execute(f"SELECT {', '.join(concat)} {sql_from}", args).fetchone()
    if got[0] is None:
        return {c: np.empty(0, np.int64) for c in p.ints}
    out: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a short parse warns: make it an error
            for name, text in zip(p.ints, got):
                out[name] = np.fromstring(text, dtype=np.int64, sep=",")
    except (ValueError, DeprecationWarning, TypeError):
        return None
    n = len(out[p.order])
    if any(len(v) != n for v in out.values()):
        return None
    for name, blob in zip(p.texts, got[len(p.ints):]):
        texts = _split(blob, n)
        if texts is None or not _utf8(texts):
            return None
        out[name] = texts
    order = _key_order(out[p.order], out["source_id"])
    if order is not None:
        out = {k: v[order] if isinstance(v, np.ndarray) else v.take(order) for k, v in out.items()}
    return out


def _split(blob: bytes | None, n: int) -> pa.Array | None:
    """``n`` texts joined by the separator as an Arrow string array (None: not ``n`` of them)."""
    data = np.frombuffer(blob or b"", np.uint8)
    cuts = np.flatnonzero(data == _SEP)
    if len(cuts) != n - 1:
        return None
    offsets = np.empty(n + 1, np.int32)
    offsets[0], offsets[-1] = 0, len(data) - len(cuts)
    offsets[1:-1] = cuts - np.arange(len(cuts))  # the end of each value, separators left out
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data[data != _SEP]))


def _utf8(texts: pa.Array) -> bool:
    """Whether the text is valid UTF-8 (a BLOB in a text column is not: read the plain way)."""
    try:
        texts.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _key_order(order: np.ndarray, source: np.ndarray) -> np.ndarray | None:
    """The permutation into (order, source) order; None when the rows are in it already."""
    step = np.diff(order)
    if ((step > 0) | ((step == 0) & (np.diff(source) > 0))).all():
        return None
    return np.lexsort((source, order))


def readable(table: Table) -> bool:
    """Whether ``table`` is read here (heart rate, stored as blocks, is ``export/heart_arrow.py``'s)."""
    return table.layout in LAYOUTS and not table.parent and table.name != "heart_rate"


def shaped(snap: Any, table: Table, start: Any, end: Any, *, instant: Callable[[np.ndarray, np.ndarray], list],
           value: Callable[[Any, Any], Any], csv_quoted: bool = False) -> Iterator[list]:
    """Per chunk of ``table`` (a :class:`~fitvault.export.common.Snapshot`'s rows in the local
    dates ``start`` .. ``end``, the origin rule applied), the export's columns in field order:
    ``instant(ms, offsets)`` gives an instant's columns, ``value(field, values)`` a value's
    (values: a numpy array, an Arrow string array or a list, as :func:`chunks` gives them); the
    device is looked up by source id."""
    names = heart_arrow.devices(snap.conn, csv_quoted=csv_quoted)
    clause, params = where(table, start, end)
    for a in chunks(snap.conn, table, clause, params, snap.losers(table, start, end)):
        arrays: list = []
        for f in fields(table):
            if isinstance(f, Instant):
                arrays += instant(np.asarray(a[f.ms], np.int64), np.asarray(a[f.offset], np.int64))
            elif f.name == "device":
                arrays.append(names.take(np.asarray(a["source_id"], np.int64)))
            else:
                arrays.append(value(f, a[f.name]))
        yield arrays
