"""The one way to open a vault for reading: the Python API, the exports and ``fitvault sql``.

The database file is opened with SQLite's ``mode=ro``, so nothing can write, create or migrate
it whatever SQL runs on the connection, and a foreign or damaged file is refused before any
query. By default ``PRAGMA query_only`` is also set, which refuses even ``TEMP`` tables; the
per-day and Excel exports and ``fitvault sql --engine sqlite`` read heart rate through a ``TEMP``
table (:func:`fitvault.store.sample_blocks.materialize`) and ask for ``temp_tables=True``. Reading
works while a sync writes (WAL): each read transaction sees one consistent snapshot.

The connection is made with ``isolation_level=None`` (the caller opens a read transaction with
``BEGIN`` when it needs one snapshot across queries) and may be used from another thread.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from fitvault.config import VaultPaths
from fitvault.errors import StoreError, VaultCorrupt
from fitvault.store.vault import RAW_APPLICATION_ID, VAULT_APPLICATION_ID, VaultView


def vault_database(path: str | os.PathLike[str]) -> Path:
    """The database file of a vault folder (or ``path`` itself when it is a file).

    Raises:
        StoreError: nothing is there.
    """
    root = Path(path).expanduser()
    database = VaultPaths(root).database if root.is_dir() else root
    if not database.is_file():
        raise StoreError(f"no fitvault vault at {root}: {database} does not exist "
                         "(no vault yet: run `fitvault sync` or `fitvault demo` first)")
    return database.resolve()


def open_read_only(path: str | os.PathLike[str], *, temp_tables: bool = False,
                   application_id: int = VAULT_APPLICATION_ID) -> sqlite3.Connection:
    """A read-only connection to the vault at ``path`` (its folder or its database file).

    Raises:
        StoreError: no vault there, or it cannot be opened.
        VaultCorrupt: the file is not a fitvault vault, or it is damaged.
    """
    database = vault_database(path)
    try:
        conn = sqlite3.connect(database.as_uri() + "?mode=ro", uri=True, isolation_level=None, timeout=30,
                               check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {database}: {exc}") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if not temp_tables:
            conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "not a database" not in str(exc):
            raise StoreError(f"cannot open {database}: {exc}") from exc
        raise VaultCorrupt(f"{database} is not a fitvault vault (or it is damaged): {exc}") from exc
    if app_id != application_id:
        conn.close()
        raise VaultCorrupt(f"{database} is not a fitvault vault (application_id {app_id:#x}); refusing to read it")
    return conn


class ReadOnlyVault(VaultView):
    """A vault's bookkeeping (sync state, open windows, account, archive size) read through
    read-only connections, for :func:`fitvault.status.vault_status` where nothing may write (the
    MCP server). Raises like :func:`open_read_only`; a vault without its raw archive counts 0
    archived pages."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.conn = open_read_only(root)
        self.paths = VaultPaths(vault_database(root).parent)
        self._has_raw = self.paths.raw_archive.is_file()
        self.raw = (open_read_only(self.paths.raw_archive, application_id=RAW_APPLICATION_ID) if self._has_raw
                    else sqlite3.connect(":memory:"))

    def raw_page_count(self) -> int:
        return super().raw_page_count() if self._has_raw else 0

    def close(self) -> None:
        for conn in (self.conn, self.raw):
            conn.close()

    def __enter__(self) -> "ReadOnlyVault":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
