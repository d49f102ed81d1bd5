"""`fitvault plot KIND`: one chart of the vault as a PNG or SVG (library: ``fitvault.plots``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from fitvault.cli.app import App, cli, handle_errors, out_console

_DATE = click.DateTime(["%Y-%m-%d"])

KIND_HELP = """\b
KIND (default window without --from/--to, ending on the last day with data):
  heart             one day: every sample; longer: 15-min (<= 3 days) or hourly
                    means with a min-max band; heart-rate zones shaded (last day)
  resting-hr        daily resting HR, 7-day mean, personal range (90 days)
  sleep             time per stage stacked per night; one date (--from D --to D):
                    that night's hypnogram (last 30 nights)
  steps             daily totals, 7-day mean, goal line (90 days)
  hrv               nightly heart-rate variability, RMSSD (90 days)
  spo2              nightly blood oxygen with the night's range (90 days)
  breathing-rate    breathing rate in sleep (90 days)
  skin-temperature  nightly skin temperature vs baseline (90 days)
  weight            daily weight in kg (90 days)

A night is the local date its sleep ends on. All times are local (each record's own UTC
offset). Defaults and colours: docs/plots.md."""


def open_reader(app: App):
    """The vault's pandas API (read-only)."""
    from fitvault.query import open as open_vault

    return open_vault(app.paths.root)


def as_day(value: datetime | None):
    return value.date() if value is not None else None


def check_dates(start, end) -> None:
    if start is not None and end is not None and start > end:
        raise click.BadParameter(f"--from {start} is after --to {end}", param_hint="--from/--to")


@cli.command("plot", epilog=KIND_HELP)
@click.argument("kind", metavar="KIND", type=click.Choice(["heart", "resting-hr", "sleep", "steps", "hrv", "spo2",
                                                          "breathing-rate", "skin-temperature", "weight"]))
@click.option("--from", "start", type=_DATE, metavar="DATE",
              help="First local date to show, YYYY-MM-DD (inclusive).")
@click.option("--to", "end", type=_DATE, metavar="DATE",
              help="Last local date to show, YYYY-MM-DD (inclusive; default: the last day with data).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Image to write: .png or .svg, by extension (default: fitvault-KIND.png here).")
@click.pass_obj
@handle_errors
def plot_command(app: App, kind: str, start: datetime | None, end: datetime | None, out: Path | None) -> None:
    """Draw one chart of the vault (heart rate, sleep, steps ...) as a PNG or SVG image."""
    from fitvault.plots import Plotter, save_figure

    out = out or Path(f"fitvault-{kind}.png")
    if out.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter(f"{out.name!r} is neither .png nor .svg", param_hint="--out")
    s, e = as_day(start), as_day(end)
    check_dates(s, e)
    with open_reader(app) as reader:
        fig = Plotter(reader).figure(kind, s, e)
    save_figure(fig, out)
    title = fig.axes[0].get_title(loc="left") if fig.axes else kind
    out_console.print(f"wrote {out} ({title})", markup=False, soft_wrap=True)
