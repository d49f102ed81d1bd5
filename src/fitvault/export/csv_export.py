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
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fitvault.datatypes.tables import Table
from fitvault.export import columns, heart_arrow
from fitvault.export.common import (
    CHUNK_ROWS,
    ExportItem,
    ExportProgress,
    ExportResult,
    Instant,
    ProgressCallback,
    Snapshot,
    each_table,
    fields,
    open_snapshot,
    parse_range,
    prefetch,
    prepare_out_dir,
    resolve_tables,
    sql_local_iso,
    sql_utc_iso,
    written_aside,
)
from fitvault.export.summaries import sleep_summary_frame

_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="none")


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
    if snap.heart_rate_blocks(table):
        return _write_arrow(header, _heart_rate_columns(snap, start, end, chunk_rows), total, path, progress,
                            several=total > chunk_rows)
    if columns.readable(table):
        return _write_arrow(header, _table_columns(snap, table, start, end), total, path, progress,
                            several=total > chunk_rows)
    sql, params = snap.select(table, exprs, start, end)
    rows = 0
    with written_aside(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for chunk in snap.rows(sql, params, chunk_rows=chunk_rows, table=table.name, total=total, progress=progress):
            writer.writerows(chunk)
            rows += len(chunk)
    return rows


def _csv_text(values: Any) -> pa.Array:
    """A column as the ``csv`` module writes it: numbers as ``str()`` gives them, text quoted
    where it holds a comma, quote or line break, None as an empty field."""
    if isinstance(values, np.ndarray):
        return pa.array(values)  # integers: the same digits
    if isinstance(values, pa.Array):  # text without nulls: as it is unless a value needs quotes
        if values.type == pa.string() and not pc.any(pc.match_substring_regex(values, '[,"\r\n]')).as_py():
            return values
        values = values.to_pylist()
    return pa.array([None if v is None else heart_arrow.csv_field(v) for v in values], pa.string())


def _quoted(array: pa.Array) -> bool:
    """Whether a column of CSV text holds a quoted field (pyarrow's writer refuses quotes)."""
    return array.type == pa.string() and bool(pc.any(pc.starts_with(array, '"')).as_py())


def _heart_rate_columns(snap: Snapshot, start: date | None, end: date | None, chunk_rows: int
                        ) -> Iterator[list[pa.Array]]:
    names = heart_arrow.devices(snap.conn, csv_quoted=True)
    for a in heart_arrow.chunks(snap.conn, start, end, chunk_rows):
        yield [heart_arrow.iso_strings(a["time_ms"], a["utc_offset_s"]), heart_arrow.iso_strings(a["time_ms"], None),
               names.take(pa.array(a["source_id"])), pa.array(a["bpm"])]


def _table_columns(snap: Snapshot, table: Table, start: date | None, end: date | None) -> Iterator[list[pa.Array]]:
    return columns.shaped(snap, table, start, end, csv_quoted=True, value=lambda _f, values: _csv_text(values),
                          instant=lambda ms, off: [heart_arrow.iso_strings(ms, off), heart_arrow.iso_strings(ms, None)])


def _write_arrow(header: list[str], chunks: Iterator[list[pa.Array]], total: int, path: Path,
                 progress: ProgressCallback | None, several: bool = True) -> int:
    """Columns already in their CSV text (or integers) written by pyarrow's CSV writer, with
    the same characters as the ``csv`` module's rows."""
    rows = 0
    writer = None
    with written_aside(path) as tmp, open(tmp, "wb") as fh:
        # pyarrow would quote every header name and text value: the text is quoted by us
        fh.write((",".join(header) + "\n").encode())
        for arrays in prefetch(chunks, several=several):
            # every column as text: one schema whatever a chunk holds (a column of nulls)
            data = pa.Table.from_arrays([a if a.type == pa.string() else a.cast(pa.string()) for a in arrays],
                                        names=header)
            if writer is None:
                writer = pacsv.CSVWriter(fh, data.schema, write_options=_OPTIONS)
            if any(_quoted(a) for a in arrays[2:]):  # a rare chunk with quoted text: joined here
                fh.write("".join(",".join("" if v is None else v for v in row) + "\n"
                                 for row in zip(*(c.to_pylist() for c in data.columns))).encode())
            else:
                writer.write_table(data)
            rows += data.num_rows
            if progress:
                progress(ExportProgress(path.stem, rows, max(total, rows)))
        if writer is not None:
            writer.close()
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

        def job(table: Table, total: int) -> Callable[[ProgressCallback], ExportItem]:
            path = out / f"{table.name}.csv"
            return lambda report: ExportItem(table.name, write_table_csv(snap, table, total, path, lo, hi,
                                                                         chunk_rows=chunk_rows, progress=report), path)

        planned = snap.plan(tables, lo, hi, result, progress)
        result.items += each_table([(total, job(table, total)) for table, total in planned], progress)
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
    with written_aside(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    result.items.append(ExportItem("sleep_summary", len(frame), path))
