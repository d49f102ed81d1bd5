"""Parquet datasets: a folder per table, zstd-compressed, with units and meanings in the schema.

Large tables (:data:`PARTITIONED`: heart rate, steps, HRV, SpO2 and the other interval tables)
are split hive-style by the *local* year, ``heart_rate/year=2026/part-0.parquet``; the others are
one file, ``resting_heart_rate/part-0.parquet``. Every timed row carries, per instant:

``utc_time``      ``timestamp[ms, tz=UTC]``, the instant
``utc_offset_s``  ``int32``, the UTC offset in force then, in seconds
``local_time``    ``timestamp[ms]`` (no zone), the wall clock where it was recorded

(intervals and sessions add ``end_utc_time``, ``end_utc_offset_s``, ``end_local_time``); daily
rows have ``date`` (``date32``). Then ``device`` (or the session id), then the value columns
named as in the vault. Each value field's Arrow metadata holds ``unit`` and ``meaning``; the
schema's ``fitvault`` metadata is a JSON object describing the table (layout, title, type id,
columns). Read back with ``pd.read_parquet(dir)``, ``pl.read_parquet(f"{dir}/**/*.parquet",
hive_partitioning=True)`` or DuckDB's ``read_parquet('dir/**/*.parquet', hive_partitioning=true)``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fitvault.datatypes.tables import Table
from fitvault.errors import ConfigError, StoreError
from fitvault.export import columns, heart_arrow
from fitvault.export.common import (
    CHUNK_ROWS,
    ExportItem,
    ExportProgress,
    ExportResult,
    Instant,
    Plain,
    ProgressCallback,
    Snapshot,
    each_table,
    fields,
    fitvault_version,
    open_snapshot,
    parse_range,
    prefetch,
    prepare_out_dir,
    replace_path,
    resolve_tables,
)
from fitvault.export.summaries import sleep_summary_frame, summary_dictionary

#: Tables written as ``year=YYYY`` partitions (by local year).
PARTITIONED = frozenset({
    "heart_rate", "steps", "hrv", "spo2", "active_zone_minutes", "active_minutes", "activity_level",
    "sedentary_periods",
})
COMPRESSION = "zstd"
FILE_NAME = "part-0.parquet"
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "text": pa.string(), "bool": pa.bool_(), "date": pa.date32()}
_UTC_MS, _LOCAL_MS = pa.timestamp("ms", tz="UTC"), pa.timestamp("ms")


def _meta(unit: str, meaning: str) -> dict[bytes, bytes]:
    return {b"unit": unit.encode(), b"meaning": meaning.encode()}


def arrow_schema(table: Table) -> tuple[pa.Schema, list[str]]:
    """The Arrow schema of a table's dataset and the SQL expressions that feed it."""
    arrow_fields, exprs = [], []
    for f in fields(table):
        if isinstance(f, Instant):
            what = "end" if f.prefix else "instant"
            offset_name = "end_utc_offset_s" if f.prefix else "utc_offset_s"
            arrow_fields += [
                pa.field(f"{f.prefix}utc_time", _UTC_MS, False, _meta("", f"UTC {what}")),
                pa.field(offset_name, pa.int32(), False, _meta("s", f"UTC offset in force at the {what}")),
                pa.field(f"{f.prefix}local_time", _LOCAL_MS, False,
                         _meta("", f"local wall-clock {what} (utc_time + offset), no time zone")),
            ]
            exprs += [f"t.{f.ms}", f"t.{f.offset}"]
        elif isinstance(f, Plain):
            arrow_fields.append(pa.field(f.name, _ARROW_TYPES[f.kind], True, _meta(f.unit, f.meaning)))
            exprs.append(f.sql)
    info = {
        "table": table.name, "title": table.title, "type_id": table.type_id, "layout": table.layout,
        "partitioned_by": "year (local)" if table.name in PARTITIONED else None,
        "columns": {c.name: {"unit": c.unit, "meaning": c.meaning} for c in table.columns},
        "time": "utc_time is the instant (UTC); local_time = utc_time + utc_offset_s, the wall clock where recorded",
        "exported_by": f"fitvault {fitvault_version()}",
    }
    return pa.schema(arrow_fields, metadata={b"fitvault": json.dumps(info).encode()}), exprs


