"""Excel workbook: a daily summary, a sleep summary, one sheet per table and a data dictionary.

Written with xlsxwriter in ``constant_memory`` mode: each row goes straight to disk, so memory
stays flat whatever the vault's size. Excel has no time zones, so a timed row holds its
``local_time`` as an Excel date-time (the wall clock where it was recorded) and ``utc_offset``
(``-05:00``) beside it; intervals add ``end_local_time`` and ``end_utc_offset``. Daily rows
hold ``date`` as an Excel date. Then ``device`` (or the session id), then the value columns,
named as in the vault with units in the names.

A sheet holds at most :data:`EXCEL_MAX_ROWS` rows including its header. A longer table
continues on ``heart_rate (2)``, ``heart_rate (3)`` ...; the result lists the sheets and says so
in a note: no row is ever cut off. A text cell beyond Excel's limit of 32,767 characters (a long
ECG waveform) is cut there and ends with a note saying so; CSV and Parquet keep it whole.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from fitvault.datatypes.tables import Table
from fitvault.errors import StoreError
from fitvault.export.common import (
    CHUNK_ROWS,
    ExportItem,
    ExportResult,
    Instant,
    Plain,
    ProgressCallback,
    Snapshot,
    fields,
    open_snapshot,
    parse_range,
    prepare_out_dir,
    resolve_tables,
    sql_offset,
    written_aside,
)
from fitvault.export.summaries import daily_frame, sleep_summary_frame, summary_dictionary

#: Rows per sheet, header included (Excel's limit). Tests lower it to exercise the split.
EXCEL_MAX_ROWS = 1_048_576
#: Sheet names are at most this long in Excel.
SHEET_NAME_MAX = 31
DAILY_SHEET, SLEEP_SHEET, DICTIONARY_SHEET = "Daily summary", "Sleep summary", "Data dictionary"
_EXCEL_EPOCH_DAYS = 25569.0  # 1970-01-01 as an Excel serial day number
_DATETIME_FMT, _DATE_FMT = "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"


def sheet_name(base: str, n: int) -> str:
    """The n-th sheet of a table: ``heart_rate``, ``heart_rate (2)`` ... (at most 31 characters)."""
    if n == 1:
        return base[:SHEET_NAME_MAX]
    suffix = f" ({n})"
    return base[: SHEET_NAME_MAX - len(suffix)] + suffix


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.header = wb.add_format({"bold": True, "bottom": 1})
        self.datetime = wb.add_format({"num_format": _DATETIME_FMT})
        self.date = wb.add_format({"num_format": _DATE_FMT})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})


def excel_columns(table: Table) -> list[tuple[str, str, str, str, str]]:
    """(name, SQL expression, cell kind, unit, meaning) of a table's sheet columns.

    Cell kinds: ``datetime`` / ``date`` (an Excel serial with a date format), ``number``, ``text``.
    """
    cols = []
    for f in fields(table):
        if isinstance(f, Instant):
            ms, off = f"t.{f.ms}", f"t.{f.offset}"
            what = "end" if f.prefix else "time"
            cols.append((f"{f.prefix}local_time", f"({ms} + {off} * 1000) / 86400000.0 + {_EXCEL_EPOCH_DAYS}",
                         "datetime", "", f"local wall-clock {what} where it was recorded (Excel has no time zone)"))
            cols.append((f"{f.prefix}utc_offset", sql_offset(off), "text", "±HH:MM",
                         f"UTC offset in force at that {what}: UTC = local time − offset"))
        elif isinstance(f, Plain):
            if f.kind == "date":
                cols.append((f.name, f"julianday({f.sql}) - 2415018.5", "date", f.unit, f.meaning))
            else:
                cols.append((f.name, f.sql, "text" if f.kind == "text" else "number", f.unit, f.meaning))
    return cols


class _SheetRun:
    """One table's rows over as many sheets as needed, each with the header on row 0."""

    def __init__(self, wb: xlsxwriter.Workbook, fmt: _Formats, base: str, header: list[str],
                 kinds: list[str], widths: list[int]) -> None:
        self.wb, self.fmt, self.base, self.header, self.widths = wb, fmt, base, header, widths
        self.sheets: list[str] = []
        self.ws = None
        self.row = 0
        self.writers: list[tuple[Callable, Any]] = []
        self.kinds = kinds

    def _next_sheet(self) -> None:
        name = sheet_name(self.base, len(self.sheets) + 1)
        ws = self.wb.add_worksheet(name)
        for c, width in enumerate(self.widths):
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, self.header, self.fmt.header)
        self.sheets.append(name)
        self.ws, self.row = ws, 1
        by_kind = {
            "datetime": (ws.write_number, self.fmt.datetime), "date": (ws.write_number, self.fmt.date),
            "number": (ws.write_number, None), "text": (_text_writer(ws), None),
        }
        self.writers = [by_kind[k] for k in self.kinds]

    def write_rows(self, rows: Iterable[tuple]) -> None:
        if self.ws is None:
            self._next_sheet()
        writers = self.writers
        limit = EXCEL_MAX_ROWS  # read at call time so tests can lower it
        r = self.row
        for values in rows:
            if r >= limit:
                self.row = r
                self._next_sheet()
                writers, r = self.writers, self.row
            for c, value in enumerate(values):
                if value is not None:
                    method, cell_format = writers[c]
                    method(r, c, value, cell_format)
            r += 1
        self.row = r


