"""What a sync run reports and records: per-stream progress, the run's report, the covered
range a completed window extends, and the run's outcome in the vault. Shared by every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from fitvault import errors
from fitvault.axis import Bound
from fitvault.store.vault import Vault
from fitvault.stream import Stream


@dataclass
class StreamProgress:
    """What one stream has done so far in this run (also its final result)."""

    stream: str
    window: tuple[str, str] | None = None
    jobs: int = 0
    jobs_done: int = 0
    requests: int = 0
    records: int = 0          # records received from the API
    changed: int = 0          # rows inserted or changed in the vault
    quarantined: int = 0
    fraction: float = 0.0     # of the planned window, by time covered
    error: str | None = None
    skipped: str | None = None


@dataclass
class SyncReport:
    run_id: int
    streams: dict[str, StreamProgress] = field(default_factory=dict)
    requests: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False

    @property
    def incomplete(self) -> list[str]:
        """One line per stream that has work left, saying what and why."""
        lines = []
        for p in self.streams.values():
            if p.error:
                lines.append(f"{p.stream}: {p.jobs - p.jobs_done} window(s) left ({p.error})")
            elif not p.skipped and p.jobs_done < p.jobs:
                lines.append(f"{p.stream}: {p.jobs - p.jobs_done} window(s) left (interrupted)")
        return lines

    @property
    def skipped(self) -> list[str]:
        return [f"{p.stream}: {p.skipped}" for p in self.streams.values() if p.skipped]


ProgressCallback = Callable[[StreamProgress], None]


def completed_state(stream: Stream, lower: Bound, upper: Bound, state: Mapping[str, Any]) -> dict[str, str | None]:
    """The ``sync_state`` values to set when a run of ``stream`` completes the window
    [lower, upper): ``last_sync`` now, no ``last_error``, and the covered range
    (``synced_from`` .. ``synced_until``, in ``state``) set to the window if there was none, or
    extended by it if they touch."""
    until = stream.parse_bound(state["synced_until"]) if state["synced_until"] else None
    since = stream.parse_bound(state["synced_from"]) if state["synced_from"] else None
    values: dict[str, str | None] = {"last_sync": _utc_now_text(), "last_error": None}
    if lower < upper:  # type: ignore[operator]
        if until is None or since is None:
            values.update(synced_from=stream.format_bound(lower), synced_until=stream.format_bound(upper))
        elif lower <= until and upper >= since:  # type: ignore[operator]
            # Only a window that touches the covered range extends it; an island
            # elsewhere (--since/--until) is stored but does not move the cursor.
            values.update(
                synced_from=stream.format_bound(min(lower, since)),  # type: ignore[type-var]
                synced_until=stream.format_bound(max(upper, until)),  # type: ignore[type-var]
            )
    return values


def record_outcome(vault: Vault, report: SyncReport, fatal: BaseException | None, notes: list[str]) -> None:
    """Record errors on their streams and the run's outcome (``notes`` go with it). A vault
    error here is raised only if the run had not already failed (the first error is the one to
    show)."""
    try:
        for p in report.streams.values():
            if p.error:
                vault.set_sync_state(p.stream, last_error=p.error)
        outcome = "interrupted" if report.interrupted else "failed" if fatal else (
            "incomplete" if report.incomplete else "ok"
        )
        records = sum(p.records for p in report.streams.values())
        vault.finish_run(report.run_id, outcome, report.requests, records, "\n".join(notes))
    except errors.StoreError:
        if fatal is None:
            raise


def _utc_now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