def _batch(schema: pa.Schema, table: Table, chunk: list[tuple]) -> pa.Table:
    """Arrow columns from one chunk of SQL rows (timestamps derived vectorised)."""
    columns = list(zip(*chunk))
    arrays = []
    i = 0
    for f in fields(table):
        if isinstance(f, Instant):
            ms = pa.array(columns[i], pa.int64())
            off = pa.array(columns[i + 1], pa.int32())
            local = pc.add(ms, pc.multiply(off.cast(pa.int64()), 1000))
            arrays += [ms.cast(_UTC_MS), off, local.cast(_LOCAL_MS)]
            i += 2
        elif isinstance(f, Plain):
            if f.kind == "bool":
                arrays.append(pa.array(columns[i], pa.int64()).cast(pa.bool_()))
            elif f.kind == "date":
                arrays.append(pa.array(columns[i], pa.string()).cast(pa.date32()))
            else:
                arrays.append(pa.array(columns[i], _ARROW_TYPES[f.kind]))
            i += 1
    return pa.Table.from_arrays(arrays, schema=schema)


class _Writers:
    """One ParquetWriter per partition, opened on first use, all closed at the end."""

    def __init__(self, folder: Path, schema: pa.Schema) -> None:
        self.folder, self.schema = folder, schema
        self.open: dict[str, pq.ParquetWriter] = {}

    def write(self, part: str, data: pa.Table) -> None:
        writer = self.open.get(part)
        if writer is None:
            target = self.folder / part if part else self.folder
            target.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(target / FILE_NAME, self.schema, compression=COMPRESSION)
            self.open[part] = writer
        writer.write_table(data)

    def close(self) -> None:
        for writer in self.open.values():
            writer.close()


def _write_table(
    snap: Snapshot, table: Table, total: int, folder: Path, start: date | None, end: date | None,
    chunk_rows: int, progress: ProgressCallback | None,
) -> tuple[int, int]:
    schema, exprs = arrow_schema(table)
    if snap.heart_rate_blocks(table):
        batches = _heart_rate_tables(snap, schema, start, end, chunk_rows)
    elif columns.readable(table):
        batches = _column_tables(snap, table, schema, start, end)
    else:
        sql, params = snap.select(table, exprs, start, end)
        batches = (_batch(schema, table, chunk) for chunk in snap.rows(sql, params, chunk_rows=chunk_rows,
                                                                              table=table.name))
    writers = _Writers(folder, schema)
    rows = 0
    try:
        for data in prefetch(batches, several=total > chunk_rows):
            if table.name in PARTITIONED:
                years = pc.year(data.column("local_time"))
                lo, hi = pc.min(years).as_py(), pc.max(years).as_py()
                for year in range(lo, hi + 1):
                    part = data if lo == hi else data.filter(pc.equal(years, year))
                    if part.num_rows:
                        writers.write(f"year={year}", part)
            else:
                writers.write("", data)
            rows += data.num_rows
            if progress:
                progress(ExportProgress(table.name, rows, max(total, rows)))
    finally:
        writers.close()
    return rows, len(writers.open)


def _column_tables(snap: Snapshot, table: Table, schema: pa.Schema, start: date | None, end: date | None
                   ) -> Iterator[pa.Table]:
    """A timed row table read as column arrays (``export/columns.py``) as the dataset's columns."""

    def value(f: Plain, values: object) -> pa.Array:
        kind = _ARROW_TYPES["int" if f.kind == "bool" else f.kind]
        array = values if isinstance(values, pa.Array) else pa.array(values, kind)
        array = array if array.type == kind else array.cast(kind)
        return array.cast(pa.bool_()) if f.kind == "bool" else array

    for arrays in columns.shaped(snap, table, start, end, instant=_instant_columns, value=value):
        yield pa.Table.from_arrays(arrays, schema=schema)


def _heart_rate_tables(snap: Snapshot, schema: pa.Schema, start: date | None, end: date | None,
                       chunk_rows: int) -> Iterator[pa.Table]:
    """Heart rate from its day blocks (``export/heart_arrow.py``) as the dataset's columns."""
    names = heart_arrow.devices(snap.conn)
    for a in heart_arrow.chunks(snap.conn, start, end, chunk_rows):
        yield pa.Table.from_arrays([*_instant_columns(a["time_ms"], a["utc_offset_s"]),
                                    names.take(pa.array(a["source_id"])), pa.array(a["bpm"])], schema=schema)