EXCEL_MAX_TEXT = 32_767
_CUT = " … [cut at Excel's cell limit; the CSV and Parquet exports hold it whole]"


def _text_writer(ws) -> Callable:
    def write(r: int, c: int, value: str, cell_format: Any = None) -> None:
        if len(value) > EXCEL_MAX_TEXT:
            value = value[: EXCEL_MAX_TEXT - len(_CUT)] + _CUT
        ws.write_string(r, c, value, cell_format)
    return write


def _width(name: str, kind: str) -> int:
    return max(len(name) + 2, {"datetime": 20, "date": 11}.get(kind, 10))


def _write_table(
    wb: xlsxwriter.Workbook, fmt: _Formats, snap: Snapshot, table: Table, total: int, start: date | None,
    end: date | None, chunk_rows: int, progress: ProgressCallback | None,
) -> tuple[int, list[str]]:
    cols = excel_columns(table)
    header = [c[0] for c in cols]
    kinds = [c[2] for c in cols]
    run = _SheetRun(wb, fmt, table.name, header, kinds, [_width(c[0], c[2]) for c in cols])
    sql, params = snap.select(table, [c[1] for c in cols], start, end)
    rows = 0
    for chunk in snap.rows(sql, params, chunk_rows=chunk_rows, table=table.name, total=total, progress=progress):
        run.write_rows(chunk)
        rows += len(chunk)
    return rows, run.sheets


