"""Re-deriving the API sources' rows from the raw archive; downloads nothing.

Every page a sync fetched was archived raw, with the request that produced it, before anything
parsed from it was committed. :func:`rebuild` hands each source (:class:`~fitvault.sync.engine.Replayable`)
one transaction in which it deletes its own rows and replays its pages in archive order; rows of
other origins (imported archives and CSV files, which are not in the raw archive) stay as they
are. The caller names the sources (``fitvault.sources.rebuild`` names both APIs), so this core
knows none of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from fitvault.store.vault import Vault
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
