"""fitvault: own your Fitbit / Pixel Watch data in a local SQLite vault.

The public surface (everything else is internal and may change)::

    from fitvault import Vault, SyncOptions, sync, vault_status
    from fitvault import open, VaultReader    # read the vault as pandas DataFrames
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fitvault.errors import FitvaultError
from fitvault.query import VaultReader, open
from fitvault.sources.google import sync
from fitvault.sources.registry import rebuild
from fitvault.status import vault_status
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions, SyncReport

try:
    __version__ = version("fitvault")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "FitvaultError", "SyncOptions", "SyncReport", "Vault", "VaultReader", "__version__", "open", "rebuild", "sync",
    "vault_status",
]
