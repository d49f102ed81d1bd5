"""The sync core: plan the windows, run them, report, rebuild from the raw archive.

It serves every API source the same way and knows none of them: a source
(:mod:`fitvault.sources.google`, :mod:`fitvault.sources.fitbit`) implements the small
:class:`~fitvault.sync.engine.Source` protocol and wires itself into the core, never the other
way round.

- :mod:`.plan`: which windows each stream fetches, and what that will cost;
- :mod:`.engine`: the one run loop (threads, cancellation, commits, errors, progress);
- :mod:`.report`: per-stream progress, the run's report and recorded outcome;
- :mod:`.rebuild`: replaying every source's raw pages.

:func:`sync_lock` keeps two syncs off one vault.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import filelock

from fitvault import errors
from fitvault.config import VaultPaths
from fitvault.sync.engine import Replayable, Skip, Source, SyncEngine
from fitvault.sync.plan import SyncOptions, SyncPlan, plan_sync
from fitvault.sync.rebuild import rebuild
from fitvault.sync.report import ProgressCallback, StreamProgress, SyncReport

__all__ = [
    "ProgressCallback", "Replayable", "Skip", "Source", "StreamProgress", "SyncEngine", "SyncOptions", "SyncPlan",
    "SyncReport", "plan_sync", "rebuild", "sync_lock",
]


@contextmanager
def sync_lock(paths: VaultPaths, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the vault's sync lock; :class:`VaultLocked` if another process holds it."""
    lock = filelock.FileLock(str(paths.sync_lock))
    try:
        lock.acquire(timeout=wait_s)
    except filelock.Timeout as exc:
        raise errors.VaultLocked(
            f"another fitvault process is syncing into {paths.root}; wait for it to finish "
            "(or pass --wait SECONDS)"
        ) from exc
    except OSError as exc:  # a read-only or vanished vault folder
        raise errors.StoreError(
            f"cannot lock the vault {paths.root}: the folder is read-only or not writable "
            f"({exc.strerror or exc}); nothing was changed"
        ) from exc
    try:
        yield
    finally:
        lock.release()
