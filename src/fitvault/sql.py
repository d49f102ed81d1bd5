"""Read-only SQL on a vault: what `fitvault sql` and the MCP server's ``sql`` tool both run.

The vault is opened read-only (:func:`fitvault.export.common.open_snapshot`: SQLite
``mode=ro``, one read transaction), so no statement can change it. Heart-rate samples are stored
as compressed day blocks; a query naming ``heart_rate`` sees them as rows (time_ms, source_id,
utc_offset_s, bpm), unpacked first into a TEMP table (~1 s per million samples).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from fitvault.errors import StoreError
from fitvault.export.common import open_snapshot
from fitvault.store import sample_blocks

_MENTIONS_HEART_RATE = re.compile(r"\bheart_rate\b", re.IGNORECASE)


@dataclass(frozen=True)
class SqlResult:
    """The columns and rows of one query; ``truncated`` when rows past ``max_rows`` were left out."""

    columns: list[str]
    rows: list[tuple]
    truncated: bool = False


def run_sql(vault_dir: Path | str, query: str, max_rows: int | None = None) -> SqlResult:
    """Run one read-only SQL ``query`` on the vault at ``vault_dir``.

    Args:
        max_rows: keep at most this many rows (``truncated`` says whether more were there);
            None keeps them all.

    Raises:
        StoreError: no vault there, or the query failed (syntax, unknown table, an attempt to
            write: ``attempt to write a readonly database``).
    """
    with open_snapshot(vault_dir) as snap:
        try:
            if sample_blocks.TABLE in snap.present and _MENTIONS_HEART_RATE.search(query):
                sample_blocks.materialize(snap.conn)
            cursor = snap.conn.execute(query)
            columns = [d[0] for d in cursor.description or ()]
            if max_rows is None:
                return SqlResult(columns, cursor.fetchall())
            rows = cursor.fetchmany(max_rows + 1)
        except (sqlite3.Error, sample_blocks.BlockError) as exc:
            raise StoreError(f"the query failed: {exc}") from exc
    return SqlResult(columns, rows[:max_rows], truncated=len(rows) > max_rows)
