"""Exports of the vault: tidy CSV, per-day CSV (the tutorials' layout), Excel, Parquet and the
Fitabase research layout.

Library first: each ``export_*`` function reads the vault read-only, streams every table in
chunks (memory stays bounded), reports progress through an optional callback and returns an
:class:`ExportResult`; it never prints. ``fitvault export`` is a thin command over them. Formats,
columns and layouts: ``docs/exports.md``.
"""

from __future__ import annotations

from fitvault.export.common import CHUNK_ROWS, ExportItem, ExportProgress, ExportResult, resolve_tables
from fitvault.export.csv_export import export_csv
from fitvault.export.excel import EXCEL_MAX_ROWS, export_excel
from fitvault.export.fitabase import export_fitabase
from fitvault.export.parquet import export_parquet
from fitvault.export.per_day import export_per_day

__all__ = [
    "CHUNK_ROWS",
    "EXCEL_MAX_ROWS",
    "ExportItem",
    "ExportProgress",
    "ExportResult",
    "export_csv",
    "export_excel",
    "export_fitabase",
    "export_parquet",
    "export_per_day",
    "resolve_tables",
]
