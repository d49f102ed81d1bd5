"""What the vault holds: per type, records, first and last record, days covered, last sync,
and known gaps (days without data inside the covered range, and windows a sync left undone)."""

from __future__ import annotations

import sqlite3

from fitvault.datatypes import STREAMS
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.sources.google.context import devices
from fitvault.store import origins
from fitvault.store.vault import VaultView

MAX_GAPS_LISTED = 10


def _missing_days(days: list[str]) -> tuple[int, list[str]]:
    """Days between the first and last of ``days`` (ascending) that are not in it: (count, first few)."""
    if len(days) < 2:
        return 0, []
    import numpy as np

    have = np.array(days, dtype="datetime64[D]")
    every = np.arange(have[0], have[-1] + np.timedelta64(1, "D"))
    missing = every[~np.isin(every, have)]
    return len(missing), [str(d) for d in missing[:MAX_GAPS_LISTED]]


def other_origin_records(conn: sqlite3.Connection, table_name: str) -> int:
    """Records of ``table_name`` a reader does not see: on a local day that several origins hold,
    the rows of every origin but the best-ranked one (the precedence rule, ``store/origins.py``).
    Rollups are ranked when written (one row per day): 0."""
    table = TABLES_BY_NAME.get(table_name)
    if table is None or not origins.several_origins(conn):
        return 0
    if table_name == "heart_rate":
        return _other_origin_samples(conn)
    found = origins.conflicts(conn, table)
    if not found:
        return 0
    lose = origins.losers_sql(table, found, "t", "s.origin")
    return conn.execute(f"SELECT count(*) FROM {table.name} AS t JOIN sources AS s ON s.id = t.source_id "
                        f"WHERE {lose}").fetchone()[0]


def _other_origin_samples(conn: sqlite3.Connection) -> int:
    """Heart-rate samples (day blocks) of origins that lose their local day."""
    import numpy as np

    from fitvault.store import sample_blocks

    ranks = {sid: origins.origin_rank(o) for sid, o in conn.execute("SELECT id, origin FROM sources")}
    size = max(ranks, default=0) + 1
    table = np.full(size, origins.UNKNOWN_RANK, dtype=np.int64)
    for sid, rank in ranks.items():
        table[sid] = rank
    found = sample_blocks.day_origins(conn, lambda ids: table[ids], None, None)
    if not found:
        return 0
    days = np.array(sorted(found), dtype=np.int64)
    best = np.array([found[d] for d in days.tolist()], dtype=np.int64)
    hidden = 0
    for a in sample_blocks.read_chunks(conn, chunk_rows=2_000_000):
        d = (a["time_ms"] // 1000 + a["utc_offset_s"]) // 86400
        pos = np.minimum(np.searchsorted(days, d), len(days) - 1)
        hidden += int(((days[pos] == d) & (table[a["source_id"]] > best[pos])).sum())
    return hidden


def vault_status(vault: VaultView) -> dict:
    """The status document of ``fitvault status --json``.

    ``{"vault": path, "time_zone": IANA zone, "devices": [{"device", "last_sync_time", ...}],
    "types": {type id: {"records", "first", "last", "days", "last_sync",
    "synced_until", "gaps": {"days_without_data", "first_missing_days", "unfinished_windows"},
    "last_error", "other_origins"}}}``; ``records`` counts heart-rate samples, sleep sessions,
    resting-HR days, step minutes (steps and time-in-heart-rate-zone also have ``daily_totals``) as a reader sees them: on a day
    several origins hold (an API sync and a Takeout import ...), only the best-ranked origin's
    (``store/origins.py``); ``other_origins`` is how many more records the other origins hold.
    """
    from fitvault.status_days import DayCache, summary_and_days  # numpy: not at `import fitvault`

    types: dict[str, dict] = {}
    cache = DayCache()
    for stream in STREAMS:
        n, first, last, day_list = summary_and_days(vault.conn, stream, cache)
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
        missing_count, missing = _missing_days(day_list)
        entry = types.setdefault(stream.data_type, {})
        gaps = entry.setdefault("gaps", {})
        gaps["days_without_data"] = missing_count
        gaps["first_missing_days"] = missing
        gaps.setdefault("unfinished_windows", []).extend(pending)
        hidden = other_origin_records(vault.conn, stream.table)
        entry.update(
            records=n - hidden, other_origins=hidden, first=first, last=last, days=len(day_list), last_sync=state["last_sync"],
            synced_until=state["synced_until"], last_error=state["last_error"],
        )
    cache.save(vault.conn)
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
