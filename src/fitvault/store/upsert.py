"""One upsert per table, generated from the catalogue: write only what changed.

Every data write (a sync page of either API, an archive import) goes through the statement
this module generates from the table's entry in :mod:`fitvault.datatypes.tables`, the way
sqlite-utils has one ``upsert``::

    INSERT INTO t (k, a, b) VALUES (?, ?, ?)
    ON CONFLICT (k) DO UPDATE SET a = excluded.a, b = excluded.b
    WHERE a IS NOT excluded.a OR b IS NOT excluded.b

The conflict target is the table's natural key, a UNIQUE index of the schema (a test checks
every table). ``IS NOT`` compares NULL-aware, so a row written again with the same values is
not updated and SQLite counts no change: the sync's records-changed figure and the importers'
"re-import changed 0 rows" rest on it.

Rules a table declares in the catalogue change the statement:

* ``ranked`` (reconciled rollups, one row per day whatever the origin): the update also needs
  the row held not to be of a better-ranked origin than the writer's (``store/origins.py``):
  an import fills a day or replaces its own or a worse origin's value, never a better one's.
  For the best origin (the Google Health API, the default) the condition always holds and is
  left out.
* ``quiet`` columns are written along with a change but are no change by themselves (the time
  a route was fetched).

:func:`replace_children` writes a session's rows in a child table (stages, splits, events): the
API re-processes sessions, so the session's set is replaced whole, and only when it differs.

Not here: the heart-rate day blocks (``store/sample_blocks.py``): a block is one compressed
value per source and day, merged and compared sample by sample before it is written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache

from fitvault.datatypes.tables import SIDE_TABLES_BY_NAME, TABLES_BY_NAME, Table
from fitvault.store import origins

#: Catalogue tables not stored as rows, and where they are stored instead.
NOT_ROWS = {"heart_rate": "heart_rate_blocks"}


def table_of(name: str) -> Table:
    """The catalogue entry of a table (data type or side table)."""
    found = TABLES_BY_NAME.get(name) or SIDE_TABLES_BY_NAME.get(name)
    if found is None:
        raise KeyError(f"{name!r} is not in the catalogue (datatypes/tables.py)")
    return found


@lru_cache(maxsize=None)
def statement(name: str, columns: tuple[str, ...] | None = None,
              origin: str = origins.ORIGIN_GOOGLE_HEALTH_API, last_wins: bool = False) -> str:
    """The upsert of table ``name``, binding ``columns`` (default: the catalogue's row order;
    any order of exactly those columns) and written by ``origin`` (for ranked tables).
    ``last_wins``: update unconditionally (for a set just deleted, in which only a repeated
    key can conflict: the last row is kept and counted, as ``INSERT OR REPLACE`` would)."""
    table = table_of(name)
    if name in NOT_ROWS:
        raise ValueError(f"{name} is stored in {NOT_ROWS[name]} (store/sample_blocks.py), not as rows")
    columns = columns or table.row_columns
    if sorted(columns) != sorted(table.row_columns):
        raise ValueError(f"{name}: write every column of the catalogue once, got {columns}")
    key = table.natural_key
    updates = [c for c in columns if c not in key]
    sql = (f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
           f"ON CONFLICT ({', '.join(key)}) DO ")
    if not updates:
        return sql + "NOTHING"
    sql += "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updates)
    if last_wins:
        return sql
    changed = "(" + " OR ".join(f"{name}.{c} IS NOT excluded.{c}" for c in updates if c not in table.quiet) + ")"
    rank = origins.origin_rank(origin)
    if table.ranked and rank > 0:
        held = origins.rank_sql(f"(SELECT s.origin FROM sources AS s WHERE s.id = {name}.source_id)")
        changed = f"{held} >= {rank} AND {changed}"
    return f"{sql} WHERE {changed}"


def write(conn: sqlite3.Connection, name: str, rows: Iterable[Sequence], columns: Sequence[str] | None = None,
          origin: str = origins.ORIGIN_GOOGLE_HEALTH_API) -> int:
    """Upsert ``rows`` (bound in ``columns`` order) into table ``name``; the rows inserted or
    changed."""
    sql = statement(name, tuple(columns) if columns else None, origin)
    return conn.executemany(sql, rows).rowcount


def replace_children(conn: sqlite3.Connection, name: str, parent_id: str, rows: Iterable[tuple],
                     columns: Sequence[str]) -> None:
    """Make ``rows`` the rows of ``parent_id`` in child table ``name``. ``columns`` starts with
    the column naming the parent, which ``rows`` leave out. Nothing is written when the stored
    rows, in key order, are ``sorted(rows)``."""
    parent, rest = columns[0], ", ".join(columns[1:])
    order = ", ".join(table_of(name).natural_key[1:])
    new = sorted(rows)
    old = conn.execute(f"SELECT {rest} FROM {name} WHERE {parent} = ? ORDER BY {order}", (parent_id,)).fetchall()
    if old != new:
        conn.execute(f"DELETE FROM {name} WHERE {parent} = ?", (parent_id,))
        conn.executemany(statement(name, tuple(columns), last_wins=True), ((parent_id,) + row for row in new))
