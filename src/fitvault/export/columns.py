"""Timed row tables (samples, intervals) for the exports, read as column arrays.

A year of minute-level steps, energy or zone minutes is ~350,000 rows per table; fetched as
Python tuples they cost ~1 µs per value. Here the NOT NULL integer columns (instants, offsets,
the source, integer values) of each window of rows come out of SQLite as one text per column
(``group_concat``, built in C) parsed by numpy, and only the other columns (REAL, text,
nullable values) are fetched as Python values, ordered by the table's key. Both read the same
rows in the same order (the window is a range of the indexed instant column); the instants of
the two are compared, and a window where anything differs is read the plain way instead.

Windows are :data:`WINDOW_MS` of the table's instant column; the range and the origin rule are
the exports' own SQL (``common.where``, ``Snapshot.losers``).
"""

from __future__ import annotations

import sqlite3
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from fitvault.datatypes.tables import Table
from fitvault.errors import StoreError
from fitvault.export import heart_arrow
from fitvault.export.common import Instant, fields, where

WINDOW_MS = 30 * 86_400_000
#: Layouts read here: one row per instant (or interval start) and source.
LAYOUTS = ("sample", "interval")


@dataclass(frozen=True)
class Plan:
    """Which columns of a table come out as integer text and which as Python values."""

    ints: tuple[str, ...]     # NOT NULL integer columns (group_concat)
    others: tuple[str, ...]   # the rest (fetched), after the order column
    order: str                # the indexed instant column


def plan(conn: sqlite3.Connection, table: Table) -> Plan:
    declared = {row[1]: (str(row[2]).upper(), bool(row[3]) or bool(row[5]))
                for row in conn.execute(f"PRAGMA table_info({table.name})")}
    wanted = [*table.time_columns, "source_id", *table.column_names]
    ints = tuple(c for c in wanted if "INT" in declared.get(c, ("", False))[0] and declared[c][1])
    others = tuple(c for c in wanted if c not in ints)
    return Plan(ints, others, table.order_column)


def chunks(conn: sqlite3.Connection, table: Table, where: str, params: list, exclude: str
           ) -> Iterator[dict[str, Any]]:
    """Every row of ``table`` matching ``where`` (`` WHERE ...`` on alias ``t`` or "") and not
    ``exclude`` (SQL on ``t`` and its source ``s``), in key order, one window at a time: a dict
    of column -> numpy int64 array (integer columns) or list (the others)."""
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
        args = [a, a + WINDOW_MS, *params]
        try:
            part = _window(conn, table, p, sql_from, args)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {table.name}: {exc}") from exc
        if part is not None and len(part[p.order]):
            yield part


def _window(conn: sqlite3.Connection, table: Table, p: Plan, sql_from: str, args: list) -> dict[str, Any] | None:
    key = ", ".join(f"t.{c}" for c in (p.order, "source_id"))
    ints = _int_columns(conn, p, sql_from, args)
    rows = conn.execute(f"SELECT {', '.join(f't.{c}' for c in (p.order, *p.others))} {sql_from} ORDER BY {key}",
                        args).fetchall() if p.others or ints is None else None
    if ints is not None and rows is not None:
        instants = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        if not np.array_equal(instants, ints[p.order]):
            ints = None
    if ints is None:  # the plain way: every column fetched
        names = (*table.time_columns, "source_id", *table.column_names)
        got = conn.execute(f"SELECT {', '.join(f't.{c}' for c in names)} {sql_from} ORDER BY {key}", args).fetchall()
        return {name: list(values) for name, values in zip(names, zip(*got))} if got else None
    out: dict[str, Any] = dict(ints)
    if rows:
        for i, name in enumerate(p.others, start=1):
            out[name] = [r[i] for r in rows]
    return out


def _int_columns(conn: sqlite3.Connection, p: Plan, sql_from: str, args: list) -> dict[str, np.ndarray] | None:
    """The integer columns of a window, or None if one holds anything but integers."""
    texts = conn.execute(f"SELECT {', '.join(f'group_concat(t.{c})' for c in p.ints)} {sql_from}", args).fetchone()
    if texts[0] is None:
        return {c: np.empty(0, np.int64) for c in p.ints}
    out = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a short parse warns: make it an error
            for name, text in zip(p.ints, texts):
                out[name] = np.fromstring(text, dtype=np.int64, sep=",")
    except (ValueError, DeprecationWarning, TypeError):
        return None
    if len({len(v) for v in out.values()}) != 1:
        return None
    return out


def readable(table: Table) -> bool:
    """Whether ``table`` is read here (heart rate, stored as blocks, is ``export/heart_arrow.py``'s)."""
    return table.layout in LAYOUTS and not table.parent and table.name != "heart_rate"


def shaped(snap: Any, table: Table, start: Any, end: Any, *, instant: Callable[[np.ndarray, np.ndarray], list],
           value: Callable[[Any, Any], Any], csv_quoted: bool = False) -> Iterator[list]:
    """Per chunk of ``table`` (a :class:`~fitvault.export.common.Snapshot`'s rows in the local
    dates ``start`` .. ``end``, the origin rule applied), the export's columns in field order:
    ``instant(ms, offsets)`` gives an instant's columns, ``value(field, values)`` a value's; the
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
