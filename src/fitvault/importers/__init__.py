"""Importers: Google Takeout and Fitbit account archives, and the seed tutorials' CSV files.

::

    from fitvault.importers import import_paths
    from fitvault.store.vault import Vault

    with Vault(path) as vault:
        report = import_paths(vault, ["takeout-20261006T101010Z-001.zip", "takeout-20261006T101010Z-002.zip"],
                              tz="Europe/Berlin")
    print(report.complete, report.changed)

Library first: :func:`import_paths` sniffs what it was given (zips, multi-part Takeout sets,
extracted folders, single files), streams every file, stores rows through the same savers as the
API (idempotent upserts, one transaction per file) and returns an :class:`ImportReport`; it never
prints. ``fitvault import`` draws the progress bar and the summary. What is detected, which
families land in which tables, time zones, the origin precedence rule and the safety limits:
``docs/importing.md``.

Layout: ``_containers`` (zips, folders, safety), ``_registry`` (sniffing and dispatch),
``_text`` (streaming JSON/CSV), ``_clock`` / ``_fingerprint`` (time zones and clock inference),
``_writer`` (savers, batches, precedence), ``_run`` (the phases); one short module per family in
``global_export/``, ``fitbit_csv/``, ``google_data/`` and ``tutorial/``.
"""

from __future__ import annotations

from fitvault.importers._containers import ImportLimits
from fitvault.importers._report import FamilySummary, FileOutcome, ImportProgress, ImportReport
from fitvault.importers._run import import_paths

__all__ = ["FamilySummary", "FileOutcome", "ImportLimits", "ImportProgress", "ImportReport", "import_paths"]
