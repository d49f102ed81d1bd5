"""`fitvault demo` and `fitvault simulator`."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fitvault import errors
from fitvault.cli.app import App, cli, err_console, handle_errors, out_console
from fitvault.cli.status import status_table
from fitvault.cli.sync import _Bars, _plan_table, _report_table
from fitvault.config import demo_vault_dir
from fitvault.demo import DEFAULT_DAYS, run_demo
from fitvault.status import vault_status
from fitvault.store.vault import Vault


@cli.command("demo")
@click.option("--days", type=click.IntRange(1, 3650), default=DEFAULT_DAYS, show_default=True,
              help="Days of simulated history to sync.")
@click.option("--latency-ms", type=click.IntRange(0, 5000), default=0, show_default=True,
              help="Simulated network latency per request.")
@click.pass_obj
@handle_errors
def demo_command(app: App, days: int, latency_ms: int) -> None:
    """Run fitvault end to end on the built-in simulator (no account needed)."""
    vault_dir = app.vault_dir if app.vault_given else demo_vault_dir()
    progress = Progress(
        TextColumn("{task.description:<26}"), BarColumn(),
        TextColumn("{task.fields[requests]:>5} req {task.fields[records]:>9} rec"), TimeElapsedColumn(),
        console=err_console,
    )
    bars = _Bars(progress)

    def on_plan(plan) -> None:
        err_console.print(_plan_table(plan, 300, 4))
        bars.add(plan)
        progress.start()

    err_console.print(f"Starting the Google Health API simulator and authorising (code + PKCE) into {vault_dir} ...")
    try:
        result = run_demo(vault_dir, days=days, latency_s=latency_ms / 1000, on_plan=on_plan, progress=bars)
    finally:
        progress.stop()
    out_console.print(_report_table(result.report))
    with Vault(vault_dir) as vault:
        out_console.print(status_table(vault_status(vault)))
    if result.report.incomplete:
        raise errors.SyncIncomplete("the demo sync did not finish:\n  " + "\n  ".join(result.report.incomplete))
    v = str(vault_dir)
    hints = [
        ("the status as JSON", f"fitvault --vault {v} status --json"),
        ("an offline HTML dashboard", f"fitvault --vault {v} report --out fitvault-report.html"),
        ("a plot of the last day's heart rate", f"fitvault --vault {v} plot heart --out heart.png"),
        ("every table as CSV (or xlsx, parquet)", f"fitvault --vault {v} export csv --out fitvault-export"),
        ("the data in pandas", f"python -c \"import fitvault; print(fitvault.open('{v}').daily().tail())\""),
        ("plain SQL on the vault (read-only; heart rate unpacked into rows)",
         f"fitvault --vault {v} sql 'SELECT count(*), min(bpm), max(bpm) FROM heart_rate'"),
        ("ask an AI assistant about it: read-only MCP tools (docs/mcp.md)", f"fitvault --vault {v} mcp"),
        ("re-derive every table from the raw archive", f"fitvault --vault {v} rebuild"),
        ("run the simulator yourself (see the README)", "fitvault simulator --port 8123"),
        ("your own data", "fitvault auth google --client-secrets client_secret.json && fitvault sync"),
    ]
    out_console.print("\nTry next:")
    for what, command in hints:
        out_console.print(f"  # {what}", style="dim")
        out_console.print(f"  {command}", markup=False, soft_wrap=True)


@cli.command("simulator")
@click.option("--port", type=click.IntRange(0, 65535), default=8123, show_default=True, help="Port on 127.0.0.1.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the synthetic person.")
@click.option("--latency-ms", type=click.IntRange(0, 60000), default=0, show_default=True,
              help="Latency added to every API response.")
@click.option("--latency-per-kib-ms", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Extra latency per KiB of response body (size-proportional).")
@click.option("--now", type=click.DateTime(["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"]),
              help="Freeze the simulated clock at this UTC instant (default: follow the real clock).")
@click.option("--testing-mode", is_flag=True, help="Behave like an OAuth app in Testing status (7-day grants).")
@click.option("--heart-rate-interval-s", type=click.IntRange(0, 60), default=2, show_default=True,
              help="Heart-rate spacing while worn (2: the live API's density, ~40,000 samples a day; "
                   "0: irregular 1-15 s, ~11,000 a day).")
@click.option("--write-client-secrets", "secrets_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the simulator's Desktop-client JSON here (for `fitvault auth google`).")
@click.pass_obj
@handle_errors
def simulator_command(app: App, port, seed, latency_ms, latency_per_kib_ms, now, testing_mode, heart_rate_interval_s,
                      secrets_path) -> None:
    """Run the Google Health API + OAuth simulator on 127.0.0.1 until Ctrl-C."""
    from fitvault_simulator import SimulatorConfig, serve_forever

    config = SimulatorConfig(
        seed=seed, latency_s=latency_ms / 1000, latency_per_kib_s=latency_per_kib_ms / 1000,
        testing_mode=testing_mode, now=now.replace(tzinfo=timezone.utc) if now else None,
        heart_rate_interval_s=heart_rate_interval_s,
    )
    try:
        serve_forever(config, port, client_secrets_path=secrets_path, echo=lambda line: out_console.print(line, markup=False))
    except KeyboardInterrupt:
        out_console.print("simulator stopped")
