"""The sources wired into the sync core together: what ``fitvault rebuild`` replays."""

from __future__ import annotations

from fitvault.sources.fitbit.engine import FitbitSource
from fitvault.sources.google.engine import GoogleSource
from fitvault.store.vault import Vault
from fitvault.sync.engine import Replayable
from fitvault.sync.rebuild import rebuild as rebuild_sources

#: Every API source whose raw pages the vault archives, in replay order.
SOURCES: tuple[Replayable, ...] = (GoogleSource, FitbitSource)


def rebuild(vault: Vault) -> dict[str, int]:
    """Re-derive the API sources' rows from the raw archive; downloads nothing.

    The Google Health API's rows are deleted and replayed in one transaction, then the legacy
    Fitbit Web API's (its own transaction). Rows of other origins — imported archives and CSV
    files, which are not in the raw archive — are left as they are.

    Returns pages replayed and records parsed per stream.
    """
    return rebuild_sources(vault, SOURCES)
