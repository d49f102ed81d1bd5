"""Read-only SQL on a vault: the one function behind ``fitvault sql`` and every other caller.

::

    from fitvault.query.sql import run_sql

    result = run_sql("~/.local/share/fitvault", "SELECT count(*) FROM heart_rate")
    result.columns, result.rows          # or result.arrow, a pyarrow.Table

Two engines, chosen by the caller (the dialects differ, so fitvault never guesses):

* ``duckdb`` (the default): the query runs in an in-memory DuckDB. Every vault table the query
  names is handed to it as an Arrow table; ``heart_rate`` is decoded from its day blocks
  straight into Arrow (``sample_blocks.arrow_batches``: no row becomes a Python object), so a
  year of samples aggregates in well under a second. DuckDB's SQL (PostgreSQL-like): ``/`` is
  exact division (``//`` is integer division), local days are
  ``CAST(epoch_ms(time_ms + utc_offset_s * 1000) AS DATE)``. File access is switched off
  (``enable_external_access``), so a query can neither read nor write files; nothing it does
  reaches the vault.
* ``sqlite``: the query runs on the vault's own database, opened read-only (SQLite's dialect:
  ``date(time_ms / 1000 + utc_offset_s, 'unixepoch')``); ``heart_rate`` is unpacked into a
  ``TEMP`` table first (``sample_blocks.materialize``, about a second per million samples).

In both, ``heart_rate`` is every stored sample as rows (``time_ms``, ``source_id``,
``utc_offset_s``, ``bpm``), every origin included (the Python API applies the origin rule).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

from fitvault.errors import ConfigError, StoreError
from fitvault.store import sample_blocks
from fitvault.store.readonly import open_read_only

Engine = Literal["duckdb", "sqlite"]
ENGINES: tuple[str, ...] = ("duckdb", "sqlite")
HEART_RATE = "heart_rate"


@dataclass
class SqlResult:
    """The answer of one query: column names and rows (tuples of Python values); ``truncated``
    when rows past ``max_rows`` were left out."""

    columns: list[str]
    rows: list[tuple]
    engine: str
    arrow: Any = None  # the result as a pyarrow.Table (duckdb engine only)
    truncated: bool = False


def _names(query: str, candidates: set[str]) -> list[str]:
    """The vault tables a query mentions (a word match: a name inside a string literal only
    costs its loading)."""
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query)}
    return sorted(n for n in candidates if n.lower() in words)


def run_sql(vault: str | os.PathLike[str], query: str, *, engine: str = "duckdb",
            max_rows: int | None = None) -> SqlResult:
    """Run one read-only ``query`` on the vault at ``vault`` (its folder or database file).

    Args:
        engine: ``duckdb`` or ``sqlite`` (see the module docstring for their dialects).
        max_rows: keep at most this many rows of the answer (None: all).

    Raises:
        ConfigError: an unknown engine.
        StoreError: no vault, or the query failed (its message says why).
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown SQL engine {engine!r}: choose {' or '.join(ENGINES)}")
    conn = open_read_only(vault, temp_tables=engine == "sqlite")
    try:
        conn.execute("BEGIN")  # one snapshot for every table the query reads
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        blocks = sample_blocks.TABLE in present
        if engine == "sqlite":
            return _on_sqlite(conn, query, blocks, max_rows)
        return _on_duckdb(conn, query, present, blocks, max_rows)
    finally:
        conn.close()


# On a read-only connection ATTACH still creates an empty file for a new name: refused.
_REFUSED = {sqlite3.SQLITE_ATTACH: "ATTACH", sqlite3.SQLITE_DETACH: "DETACH"}


def _on_sqlite(conn: sqlite3.Connection, query: str, blocks: bool, max_rows: int | None) -> SqlResult:
    refused: list[str] = []

    def authorize(action: int, *_: object) -> int:
        if action in _REFUSED:
            refused.append(_REFUSED[action])
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    try:
        if blocks and _names(query, {HEART_RATE}):
            sample_blocks.materialize(conn)
        conn.set_authorizer(authorize)
        cursor = conn.execute(query)
        header = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows + 1)
    except (sqlite3.Error, sample_blocks.BlockError) as exc:
        if refused:
            raise StoreError(f"the query failed: {refused[0]} is not allowed (the vault is read-only and "
                             "nothing else may be opened or created)") from exc
        raise StoreError(f"the query failed: {exc}") from exc
    return _bounded(SqlResult(header, rows, "sqlite"), max_rows)


