"""`fitvault report`: a self-contained HTML dashboard of the vault (library: ``fitvault.report``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from fitvault.cli.app import App, cli, handle_errors, out_console
from fitvault.cli.plot import _DATE, as_day, check_dates, open_reader


@cli.command("report")
@click.option("--from", "start", type=_DATE, metavar="DATE",
              help="First local date of the report, YYYY-MM-DD (default: 30 days before --to).")
@click.option("--to", "end", type=_DATE, metavar="DATE",
              help="Last local date of the report, YYYY-MM-DD (default: the last day with data).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.html",
              help="HTML file to write (one file: scripts and styles inlined, opens offline).")
@click.pass_obj
@handle_errors
def report_command(app: App, start: datetime | None, end: datetime | None, out: Path) -> None:
    """Write an HTML report: summary cards, interactive charts and a completeness calendar.

    The page needs no server and makes no network request; open it in any browser.
    """
    from fitvault.report import write_report

    if out.suffix.lower() not in (".html", ".htm"):
        raise click.BadParameter(f"{out.name!r} is not an .html file", param_hint="--out")
    s, e = as_day(start), as_day(end)
    check_dates(s, e)
    with open_reader(app) as reader:
        path = write_report(reader, out, s, e)
    size = path.stat().st_size / 1e6
    out_console.print(f"wrote {path} ({size:.1f} MB); open it in a browser", markup=False, soft_wrap=True)