def _cell(value: Any) -> tuple[str, Any]:
    """A summary cell: (kind, value) with pandas' missing values as ``None``."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):  # None, NaN, NaT, NA
        return "none", None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # Excel has no time zone: keep the wall clock
            value = value.replace(tzinfo=None)
        return "datetime", value
    if isinstance(value, date):
        return "date", value
    if isinstance(value, (bool, int, float)) or hasattr(value, "item"):
        return "number", value.item() if hasattr(value, "item") else value
    return "text", str(value)


def _write_cell(ws, fmt: _Formats, r: int, c: int, value: Any) -> None:
    kind, value = _cell(value)
    if kind == "datetime":
        ws.write_datetime(r, c, value, fmt.datetime)
    elif kind == "date":
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt.date)
    elif kind == "number":
        if isinstance(value, bool):
            ws.write_boolean(r, c, value)
        else:
            ws.write_number(r, c, value)
    elif kind == "text":
        ws.write_string(r, c, value)


def _write_frame(wb: xlsxwriter.Workbook, fmt: _Formats, name: str, frame: pd.DataFrame) -> list[str]:
    """A summary frame on a sheet (continued like a table if it ever outgrows one); its sheets."""
    header = [str(c) for c in frame.columns]
    run = _SheetRun(wb, fmt, name, header, ["text"] * len(header), [max(len(h) + 2, 11) for h in header])
    run._next_sheet()
    for values in frame.itertuples(index=False, name=None):
        if run.row >= EXCEL_MAX_ROWS:
            run._next_sheet()
        for c, value in enumerate(values):
            _write_cell(run.ws, fmt, run.row, c, value)
        run.row += 1
    return run.sheets


def _write_dictionary(wb: xlsxwriter.Workbook, fmt: _Formats, entries: list[tuple[str, str, str, str]]) -> None:
    ws = wb.add_worksheet(DICTIONARY_SHEET)
    for c, width in enumerate((24, 26, 12, 80)):
        ws.set_column(c, c, width)
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, ("sheet", "column", "unit", "meaning"), fmt.header)
    for r, entry in enumerate(entries, start=1):
        for c, text in enumerate(entry):
            if text:
                ws.write_string(r, c, text, fmt.wrap if c == 3 else None)


def export_excel(
    vault_dir: Path | str,
    out_dir: Path | str,
    *,
    types: Iterable[str] | str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
    filename: str = "fitvault.xlsx",
) -> ExportResult:
    """Export vault tables into one Excel workbook, ``<out_dir>/fitvault.xlsx``.

    Sheets: ``Daily summary`` (one row per local day, every daily metric), ``Sleep summary`` (one
    row per night), one sheet per table (continued on ``<table> (2)`` ... past the row limit),
    ``Data dictionary`` (sheet, column, unit, meaning).

    Args:
        vault_dir: the vault folder; opened read-only.
        out_dir: folder to write the workbook into (created if needed; an old workbook of the
            same name is replaced once the new one is complete).
        types: Google type ids or vault table names; all when None. The summaries are always
            written.
        start, end: local dates (``YYYY-MM-DD`` or ``date``), inclusive.
        progress: per-table progress callback, as for :func:`~fitvault.export.csv_export.export_csv`.
        chunk_rows: rows read and written at a time.
        filename: the workbook's file name.

    Returns:
        An :class:`~fitvault.export.common.ExportResult`: one item per table with its sheets,
        and a note for every table that needed more than one sheet.
    """
    tables = resolve_tables(types)
    lo, hi = parse_range(start, end)
    with open_snapshot(vault_dir) as snap:
        out = prepare_out_dir(out_dir)
        path = out / filename
        result = ExportResult("xlsx", out)
        with written_aside(path) as tmp:
            try:
                wb = xlsxwriter.Workbook(str(tmp), {
                    "constant_memory": True, "use_zip64": True, "strings_to_numbers": False,
                    "strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True,
                })
                _fill_workbook(wb, snap, vault_dir, path, tables, lo, hi, chunk_rows, progress, result)
                wb.close()
            except XlsxWriterException as exc:
                raise StoreError(f"cannot write {path}: {exc}") from exc
    return result


def _fill_workbook(
    wb: xlsxwriter.Workbook, snap: Snapshot, vault_dir: Path | str, path: Path, tables: list[Table],
    start: date | None, end: date | None, chunk_rows: int, progress: ProgressCallback | None, result: ExportResult,
) -> None:
    fmt = _Formats(wb)
    dictionary: list[tuple[str, str, str, str]] = []
    summaries = [(DAILY_SHEET, "daily_summary", daily_frame(vault_dir, start, end))]
    if any(t.name == "sleep_sessions" for t in tables):
        summaries.append((SLEEP_SHEET, "sleep_summary", sleep_summary_frame(vault_dir, start, end, style="excel")))
    for sheet, key, frame in summaries:
        sheets = _write_frame(wb, fmt, sheet, frame)
        result.items.append(ExportItem(key, len(frame), path, sheets=tuple(sheets)))
        dictionary += [(sheet,) + entry for entry in summary_dictionary(key, frame)]
    for table, total in snap.plan(tables, start, end, result, progress):
        rows, sheets = _write_table(wb, fmt, snap, table, total, start, end, chunk_rows, progress)
        result.items.append(ExportItem(table.name, rows, path, sheets=tuple(sheets)))
        if len(sheets) > 1:
            result.notes.append(
                f"{table.name}: {rows:,} rows exceed one sheet ({EXCEL_MAX_ROWS - 1:,} rows); "
                f"continued on {', '.join(sheets[1:])}"
            )
        dictionary += [(sheets[0], name, unit, meaning) for name, _, _, unit, meaning in excel_columns(table)]
    _write_dictionary(wb, fmt, dictionary)
