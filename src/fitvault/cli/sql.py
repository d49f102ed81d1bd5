"""`fitvault sql`: plain SQL on the vault, read-only, heart rate included as rows."""

from __future__ import annotations

import csv
import sys

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from fitvault.cli.app import App, cli, handle_errors, out_console
from fitvault.query.sql import ENGINES, run_sql


@cli.command("sql")
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (with a header) instead of a table.")
@click.option("--engine", type=click.Choice(ENGINES), default="duckdb", show_default=True,
              help="DuckDB (fast, PostgreSQL-like SQL) or SQLite (the vault's own dialect).")
@click.pass_obj
@handle_errors
def sql_command(app: App, query: str, as_csv: bool, engine: str) -> None:
    """Run one read-only SQL QUERY on the vault (tables: docs/schema.md).

    Heart-rate samples are stored as compressed day blocks; a query naming ``heart_rate`` sees
    them as rows (time_ms, source_id, utc_offset_s, bpm). DuckDB decodes them straight into
    columns (a year in well under a second); ``--engine sqlite`` unpacks them into a temporary
    table first (~1 s per million) and speaks SQLite's dialect. Nothing can write to the vault.

    \b
    fitvault sql "SELECT date, bpm FROM resting_heart_rate ORDER BY date DESC LIMIT 7"
    fitvault sql "SELECT CAST(epoch_ms(time_ms + utc_offset_s * 1000) AS DATE) AS day, avg(bpm)
                  FROM heart_rate GROUP BY day ORDER BY day DESC LIMIT 7"
    fitvault sql --engine sqlite "SELECT date(time_ms/1000 + utc_offset_s, 'unixepoch') AS day,
                  avg(bpm) FROM heart_rate GROUP BY day ORDER BY day DESC LIMIT 7"
    """
    result = run_sql(app.paths.root, query, engine=engine)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, caption=f"{len(result.rows)} row(s)")
    for name in result.columns:
        table.add_column(escape(name))
    for row in result.rows:
        table.add_row(*("NULL" if v is None else escape(str(v)) for v in row))
    out_console.print(table)
