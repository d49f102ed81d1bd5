"""Read-only SQL on a vault: what `fitvault sql` and the MCP server's ``sql`` tool both run.

The vault is opened read-only (:func:`fitvault.export.common.open_snapshot`: SQLite
``mode=ro``, one read transaction), so no statement can change it. Heart-rate samples are stored
as compressed day blocks; a query naming ``heart_rate`` sees them as rows (time_ms, source_id,
utc_offset_s, bpm), unpacked first into a TEMP table (~1 s per million samples). ``ATTACH`` is
refused: on a read-only connection it would still create an empty file for a new name.
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
_REFUSED = {sqlite3.SQLITE_ATTACH: "ATTACH", sqlite3.SQLITE_DETACH: "DETACH"}


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
    refused: list[str] = []

    def authorize(action: int, *_: object) -> int:
        if action in _REFUSED:
            refused.append(_REFUSED[action])
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    with open_snapshot(vault_dir) as snap:
        try:
            if sample_blocks.TABLE in snap.present and _MENTIONS_HEART_RATE.search(query):
                sample_blocks.materialize(snap.conn)
            snap.conn.set_authorizer(authorize)
            cursor = snap.conn.execute(query)
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows + 1)
        except (sqlite3.Error, sample_blocks.BlockError) as exc:
            if refused:
                raise StoreError(f"the query failed: {refused[0]} is not allowed (the vault is read-only and "
                                 "nothing else may be opened or created)") from exc
            raise StoreError(f"the query failed: {exc}") from exc
    if max_rows is None:
        return SqlResult(columns, rows)
    return SqlResult(columns, rows[:max_rows], truncated=len(rows) > max_rows)
