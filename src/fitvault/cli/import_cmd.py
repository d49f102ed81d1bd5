"""`fitvault import`: Takeout / account archives and tutorial CSVs (library: ``fitvault.importers``)."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from fitvault import errors
from fitvault.cli.app import App, cli, err_console, handle_errors, out_console
from fitvault.importers import ImportProgress, ImportReport, import_paths
from fitvault.store.vault import Vault
from fitvault.sync import sync_lock

_SHOWN_PROBLEMS = 30


def _summary(report: ImportReport) -> Table:
    table = Table(title=f"import finished in {report.elapsed_s:.1f} s (time zone {report.time_zone or '-'})",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("family", "origin", "files", "records", "rows", "changed", "left out"):
        table.add_column(col, justify="left" if col in ("family", "origin") else "right")
    for s in report.families():
        table.add_row(escape(s.family), s.origin, str(s.files) if s.files else "", f"{s.records:,}" if s.files else "",
                      f"{s.stored:,}", f"{s.changed:,}", f"{s.dropped:,}" if s.files else "")
    table.caption = (f"{len(report.imported)} files imported, {len(report.ignored)} ignored, "
                     f"{len(report.skipped)} skipped; {report.changed:,} rows inserted or changed")
    return table


class _Bar:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("reading", total=None, file="")

    def __call__(self, p: ImportProgress) -> None:
        name = p.current.rsplit("/", 1)[-1] if p.current else ""
        self.progress.update(self.task, completed=p.done_bytes, total=p.total_bytes,
                             file=f"{p.files_done}/{p.files_total} {name[:40]}")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--tz", "tz", metavar="ZONE",
              help="IANA time zone the data was recorded in (default: the vault's; required for a new vault).")
@click.option("--weight-unit", type=click.Choice(["kg", "lb"]),
              help="Unit of Global Export weights (default: from each log's BMI, else the account's unit).")
@click.option("--participant", metavar="ID",
              help="Fitabase files (*_merged.csv) with several participants: the Id to import (one person per vault).")
@click.option("--wait", "wait_s", type=click.FloatRange(0), default=0.0,
              help="Seconds to wait for a sync on this vault to finish (default: fail at once).")
@click.pass_obj
@handle_errors
def import_command(app: App, paths: tuple[Path, ...], tz: str | None, weight_unit: str | None,
                   participant: str | None, wait_s: float) -> None:
    """Import Google Takeout or Fitbit account archives, Fitabase exports and tutorial CSV files.

    PATHS are zips (give every part of a multi-part Takeout), extracted folders or single files.
    Re-importing changes nothing. What is read and how: docs/importing.md.
    """
    with sync_lock(app.paths, wait_s=wait_s), Vault(app.paths.root) as vault:
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), TextColumn("{task.fields[file]}"), console=err_console, transient=True,
            disable=not err_console.is_terminal,
        )
        with progress:
            report = import_paths(vault, list(paths), tz=tz, weight_unit=weight_unit, participant=participant,
                                  progress=_Bar(progress))
    out_console.print(_summary(report))
    for note in report.notes:
        out_console.print(f"note: {escape(note)}", soft_wrap=True)
    if report.ignored:
        reasons: dict[str, int] = {}
        for f in report.ignored:
            reasons[f.reason] = reasons.get(f.reason, 0) + 1
        out_console.print(f"ignored {len(report.ignored)} file(s) (not health data, or nothing fitvault stores): " + "; ".join(
            f"{escape(r)} ×{n}" for r, n in sorted(reasons.items(), key=lambda kv: -kv[1])), soft_wrap=True)
    if report.skipped:
        for f in report.skipped[:_SHOWN_PROBLEMS]:
            err_console.print(f"[yellow]skipped[/] {escape(f.path)}: {escape(f.reason)}", soft_wrap=True)
        more = len(report.skipped) - _SHOWN_PROBLEMS
        if more > 0:
            err_console.print(f"[yellow]skipped[/] ... and {more} more")
        raise errors.ImportIncomplete(
            f"{len(report.skipped)} file(s) fitvault should read could not be read (listed above, each with the "
            "reason); everything else was imported. A damaged or truncated file: download the export again (or "
            "unzip it again) and run the same import; files already imported are not changed.", report)
