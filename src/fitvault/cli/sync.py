"""`fitvault sync [--source google|fitbit]` and `fitvault rebuild`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import click
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from fitvault import errors, session
from fitvault.cli.app import App, cli, err_console, handle_errors, out_console
from fitvault.config import resolve_fitbit_endpoints
from fitvault.datatypes import TYPE_IDS, streams_for_types
from fitvault.sources import fitbit
from fitvault.sources.google import make_plan, run_plan
from fitvault.sources.registry import rebuild
from fitvault.store.vault import Vault
from fitvault.sync import StreamProgress, SyncOptions, SyncPlan, SyncReport, sync_lock


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


def _run_with_bars(progress: Progress, plan: SyncPlan, run: Callable[[_Bars], SyncReport]) -> SyncReport:
    """``run(bars)`` under a bar per stream of ``plan``; a failure that carries the partial
    report shows it before it propagates."""
    bars = _Bars(progress)
    bars.add(plan)
    with progress:
        try:
            return run(bars)
        except errors.FitvaultError as exc:
            partial = getattr(exc, "report", None)
            if partial is not None:
                progress.stop()
                out_console.print(_report_table(partial))
            raise


def _show_report(report: SyncReport, command: str) -> None:
    """Print the report; :class:`SyncIncomplete` if work is left (``command`` continues it)."""
    out_console.print(_report_table(report))
    for line in report.skipped:
        err_console.print(f"[yellow]skipped[/] {escape(line)}")
    if report.incomplete:
        raise errors.SyncIncomplete(
            "the sync did not finish; what is left:\n  " + "\n  ".join(report.incomplete)
            + f"\nEverything fetched so far is saved. Run `{command}` again to continue."
        )


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
@click.option("--source", type=click.Choice(["google", "fitbit"]), default="google", show_default=True,
              help="google: the Google Health API. fitbit: the legacy Fitbit Web API (turned off 2026-11-02; "
                   "150 requests per hour, see docs/fitbit-legacy.md).")
@click.pass_obj
@handle_errors
def sync_command(app: App, types, since, until, full, dry_run, concurrency, quota, wait_s, source) -> None:
    """Fetch new data from the Google Health API (or the legacy Fitbit API) into the vault (resumable, incremental)."""
    if source == "fitbit":
        if concurrency is not None or quota is not None:
            raise errors.ConfigError("--concurrency and --quota are for the Google source; the legacy Fitbit API is "
                                     "read one request at a time within its 150 requests per hour")
        _sync_fitbit(app, types, since, until, full, dry_run, wait_s)
        return
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
        report = _run_with_bars(progress, plan, lambda bars: run_plan(vault, client, plan, progress=bars))
    _show_report(report, "fitvault sync")


class _Countdown:
    """Shows the wait for Fitbit's hourly budget: one line when it starts, then a live countdown."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, event) -> None:
        left = int(event.seconds_left + 0.999)
        text = f"{left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"
        if self._task is None and event.seconds_left > 0:
            why = ("the hourly limit" + (f" of {event.limit} requests" if event.limit else "") + " is used up"
                   if event.reason == "quota" else "Fitbit answered 429 Too Many Requests")
            err_console.print(f"[yellow]rate limit:[/] {why}; waiting {text} for it to reset "
                              "(Ctrl-C stops; everything so far is saved and a later run resumes)")
            if self.progress is not None:
                self._task = self.progress.add_task("rate limit", total=None, window=f"reset in {text}",
                                                    requests=0, records=0)
        elif self._task is not None and self.progress is not None:
            if event.seconds_left <= 0:
                self.progress.remove_task(self._task)
                self._task = None
            else:
                self.progress.update(self._task, window=f"reset in {text}")


def _sync_fitbit(app: App, types, since, until, full, dry_run, wait_s) -> None:
    conf = app.config().get("fitbit", {})
    margin = conf.get("rate_limit_margin_s", fitbit.DEFAULT_MARGIN_S)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin <= 3600:
        raise errors.ConfigError(f"[fitbit] rate_limit_margin_s in config.toml must be 0..3600 seconds, got {margin!r}")
    options = SyncOptions(types=types, since=since.date() if since else None, until=until.date() if until else None,
                          full=full)
    if options.since and options.until and options.since > options.until:
        raise errors.ConfigError("--since is after --until")
    scopes = fitbit.granted_scopes(app.paths)
    countdown = _Countdown()
    with sync_lock(app.paths, wait_s=wait_s), Vault(app.paths.root) as vault, fitbit.client_for(
        app.paths, resolve_fitbit_endpoints(app.config()), margin_s=float(margin), on_wait=countdown,
    ) as client:
        plan, context = fitbit.make_plan(vault, client, options, granted_scopes=scopes, dry_run=dry_run)
        table = Table(title="sync plan (legacy Fitbit Web API)", title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("data set", "window (local dates)", "resumed", "≈ requests"):
            table.add_column(col, justify="right" if col in ("resumed", "≈ requests") else "left")
        for sp in plan.streams:
            if sp.skipped:
                table.add_row(sp.stream.name, f"skipped: {escape(sp.skipped)}", "", "")
            else:
                table.add_row(sp.stream.name, _window_text(sp), str(sp.resumed), str(sp.estimated_requests))
        hours = plan.estimated_requests / 150
        table.caption = (f"≈ {plan.estimated_requests + 1} requests: about {_duration(hours * 3600)} at Fitbit's "
                         f"150 per hour; time zone {context.time_zone or 'unknown'}")
        err_console.print(table)
        if dry_run:
            return
        progress = Progress(
            TextColumn("{task.description:<32}"), TextColumn("{task.fields[window]}"), BarColumn(),
            TextColumn("{task.fields[requests]:>5} req {task.fields[records]:>9} rec"),
            TimeElapsedColumn(), console=err_console,
        )
        countdown.progress = progress
        report = _run_with_bars(progress, plan,
                                lambda bars: fitbit.run_plan(vault, client, plan, context, progress=bars))
    _show_report(report, "fitvault sync --source fitbit")


@cli.command("rebuild")
@click.pass_obj
@handle_errors
def rebuild_command(app: App) -> None:
    """Re-derive the API sources' tables from the raw archive, without downloading (imports are kept)."""
    if not app.paths.raw_archive.exists():
        raise errors.StoreError(f"no vault with a raw archive at {app.paths.root}")
    with sync_lock(app.paths), Vault(app.paths.root) as vault:
        with err_console.status("rebuilding from the raw archive ..."):
            counts = rebuild(vault)
    pages = counts.pop("pages")
    out_console.print(f"replayed {pages} raw pages: " + ", ".join(f"{k} {v} records" for k, v in counts.items()))

