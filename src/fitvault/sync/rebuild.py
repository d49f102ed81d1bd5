"""Re-deriving the API sources' rows from the raw archive; downloads nothing.

Every page a sync fetched was archived raw, with the request that produced it, before anything
parsed from it was committed. :func:`rebuild` hands each source (:class:`~fitvault.sync.engine.Replayable`)
one transaction in which it deletes its own rows and replays its pages in archive order; rows of
other origins (imported archives and CSV files, which are not in the raw archive) stay as they
are. The caller names the sources (``fitvault.sources.rebuild`` names both APIs), so this core
knows none of them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from fitvault.store.vault import Vault
from fitvault.stream import ParsedPage, Stream
from fitvault.sync.engine import Replayable


def rebuild(vault: Vault, sources: Iterable[Replayable]) -> dict[str, int]:
    """Replay every source's raw pages, each source in a transaction of its own.

    Returns records parsed per stream and the ``pages`` replayed in all.
    """
    counts: dict[str, int] = {}
    pages = 0
    for source in sources:
        with vault.transaction() as conn:
            replayed = source.replay(vault, conn)
        pages += replayed.pop("pages")
        counts.update(replayed)
    counts["pages"] = pages
    return counts


def clear_origin(conn: sqlite3.Connection, tables: Iterable[str], origin: str) -> None:
    """Delete one origin's rows from ``tables`` (those with a ``source_id``: session parts go
    with their session, ON DELETE CASCADE)."""
    for table in dict.fromkeys(tables):
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if "source_id" in columns:
            conn.execute(
                f"DELETE FROM {table} WHERE source_id IN (SELECT id FROM sources WHERE origin = ?)",  # noqa: S608
                (origin,),
            )


def save_replayed(vault: Vault, conn: sqlite3.Connection, name: str, stream: Stream, page: ParsedPage,
                  counts: dict[str, int]) -> None:
    """Save one replayed page's rows and quarantine its bad points, as the sync did; count it."""
    if page.rows:
        stream.save(conn, page.rows, vault.source_id)
    if page.bad:
        vault.quarantine(conn, name, page.bad)
    counts[name] = counts.get(name, 0) + len(page.rows)
    counts["pages"] += 1
