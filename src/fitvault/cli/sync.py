"""`fitvault sync` and `fitvault rebuild`."""

from __future__ import annotations

from datetime import timedelta

import click
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from fitvault import errors, session
from fitvault.cli.main import App, cli, err_console, handle_errors, out_console
from fitvault.datatypes import TYPE_IDS, streams_for_types
from fitvault.store.vault import Vault
from fitvault.sync import StreamProgress, SyncOptions, SyncPlan, SyncReport, make_plan, rebuild, run_plan, sync_lock


def _parse_types(ctx, param, value: str | None) -> tuple[str, ...] | None:
    if not value:
        return None
    types = tuple(t.strip() for t in value.split(",") if t.strip())
    try:
        streams_for_types(list(types))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    return types


def _setting(conf: dict, key: str, given: int | None, default: int, low: int, high: int) -> int:
    """A [sync] setting from config.toml, checked like the command-line option."""
    if given is not None:
        return given
    value = conf.get(key, default)
    if not isinstance(value, int) or not low <= value <= high:
        raise errors.ConfigError(f"[sync] {key} in config.toml must be a whole number from {low} to {high}, got {value!r}")
    return value


class _Bars:
    """Rich progress bars, one per stream: window, requests, records, ETA."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def add(self, plan: SyncPlan) -> None:
        for sp in plan.streams:
            if sp.skipped or not sp.jobs:
                continue
            lo, hi = sp.window or ("", "")
            self.tasks[sp.stream.name] = self.progress.add_task(
                sp.stream.name, total=1000, window=f"{lo[:10]}..{hi[:10]}", requests=0, records=0,
            )

    def __call__(self, p: StreamProgress) -> None:
        task = self.tasks.get(p.stream)
        if task is not None:
            self.progress.update(
                task, completed=int(p.fraction * 1000), requests=p.requests, records=p.records,
            )


def _window_text(sp) -> str:
    """A plan's window for people: UTC minutes for instant streams, inclusive local dates else."""
    if not sp.window:
        return "nothing to fetch"
    lo, hi = sp.window
    if sp.stream.bound == "instant":
        return f"{lo[:16].replace('T', ' ')} .. {hi[:16].replace('T', ' ')} UTC"
    last = sp.stream.parse_bound(hi) - timedelta(days=1)
    return f"{lo} .. {last.isoformat()} (local dates)"


def _plan_table(plan: SyncPlan, quota: int, concurrency: int) -> Table:
    table = Table(title="sync plan", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("type", "window", "windows", "resumed", "≈ requests"):
        table.add_column(col, justify="right" if col in ("windows", "resumed", "≈ requests") else "left")
    for sp in plan.streams:
        if sp.skipped:
            table.add_row(sp.stream.name, f"skipped: {escape(sp.skipped)}", "", "", "")
            continue
        table.add_row(sp.stream.name, _window_text(sp), str(len(sp.jobs)), str(sp.resumed), str(sp.estimated_requests))
    seconds = plan.estimated_seconds(quota, 0.15, concurrency)
    table.caption = (
        f"≈ {plan.estimated_requests} requests; about {_duration(seconds)} within the quota of {quota}/min "
        f"(at 150 ms per request, {concurrency} at once)"
    )
    return table


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _report_table(report: SyncReport) -> Table:
    table = Table(title=f"sync finished in {report.elapsed_s:.1f} s, {report.requests} requests",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("type", "requests", "records", "rows written", "quarantined", "result"):
        table.add_column(col, justify="left" if col in ("type", "result") else "right")
    for p in report.streams.values():
        result = "skipped: " + p.skipped if p.skipped else ("error: " + p.error if p.error else (
            "ok" if p.jobs_done == p.jobs else "unfinished"))
        table.add_row(p.stream, str(p.requests), str(p.records), str(p.changed), str(p.quarantined), escape(result))
    return table


@cli.command("sync")
@click.option("--types", "types", metavar="T,...", callback=_parse_types,
              help=f"Only these types ({', '.join(TYPE_IDS)}).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Fetch from this local date (inclusive).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Fetch up to this local date (inclusive).")
@click.option("--full", is_flag=True, help="Re-fetch the whole history, not just what is new.")
@click.option("--dry-run", is_flag=True,
              help="Show the request plan and its duration; fetch no data (a first run reads the profile).")
@click.option("--concurrency", type=click.IntRange(1, 16), default=None, help="Requests in flight at once (default 4).")
@click.option("--quota", "quota", type=click.IntRange(1, 100000), default=None,
              help="Requests per minute to stay under (default 300, the API's per-user quota).")
@click.option("--wait", "wait_s", type=click.FloatRange(0), default=0.0,
              help="Seconds to wait for another sync on this vault to finish (default: fail at once).")
@click.pass_obj
@handle_errors
def sync_command(app: App, types, since, until, full, dry_run, concurrency, quota, wait_s) -> None:
    """Fetch new data from the Google Health API into the vault (resumable, incremental)."""
    conf = app.config().get("sync", {})
    concurrency = _setting(conf, "concurrency", concurrency, session.DEFAULT_CONCURRENCY, 1, 16)
    quota = _setting(conf, "quota_per_minute", quota, session.DEFAULT_QUOTA_PER_MINUTE, 1, 100000)
    options = SyncOptions(
        types=types,
        since=since.date() if since else None,
        until=until.date() if until else None,
        full=full,
        concurrency=concurrency,
    )
    if options.since and options.until and options.since > options.until:
        raise errors.ConfigError("--since is after --until")
    endpoints = app.endpoints()
    scopes = session.granted_scopes(app.paths)
    with sync_lock(app.paths, wait_s=wait_s), Vault(app.paths.root) as vault, session.api_client(
        app.paths, endpoints, concurrency=concurrency, quota_per_minute=quota
    ) as client:
        plan = make_plan(vault, client, options, granted_scopes=scopes, dry_run=dry_run)
        err_console.print(_plan_table(plan, quota, concurrency))
        if dry_run:
            return
        progress = Progress(
            TextColumn("{task.description:<26}"), TextColumn("{task.fields[window]}"), BarColumn(),
            TextColumn("{task.fields[requests]:>5} req {task.fields[records]:>9} rec"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err_console,
        )
        bars = _Bars(progress)
        bars.add(plan)
        with progress:
            try:
                report = run_plan(vault, client, plan, progress=bars)
            except errors.FitvaultError as exc:
                partial = getattr(exc, "report", None)
                if partial is not None:
                    progress.stop()
                    out_console.print(_report_table(partial))
                raise
    out_console.print(_report_table(report))
    for line in report.skipped:
        err_console.print(f"[yellow]skipped[/] {escape(line)}")
    if report.incomplete:
        raise errors.SyncIncomplete(
            "the sync did not finish; what is left:\n  " + "\n  ".join(report.incomplete)
            + "\nEverything fetched so far is saved. Run `fitvault sync` again to continue."
        )


@cli.command("rebuild")
@click.pass_obj
@handle_errors
def rebuild_command(app: App) -> None:
    """Re-derive every table from the raw archive, without downloading anything."""
    if not app.paths.raw_archive.exists():
        raise errors.StoreError(f"no vault with a raw archive at {app.paths.root}")
    with sync_lock(app.paths), Vault(app.paths.root) as vault:
        with err_console.status("rebuilding from the raw archive ..."):
            counts = rebuild(vault)
    pages = counts.pop("pages")
    out_console.print(f"replayed {pages} raw pages: " + ", ".join(f"{k} {v} records" for k, v in counts.items()))

