"""What the vault holds: per type, records, first and last record, days covered, last sync,
and known gaps (days without data inside the covered range, and windows a sync left undone)."""

from __future__ import annotations

from datetime import date, timedelta

from fitvault.datatypes import STREAMS
from fitvault.store.vault import Vault
from fitvault.sync.context import devices

MAX_GAPS_LISTED = 10


def _missing_days(days: list[str]) -> tuple[int, list[str]]:
    """Days between the first and last of ``days`` that are not in it: (count, first few)."""
    if len(days) < 2:
        return 0, []
    have = set(days)
    d, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    missing = []
    while d <= last:
        if d.isoformat() not in have:
            missing.append(d.isoformat())
        d += timedelta(days=1)
    return len(missing), missing[:MAX_GAPS_LISTED]


def vault_status(vault: Vault) -> dict:
    """The status document of ``fitvault status --json``.

    ``{"vault": path, "time_zone": IANA zone, "devices": [{"device", "last_sync_time", ...}],
    "types": {type id: {"records", "first", "last", "days", "last_sync",
    "synced_until", "gaps": {"days_without_data", "first_missing_days", "unfinished_windows"},
    "last_error"}}}``; ``records`` counts heart-rate samples, sleep sessions, resting-HR days,
    step minutes (steps and time-in-heart-rate-zone also have ``daily_totals``).
    """
    types: dict[str, dict] = {}
    for stream in STREAMS:
        n, first, last = stream.summary(vault.conn)
        state = vault.sync_state(stream.name)
        pending = [
            f"{j.lower} .. {j.resume_upper}" for j in vault.open_jobs(stream.name)
        ]
        if stream.operation == "dailyRollUp" and "records" in types.get(stream.data_type, {}):
            # the daily totals of a type also listed (steps, time-in-heart-rate-zone)
            entry = types[stream.data_type]
            entry["daily_totals"] = n
            entry.setdefault("gaps", {}).setdefault("unfinished_windows", []).extend(pending)
            continue
        day_list = stream.local_days(vault.conn)
        missing_count, missing = _missing_days(day_list)
        entry = types.setdefault(stream.data_type, {})
        gaps = entry.setdefault("gaps", {})
        gaps["days_without_data"] = missing_count
        gaps["first_missing_days"] = missing
        gaps.setdefault("unfinished_windows", []).extend(pending)
        entry.update(
            records=n, first=first, last=last, days=len(day_list), last_sync=state["last_sync"],
            synced_until=state["synced_until"], last_error=state["last_error"],
        )
    account = vault.account()
    return {
        "vault": str(vault.paths.root),
        "time_zone": account.get("time_zone"),
        "devices": devices(vault),
        "schema_version": vault.schema_version,
        "raw_pages": vault.raw_page_count(),
        "quarantined": vault.quarantine_count(),
        "types": types,
    }
