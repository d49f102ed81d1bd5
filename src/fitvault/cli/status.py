"""`fitvault status`."""

from __future__ import annotations

import json

import click
from rich import box
from rich.markup import escape
from rich.table import Table

from fitvault.cli.app import App, cli, handle_errors, out_console
from fitvault.errors import StoreError
from fitvault.status import vault_status
from fitvault.store.vault import Vault


def _short(value) -> str:
    """'2026-11-21T12:00:05.123Z' -> '2026-11-21 12:00' (UTC) for the table (JSON keeps the full value)."""
    if not value:
        return "-"
    text = str(value)
    return f"{text[:10]} {text[11:16]}" if len(text) > 16 and text[10] == "T" else text


def status_table(doc: dict) -> Table:
    table = Table(title=f"vault {doc['vault']} (times UTC)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("type", "records", "from", "to", "days", "gaps", "last sync"):
        numeric = col in ("records", "days", "gaps")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=col != "gaps", min_width=len(col))
    hidden_total = sum(t.get("other_origins", 0) for t in doc["types"].values())
    for type_id, t in doc["types"].items():
        gaps = t.get("gaps", {})
        gap_text = str(gaps.get("days_without_data", 0))
        if gaps.get("unfinished_windows"):
            gap_text += f" +{len(gaps['unfinished_windows'])} unfinished"
        records = str(t.get("records", 0)) + (f" (+{t['other_origins']})" if t.get("other_origins") else "")
        table.add_row(
            type_id, records, (t.get("first") or "-")[:10], (t.get("last") or "-")[:10],
            str(t.get("days", 0)), gap_text, _short(t.get("last_sync")) if t.get("last_sync") else "never",
        )
        if "daily_totals" in t:
            table.add_row(f"{type_id} (daily)", str(t["daily_totals"]), "", "", "", "", "")
        if t.get("last_error"):
            table.add_row("", f"[red]last error:[/] {escape(t['last_error'])}", "", "", "", "", "")
    caption = [f"{doc['raw_pages']} raw pages archived; {doc['quarantined']} records quarantined"]
    if hidden_total:
        caption.append(f"records: what a reader sees (one origin per type and day); (+N): {hidden_total} more "
                       "records other origins hold on those days")
    if doc.get("time_zone"):
        caption.append(f"time zone {escape(doc['time_zone'])}")
    for d in doc.get("devices") or ():
        battery = f", battery {escape(d['battery_status'])}" if d.get("battery_status") else ""
        caption.append(f"{escape(d['device'] or d['id'])} last synced {_short(d['last_sync_time'])}{battery}")
    table.caption = "\n".join(caption)
    return table


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_obj
@handle_errors
def status_command(app: App, as_json: bool) -> None:
    """Show what the vault holds: records, time span, days, gaps and last sync per type.

    Records count what a reader sees: on a day two origins hold (a sync and an import), only the
    best-ranked origin's; "(+N)" is how many more records the other origins hold.
    """
    if not app.paths.database.exists():
        raise StoreError(f"no vault at {app.paths.root} yet: run `fitvault sync` (or `fitvault demo`) first")
    with Vault(app.paths.root) as vault:
        doc = vault_status(vault)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        out_console.print(status_table(doc))