def _bounded(result: SqlResult, max_rows: int | None) -> SqlResult:
    """``result`` cut to ``max_rows`` rows, ``truncated`` when there were more."""
    if max_rows is None or len(result.rows) <= max_rows:
        return result
    arrow = result.arrow.slice(0, max_rows) if result.arrow is not None else None
    return SqlResult(result.columns, result.rows[:max_rows], result.engine, arrow, truncated=True)


def _on_duckdb(conn: sqlite3.Connection, query: str, present: set[str], blocks: bool,
               max_rows: int | None) -> SqlResult:
    import duckdb

    db = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        candidates = (present - {sample_blocks.TABLE}) | ({HEART_RATE} if blocks else set())
        for name in _names(query, candidates):
            if name == HEART_RATE and blocks:
                db.register(name, heart_rate_arrow(conn, columns=_mentioned_columns(query)))
            else:
                db.register(name, sqlite_table_arrow(conn, name))
        try:
            relation = db.sql(query)
            if relation is None:  # a statement without an answer
                return SqlResult([], [], "duckdb")
            # DuckDB 2 names it to_arrow_table; 1.x arrow
            table = (getattr(relation, "to_arrow_table", None) or relation.arrow)()
        except duckdb.Error as exc:
            raise StoreError(f"the query failed: {exc}{_dialect_hint(exc)}") from exc
    except sample_blocks.BlockError as exc:
        raise StoreError(f"the query failed: {exc}") from exc
    finally:
        db.close()
    if max_rows is not None:
        table = table.slice(0, max_rows + 1)
    rows = list(zip(*(col.to_pylist() for col in table.columns))) if table.num_columns else []
    return _bounded(SqlResult(list(table.column_names), rows, "duckdb", table), max_rows)


def _dialect_hint(exc: Exception) -> str:
    """For a query DuckDB could not parse or bind (often SQLite's dialect, e.g. ``date(x,
    'unixepoch')``): where the other dialect is."""
    import duckdb

    if isinstance(exc, (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)):
        return (" (this ran on DuckDB, whose SQL is PostgreSQL-like; for SQLite's dialect choose the sqlite "
                "engine: `fitvault sql --engine sqlite`; docs/sql.md)")
    return ""


def _mentioned_columns(query: str) -> tuple[str, ...]:
    """The heart-rate columns a query may read: those it names, all of them for a ``*``
    (decoding fewer columns is less memory to fill)."""
    if "*" in query:
        return sample_blocks.COLUMNS
    named = tuple(_names(query, set(sample_blocks.COLUMNS)))
    return named or sample_blocks.COLUMNS[:1]  # count(*) still needs rows to count


def heart_rate_arrow(conn: sqlite3.Connection, lo: int | None = None, hi: int | None = None,
                     columns: tuple[str, ...] = sample_blocks.COLUMNS) -> Any:
    """Every heart-rate sample in [lo, hi) as a pyarrow.Table of ``columns`` (chunks of about a
    million samples, whole day blocks)."""
    import pyarrow as pa

    return pa.Table.from_batches(list(sample_blocks.arrow_batches(conn, lo, hi, columns)),
                                 schema=sample_blocks.arrow_schema(columns))


_ARROW_OF_AFFINITY = (("INT", "int64"), ("CHAR", "string"), ("CLOB", "string"), ("TEXT", "string"),
                      ("BLOB", "binary"), ("REAL", "float64"), ("FLOA", "float64"), ("DOUB", "float64"))


def _arrow_type(declared: str) -> Any:
    """SQLite's affinity rules (datatype3.html#determination_of_column_affinity) as an Arrow type;
    None: let Arrow infer (NUMERIC, or no declared type)."""
    import pyarrow as pa

    upper = declared.upper()
    for part, name in _ARROW_OF_AFFINITY:
        if part in upper:
            return getattr(pa, name)()
    return None


def sqlite_table_arrow(conn: sqlite3.Connection, name: str) -> Any:
    """One table (or view) of the vault as a pyarrow.Table, columns typed by their declared
    affinity (a column holding values of another type, as SQLite allows, is inferred instead)."""
    import pyarrow as pa

    declared = {row[1]: row[2] or "" for row in conn.execute(f'PRAGMA table_xinfo("{name}")')}
    cursor = conn.execute(f'SELECT * FROM "{name}"')
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    values = list(zip(*rows)) if rows else [() for _ in columns]
    arrays = []
    for column, data in zip(columns, values):
        wanted = _arrow_type(declared.get(column, ""))
        try:
            arrays.append(pa.array(data, type=wanted))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays.append(pa.array([None if v is None else str(v) for v in data], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=columns)
