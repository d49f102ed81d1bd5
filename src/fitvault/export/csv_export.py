"""Tidy CSV: one ``<table>.csv`` per vault table, plus ``sleep_summary.csv``.

Columns: timed rows start with ``local_time`` (ISO 8601 with the record's own UTC offset,
``2026-03-08T01:59:58-05:00``) and ``utc_time`` (``2026-03-08T06:59:58Z``); intervals and
sessions add ``end_local_time`` and ``end_utc_time``; daily rows start with ``date``. Then
``device`` (or, for stages, splits and events, the id of the session they belong to), then the
value columns named as in the vault, units in the names. UTF-8, a header row, ``\\n`` line ends,
rows in ascending time. The timestamps are formatted by SQLite as rows stream out.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Iterable

from fitvault.datatypes.tables import Table
from fitvault.errors import StoreError
from fitvault.export import heart_arrow
from fitvault.export.common import (
    CHUNK_ROWS,
    ExportItem,
    ExportProgress,
    ExportResult,
    Instant,
    ProgressCallback,
    Snapshot,
    fields,
    open_snapshot,
    parse_range,
    prepare_out_dir,
    replace_path,
    resolve_tables,
    sql_local_iso,
    sql_utc_iso,
)
from fitvault.export.summaries import sleep_summary_frame


def csv_columns(table: Table) -> tuple[list[str], list[str]]:
    """(header, SQL expressions) of a table's tidy CSV."""
    header, exprs = [], []
    for f in fields(table):
        if isinstance(f, Instant):
            header += [f"{f.prefix}local_time", f"{f.prefix}utc_time"]
            exprs += [sql_local_iso(f"t.{f.ms}", f"t.{f.offset}"), sql_utc_iso(f"t.{f.ms}")]
        else:
            header.append(f.name)
            exprs.append(f.sql)
    return header, exprs


def write_table_csv(
    snap: Snapshot, table: Table, total: int, path: Path, start: date | None, end: date | None, *,
    chunk_rows: int = CHUNK_ROWS, progress: ProgressCallback | None = None,
) -> int:
    """Stream one table into ``path`` (written beside it, then moved into place). Returns rows."""
    header, exprs = csv_columns(table)
    tmp = path.with_name(path.name + ".part")
    if snap.heart_rate_blocks(table):
        return _write_heart_rate(snap, header, total, tmp, path, start, end, chunk_rows, progress)
    sql, params = snap.select(table, exprs, start, end)
    rows = 0
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            for chunk in snap.rows(sql, params, chunk_rows=chunk_rows, table=table.name, total=total,
                                   progress=progress):
                writer.writerows(chunk)
                rows += len(chunk)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    replace_path(tmp, path)
    return rows


def _write_heart_rate(snap: Snapshot, header: list[str], total: int, tmp: Path, path: Path, start: date | None,
                      end: date | None, chunk_rows: int, progress: ProgressCallback | None) -> int:
    """Heart rate from its day blocks (``export/heart_arrow.py``): the same text as the SQL path,
    formatted vectorised and written by pyarrow's CSV writer."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = heart_arrow.devices(snap.conn, csv_quoted=True)
    schema = pa.schema([(name, pa.string()) for name in header[:3]] + [(header[3], pa.int64())])
    # pyarrow quotes every header name: the header is written as the other tables' are
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")  # the device is quoted by us
    rows = 0
    try:
        with open(tmp, "wb") as fh, pacsv.CSVWriter(fh, schema, write_options=options) as writer:
            fh.write((",".join(header) + "\n").encode())
            for a in heart_arrow.chunks(snap.conn, start, end, chunk_rows):
                writer.write_table(pa.Table.from_arrays([
                    heart_arrow.iso_strings(a["time_ms"], a["utc_offset_s"]), heart_arrow.iso_strings(a["time_ms"], None),
                    names.take(pa.array(a["source_id"])), pa.array(a["bpm"])], schema=schema))
                rows += len(a["time_ms"])
                if progress:
                    progress(ExportProgress("heart_rate", rows, max(total, rows)))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    replace_path(tmp, path)
    return rows


def export_csv(
    vault_dir: Path | str,
    out_dir: Path | str,
    *,
    types: Iterable[str] | str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    per_day: bool = False,
    progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ExportResult:
    """Export vault tables as tidy CSV files (or, with ``per_day``, the tutorial's daily files).

    Args:
        vault_dir: the vault folder (holding ``vault.sqlite``); opened read-only.
        out_dir: folder to write into (created if needed); existing files of the same names are
            replaced.
        types: Google type ids (``heart-rate``, ``sleep``) or vault table names; all when None.
        start, end: local dates (``YYYY-MM-DD`` or ``date``), inclusive; open-ended when None.
        per_day: write one file per type and local day instead (see :mod:`fitvault.export.per_day`).
        progress: called with an :class:`~fitvault.export.common.ExportProgress` per table when
            planned (``done == 0``) and after every chunk.
        chunk_rows: rows read and written at a time.

    Returns:
        An :class:`~fitvault.export.common.ExportResult` listing files and row counts.

    Raises:
        ConfigError: unknown type, bad date or output folder.
        StoreError: no vault, or it cannot be read; a file cannot be written.
    """
    if per_day:
        from fitvault.export.per_day import export_per_day

        return export_per_day(vault_dir, out_dir, types=types, start=start, end=end, progress=progress,
                              chunk_rows=chunk_rows)
    tables = resolve_tables(types)
    lo, hi = parse_range(start, end)
    with open_snapshot(vault_dir) as snap:
        out = prepare_out_dir(out_dir)
        result = ExportResult("csv", out)
        for table, total in snap.plan(tables, lo, hi, result, progress):
            path = out / f"{table.name}.csv"
            rows = write_table_csv(snap, table, total, path, lo, hi, chunk_rows=chunk_rows, progress=progress)
            result.items.append(ExportItem(table.name, rows, path))
    if any(t.name == "sleep_sessions" for t in tables):
        write_sleep_summary_csv(vault_dir, out, lo, hi, result)
    return result


def write_sleep_summary_csv(
    vault_dir: Path | str, out: Path, start: date | None, end: date | None, result: ExportResult,
) -> None:
    """``sleep_summary.csv``: one row per night, from :meth:`VaultReader.sleep_summary`."""
    frame = sleep_summary_frame(vault_dir, start, end, style="csv")
    if frame.empty:
        result.notes.append("no sleep in range: no sleep summary written")
        return
    path = out / "sleep_summary.csv"
    tmp = path.with_name(path.name + ".part")
    try:
        frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc}") from exc
    replace_path(tmp, path)
    result.items.append(ExportItem("sleep_summary", len(frame), path))
