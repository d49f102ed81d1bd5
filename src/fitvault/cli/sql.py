"""`fitvault sql`: plain SQL on the vault, read-only, heart rate included as rows."""

from __future__ import annotations

import csv
import sys

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from fitvault.cli.app import App, cli, handle_errors, out_console
from fitvault.sql import run_sql


@cli.command("sql")
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (with a header) instead of a table.")
@click.pass_obj
@handle_errors
def sql_command(app: App, query: str, as_csv: bool) -> None:
    """Run one read-only SQL QUERY on the vault (tables: docs/schema.md).

    Heart-rate samples are stored as compressed day blocks; a query naming ``heart_rate`` sees
    them as rows (time_ms, source_id, utc_offset_s, bpm), unpacked first (~1 s per million).

    \b
    fitvault sql "SELECT date, bpm FROM resting_heart_rate ORDER BY date DESC LIMIT 7"
    fitvault sql "SELECT date(time_ms/1000 + utc_offset_s, 'unixepoch') AS day, avg(bpm)
                  FROM heart_rate GROUP BY day ORDER BY day DESC LIMIT 7"
    """
    result = run_sql(app.paths.root, query)
    header, rows = result.columns, result.rows
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, caption=f"{len(rows)} row(s)")
    for name in header:
        table.add_column(escape(name))
    for row in rows:
        table.add_row(*("NULL" if v is None else escape(str(v)) for v in row))
    out_console.print(table)
