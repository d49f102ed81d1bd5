"""Where a participant's vault lives.

Each participant's data is a normal fitvault vault (:class:`fitvault.store.vault.Vault`); the
study finds it through a :class:`VaultLocator`. :class:`LocalVaults` keeps them on the data
host's disk at ``<study dir>/vaults/<participant id>/``. A later PostgreSQL-backed vault for
several data hosts is another implementation of this protocol, not a change to the callers.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Protocol

from fitvault.config import VaultPaths
from fitvault.errors import ConfigError
from fitvault.sync import sync_lock

#: What a participant id may be (also checked by the database): it names a folder.
PARTICIPANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def check_participant_id(pid: str) -> str:
    """``pid`` if it is a valid participant id; ConfigError saying the rule otherwise."""
    if not isinstance(pid, str) or not PARTICIPANT_ID.fullmatch(pid) or ".." in pid:
        raise ConfigError(
            f"{pid!r} is not a valid participant id: 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (use pseudonymous ids such as P001, never names or emails)"
        )
    return pid


class VaultLocator(Protocol):
    """Where the vault of a participant is."""

    def vault_dir(self, pid: str) -> Path: ...

    def delete(self, pid: str) -> bool: ...

    def copy_out(self, pid: str, dest: Path) -> list[Path]: ...


class LocalVaults:
    """Vaults on this host's disk: ``<study dir>/vaults/<pid>/``."""

    def __init__(self, study_dir: Path) -> None:
        self.root = Path(study_dir) / "vaults"

    def __repr__(self) -> str:
        return f"LocalVaults({str(self.root)!r})"

    def vault_dir(self, pid: str) -> Path:
        return self.root / check_participant_id(pid)

    def delete(self, pid: str, *, wait_s: float = 300.0) -> bool:
        """Remove the participant's vault folder (after a sync running into it ends; VaultLocked
        after ``wait_s``); False when there was none."""
        path = self.vault_dir(pid)
        if not path.exists():
            return False
        with sync_lock(VaultPaths(path), wait_s=wait_s):
            shutil.rmtree(path)
        return True

    def copy_out(self, pid: str, dest: Path) -> list[Path]:
        """Copy the participant's vault to ``dest`` (a new or empty folder) as a personal vault:
        its databases through SQLite's backup API (consistent while a sync writes), no token.
        Returns the files written."""
        source = self.vault_dir(pid)
        if not (source / "vault.sqlite").exists():
            raise ConfigError(f"participant {pid} has no vault yet (no sync has run): nothing to hand over")
        dest = Path(dest)
        if dest.exists() and any(dest.iterdir()):
            raise ConfigError(f"{dest} is not empty; hand the vault over into a new folder")
        dest.mkdir(parents=True, exist_ok=True, mode=0o700)
        written = []
        for name in ("vault.sqlite", "raw.sqlite"):
            if not (source / name).exists():
                continue
            src, out = sqlite3.connect(source / name), sqlite3.connect(dest / name)
            try:
                src.backup(out)
            finally:
                src.close()
                out.close()
            written.append(dest / name)
        return written
