"""`fitvault status`."""

from __future__ import annotations

import json

import click
from rich.markup import escape
from rich.table import Table

from fitvault.cli.main import App, cli, handle_errors, out_console
from fitvault.errors import StoreError
from fitvault.status import vault_status
from fitvault.store.vault import Vault


def status_table(doc: dict) -> Table:
    table = Table(title=f"vault {doc['vault']}", title_justify="left")
    for col in ("type", "records", "first", "last", "days", "gaps", "last sync"):
        table.add_column(col, justify="right" if col in ("records", "days", "gaps") else "left")
    for type_id, t in doc["types"].items():
        records = str(t.get("records", 0))
        if "daily_totals" in t:
            records += f" (+{t['daily_totals']} daily)"
        gaps = t.get("gaps", {})
        gap_text = str(gaps.get("days_without_data", 0))
        if gaps.get("unfinished_windows"):
            gap_text += f" +{len(gaps['unfinished_windows'])} unfinished"
        table.add_row(
            type_id, records, str(t.get("first") or "-"), str(t.get("last") or "-"), str(t.get("days", 0)),
            gap_text, escape(str(t.get("last_sync") or "never")),
        )
    table.caption = f"{doc['raw_pages']} raw pages archived; {doc['quarantined']} records quarantined"
    return table


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
@handle_errors
def status_command(app: App, as_json: bool) -> None:
    """Show what the vault holds: records, time span, days, gaps and last sync per type."""
    if not app.paths.database.exists():
        raise StoreError(f"no vault at {app.paths.root} yet: run `fitvault sync` (or `fitvault demo`) first")
    with Vault(app.paths.root) as vault:
        doc = vault_status(vault)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        out_console.print(status_table(doc))
