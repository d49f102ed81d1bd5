"""`fitvault export`: the vault as CSV, Excel or Parquet (library: ``fitvault.export``)."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import click
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from fitvault.cli.app import App, cli, err_console, handle_errors, out_console
from fitvault.export import ExportProgress, ExportResult, export_csv, export_excel, export_fitabase, export_parquet
from fitvault.export.common import known_types


def _epilog() -> str:
    """The known type ids and table names, wrapped by hand (click would split ``body-fat``)."""
    lines = textwrap.wrap("Known " + known_types() + ".", 88, break_on_hyphens=False, break_long_words=False)
    return "\b\n" + "\n".join(lines)


class _Bars:
    """One rich bar per table, created when the export announces its plan."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, p: ExportProgress) -> None:
        task = self.tasks.get(p.table)
        if task is None:
            self.tasks[p.table] = self.progress.add_task(p.table, total=p.total, completed=p.done)
        else:
            self.progress.update(task, completed=p.done, total=p.total)


def _summary(result: ExportResult, seconds: float) -> Table:
    table = Table(title=f"{result.format} export to {escape(str(result.out_dir))}", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("table", "rows", "files", "where"):
        table.add_column(col, justify="right" if col in ("rows", "files") else "left")
    for item in result.items:
        try:
            where = item.path.relative_to(result.out_dir).as_posix()
        except ValueError:
            where = str(item.path)
        if item.sheets:
            where += " : " + ", ".join(item.sheets)
        table.add_row(item.table, f"{item.rows:,}", str(item.files), escape(where))
    rate = f", {result.rows / seconds:,.0f} rows/s" if seconds > 0 and result.rows else ""
    table.caption = f"{result.rows:,} rows in {seconds:.1f} s{rate}"
    return table


@cli.command("export", epilog=_epilog())
@click.argument("fmt", metavar="{csv|xlsx|parquet|fitabase}", type=click.Choice(["csv", "xlsx", "parquet", "fitabase"]))
@click.option("--types", "types", metavar="T,...",
              help="Comma-separated Google type ids (heart-rate,sleep) or vault table names (default: all).")
@click.option("--from", "start", metavar="DATE", help="First local date to export, YYYY-MM-DD (inclusive).")
@click.option("--to", "end", metavar="DATE", help="Last local date to export, YYYY-MM-DD (inclusive).")
@click.option("--per-day", is_flag=True,
              help="CSV only: one file per type and local day, as the Fitbit tutorials (heart/heartYYYYMMDD.csv).")
@click.option("--participant", metavar="ID", default="1", show_default=True,
              help="fitabase only: the Id column written in every file.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (created if needed).")
@click.pass_obj
@handle_errors
def export_command(app: App, fmt: str, types: str | None, start: str | None, end: str | None, per_day: bool,
                   participant: str, out_dir: Path) -> None:
    """Export the vault as tidy CSV, per-day CSV, an Excel workbook, Parquet datasets or the
    Fitabase research layout (*_merged.csv, so code written for that dataset runs on yours).

    Formats, columns and layouts: docs/exports.md.
    """
    if per_day and fmt != "csv":
        raise click.UsageError("--per-day applies to csv only")
    if fmt == "fitabase" and (types or start or end):
        raise click.UsageError("fitabase writes the whole vault: --types, --from and --to do not apply")
    began = time.monotonic()
    with Progress(
        TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as progress:
        bars = _Bars(progress)
        try:
            if fmt == "csv":
                result = export_csv(app.paths.root, out_dir, types=types, start=start, end=end, per_day=per_day,
                                    progress=bars)
            elif fmt == "fitabase":
                result = export_fitabase(app.paths.root, out_dir, participant=participant)
            elif fmt == "xlsx":
                result = export_excel(app.paths.root, out_dir, types=types, start=start, end=end, progress=bars)
            else:
                result = export_parquet(app.paths.root, out_dir, types=types, start=start, end=end, progress=bars)
        except KeyboardInterrupt:
            # Not handle_errors' message: that one is about syncs. Finished tables are complete;
            # the one being written was discarded (per-day: its last day file may be partial).
            progress.stop()
            err_console.print("interrupted: the export is incomplete; run it again")
            sys.exit(130)
    out_console.print(_summary(result, time.monotonic() - began))
    for note in result.notes:
        out_console.print(f"note: {escape(note)}", soft_wrap=True)

