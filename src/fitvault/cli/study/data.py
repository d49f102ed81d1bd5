"""`fitvault study status | compliance | export | demo`: thin commands over
:mod:`fitvault.study.status`, :mod:`fitvault.study.report`, :mod:`fitvault.study.export` and
:mod:`fitvault.study.demo`."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from fitvault.cli.app import err_console, handle_errors, out_console
from fitvault.cli.study.group import StudyApp, json_option, pass_study, study
from fitvault.errors import ConfigError


def _as_of(value: str | None) -> datetime:
    """``--as-of`` (ISO 8601 with a zone) or now, in UTC."""
    if not value:
        return datetime.now(timezone.utc)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--as-of must be an ISO 8601 instant like 2026-11-21T12:00:00Z, got {value!r}") from None
    if parsed.tzinfo is None:
        raise ConfigError("--as-of needs a time zone (Z or +HH:MM): fitvault never guesses one")
    return parsed.astimezone(timezone.utc)


as_of_option = click.option("--as-of", "as_of", metavar="INSTANT",
                            help="Judge as of this UTC instant (ISO 8601) instead of now.")
full_option = click.option("--full", is_flag=True,
                           help="Read every day of every vault again (by default days settled earlier are reused).")


def _statuses(app: StudyApp, as_of: datetime, full: bool):
    from fitvault.study.status import study_status

    settings = app.settings()
    return settings, study_status(app.connect(), app.vaults(), as_of=as_of, valid_day_hours=settings.valid_day_hours,
                                  full=full)


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _print_table(statuses) -> None:
    table = Table(title="participants (times UTC)")
    for name in ("id", "window", "state", "grant", "device sync", "battery", "last data", "lag", "wear h/day",
                 "valid days", "contact today"):
        table.add_column(name)
    for s in statuses:
        c = s.compliance
        lag = c.lag
        table.add_row(
            escape(s.participant_id), f"{c.window_start} – {c.window_end or 'open'}", s.participant.state, s.grant,
            _fmt_time(c.last_device_sync),
            " ".join(x for x in (f"{c.battery_level}%" if c.battery_level else "", c.battery_status or "") if x) or "—",
            _fmt_time(c.last_data), "—" if lag is None else f"{lag.total_seconds() / 3600:.1f} h",
            "—" if c.mean_wear_hours is None else f"{c.mean_wear_hours:.1f}", f"{c.valid_days}/{c.settled_days}",
            escape("; ".join(s.contact)),
        )
    out_console.print(table)


@study.command("status")
@as_of_option
@full_option
@json_option
@pass_study
@handle_errors
def status_cmd(app: StudyApp, as_of: str | None, full: bool, as_json: bool) -> None:
    """Per participant: window, state, grant (valid / needs re-consent / expiring), last device
    sync and battery, last data, lag, wear hours and valid days, and why to contact them today.

    Wear and valid days follow the one definition in docs/study.md (Compliance).
    """
    _, statuses = _statuses(app, _as_of(as_of), full)
    app.emit(as_json, [s.to_dict() for s in statuses], lambda: _print_table(statuses))


@study.command("compliance")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the HTML report and the contact-today CSV (default: the study folder's reports/).")
@as_of_option
@full_option
@json_option
@pass_study
@handle_errors
def compliance_cmd(app: StudyApp, out_dir: Path | None, as_of: str | None, full: bool, as_json: bool) -> None:
    """Write an offline HTML compliance report and a "contact today" CSV (who, and why: no device
    sync for 3+ days, low battery, invalid or expiring grant, low wear)."""
    from fitvault.study.report import contact_rows, write_report

    when = _as_of(as_of)
    settings, statuses = _statuses(app, when, full)
    page, sheet, n = write_report(statuses, out_dir or app.study_dir / "reports", study_name=settings.name, as_of=when,
                                  valid_day_hours=settings.valid_day_hours)
    app.emit(as_json, {"report": str(page), "contact_csv": str(sheet), "contact": contact_rows(statuses)},
             f"compliance report: {escape(str(page))}\ncontact today ({n}): {escape(str(sheet))}")


@study.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["parquet", "csv", "fitabase"]))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="An empty folder (or an earlier study export's, which is replaced).")
@click.option("--deidentify", is_flag=True,
              help="Shift each participant's dates by their secret offset; hash ids; drop routes, device ids, free text.")
@click.option("--participant", "only", multiple=True, metavar="ID", help="Only these participants (repeatable).")
@json_option
@pass_study
@handle_errors
def export_cmd(app: StudyApp, fmt: str, out_dir: Path, deidentify: bool, only: tuple[str, ...], as_json: bool) -> None:
    """Export every participant's data by table and participant, with data_dictionary.csv and a
    manifest.json (row counts and SHA-256 per file). Formats as `fitvault export`; fitabase
    writes Fitabase's merged files with Id = participant id."""
    from fitvault.study.audit import staff_actor
    from fitvault.study.export import export_participants

    def progress(pid: str, i: int, n: int) -> None:
        if not as_json:
            err_console.print(f"[{i + 1}/{n}] {escape(pid)}")

    result = export_participants(app.connect(), app.cipher(), app.vaults(), fmt, out_dir, deidentify=deidentify,
                                 only=list(only), actor=staff_actor(), progress=progress)
    summary = {"out": str(result.out_dir), "format": fmt, "deidentified": deidentify, "files": len(result.files),
               "rows": result.rows, "skipped": result.skipped, "notes": result.notes}
    lines = [f"{len(result.files)} files, {result.rows:,} rows in {escape(str(result.out_dir))} "
             f"(manifest.json, data_dictionary.csv)"] + [escape(n) for n in result.notes]
    app.emit(as_json, summary, "\n".join(lines))


@study.command("demo")
@click.option("--participants", type=click.IntRange(1, 200), default=5, show_default=True,
              help="Synthetic participants the simulator serves.")
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True, help="Days of data per participant.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Study folder for the demo (default: a new folder under the system's temp folder).")
@json_option
@handle_errors
def demo_cmd(participants: int, days: int, folder: Path | None, as_json: bool) -> None:
    """A whole study end to end on the built-in simulator: a private PostgreSQL, init, add, invite
    links, enrolment through the web flow, workers syncing everyone, status, compliance and an
    export. Needs PostgreSQL's binaries (initdb) on this machine; no Google account."""
    from fitvault.study.demo import run_study_demo

    def say(text: str) -> None:  # progress goes to stderr, so --json's stdout stays one document
        err_console.print(escape(text), soft_wrap=True)

    result = run_study_demo(folder, participants=participants, days=days, say=say)
    if as_json:
        StudyApp(None, result.study_dir).emit(True, result.to_dict())
    else:
        out_console.print(result.summary(), soft_wrap=True)