def _instant_columns(ms: np.ndarray, off: np.ndarray) -> list[pa.Array]:
    """An instant's three dataset columns: UTC, its offset (int32 seconds), local wall time."""
    return [pa.array(ms).cast(_UTC_MS), pa.array(off.astype(np.int32)),
            pa.array(ms + off.astype(np.int64) * 1000).cast(_LOCAL_MS)]


def _check_target(folder: Path) -> None:
    """Refuse to replace a folder that holds anything but an earlier export's Parquet files."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ConfigError(f"{folder} exists and is not a folder")
    for entry in folder.rglob("*"):
        if entry.is_file() and entry.suffix != ".parquet":
            raise ConfigError(f"{folder} holds other files ({entry.name}); refusing to replace it")


def export_parquet(
    vault_dir: Path | str,
    out_dir: Path | str,
    *,
    types: Iterable[str] | str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ExportResult:
    """Export vault tables as Parquet datasets, one folder per table, plus ``sleep_summary/``.

    Args:
        vault_dir: the vault folder; opened read-only.
        out_dir: folder to write into. A table's folder is built aside and then replaces the
            folder of an earlier export (only if that holds nothing but ``.parquet`` files).
        types: Google type ids or vault table names; all when None.
        start, end: local dates (``YYYY-MM-DD`` or ``date``), inclusive.
        progress: per-table progress callback, as for :func:`~fitvault.export.csv_export.export_csv`.
        chunk_rows: rows per chunk (each chunk becomes at least one row group).

    Returns:
        An :class:`~fitvault.export.common.ExportResult`: per table its folder, files and rows.
    """
    tables = resolve_tables(types)
    lo, hi = parse_range(start, end)
    with open_snapshot(vault_dir) as snap:
        out = prepare_out_dir(out_dir)
        result = ExportResult("parquet", out)

        def job(table: Table, total: int) -> Callable[[ProgressCallback], ExportItem]:
            return lambda report: _export_table(snap, table, total, out, lo, hi, chunk_rows, report)

        planned = snap.plan(tables, lo, hi, result, progress)
        result.items += each_table([(total, job(table, total)) for table, total in planned], progress)
    if any(t.name == "sleep_sessions" for t in tables):
        _write_sleep_summary(vault_dir, out, lo, hi, result)
    return result


def _export_table(snap: Snapshot, table: Table, total: int, out: Path, start: date | None, end: date | None,
                  chunk_rows: int, progress: ProgressCallback) -> ExportItem:
    """One table's dataset, built aside and then moved into place."""
    folder = out / table.name
    _check_target(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".{table.name}.", dir=out))
    try:
        rows, files = _write_table(snap, table, total, tmp, start, end, chunk_rows, progress)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise StoreError(f"cannot write {folder}: {exc}") from exc
        raise
    replace_path(tmp, folder)
    return ExportItem(table.name, rows, folder, files=files)


def _write_sleep_summary(vault_dir: Path | str, out: Path, start: date | None, end: date | None,
                         result: ExportResult) -> None:
    frame = sleep_summary_frame(vault_dir, start, end, style="arrow")
    if frame.empty:
        result.notes.append("no sleep in range: no sleep summary written")
        return
    data = pa.Table.from_pandas(frame, preserve_index=False)
    described = {name: (unit, meaning) for name, unit, meaning in summary_dictionary("sleep_summary", frame)}
    schema = pa.schema(
        [f.with_metadata(_meta(*described.get(f.name, ("", "")))) for f in data.schema],
        metadata={b"fitvault": json.dumps({"table": "sleep_summary", "title": "Sleep summary, one row per night",
                                           "exported_by": f"fitvault {fitvault_version()}"}).encode()},
    )
    folder = out / "sleep_summary"
    _check_target(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".sleep_summary.", dir=out))
    try:
        pq.write_table(data.cast(schema), tmp / FILE_NAME, compression=COMPRESSION)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StoreError(f"cannot write {folder}: {exc}") from exc
    replace_path(tmp, folder)
    result.items.append(ExportItem("sleep_summary", len(frame), folder))
