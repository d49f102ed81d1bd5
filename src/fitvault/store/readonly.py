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
from fitvault.store.vault import VAULT_APPLICATION_ID


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


def open_read_only(path: str | os.PathLike[str], *, temp_tables: bool = False) -> sqlite3.Connection:
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
    if app_id != VAULT_APPLICATION_ID:
        conn.close()
        raise VaultCorrupt(f"{database} is not a fitvault vault (application_id {app_id:#x}); refusing to read it")
    return conn
