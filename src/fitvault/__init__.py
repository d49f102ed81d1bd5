"""fitvault: own your Fitbit / Pixel Watch data in a local SQLite vault.

The public surface (everything else is internal and may change)::

    from fitvault import Vault, SyncOptions, sync, vault_status
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fitvault.errors import FitvaultError
from fitvault.status import vault_status
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions, SyncReport, rebuild, sync

try:
    __version__ = version("fitvault")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = ["FitvaultError", "SyncOptions", "SyncReport", "Vault", "__version__", "rebuild", "sync", "vault_status"]
