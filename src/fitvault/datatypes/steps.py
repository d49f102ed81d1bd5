"""steps: per-minute intervals (``list``) and daily totals (``dailyRollUp``).

Minute shape (live fixture FIX-DGH ``steps.json``, docs/facts/google-health-api.md#payload-shapes)::

    {"dataSource": {...}, "steps": {"interval": {"startTime": "2026-09-14T12:01:00Z",
     "startUtcOffset": "-14400s", "endTime": ..., "endUtcOffset": ..., "civilStartTime": ...},
     "count": "87"}}

Steps are a "true zero" type: ``list`` returns only worn periods, and a worn minute with zero
steps may come with ``count`` omitted (proto3 drops zero values) or as ``"0"`` — the reference
(docs/facts/google-health-api.md#true-zeros-in-list-pages) could not settle which, so both parse to 0.

Daily totals come from ``dailyRollUp`` (reconciled, civil days; see
:class:`~fitvault.datatypes.generic.RollupDailyStream` for the bucket rules).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from fitvault.datatypes.base import (
    ACTIVITY_SCOPE,
    DISC_STEPS,
    ParsedPage,
    SourceIds,
    Stream,
    instant_ms,
    int64,
    offset_s,
    parse_points,
    plausible,
    source_key,
)
from fitvault.datatypes.generic import RollupDailyStream, integer
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.store import upsert


def _count(value: object) -> int:
    n = int64(value) or 0  # omitted: zero (proto3 drops zeros)
    plausible(n, *DISC_STEPS, "step count")  # the discovery document's range
    return n


class StepsMinutes(Stream):
    name = "steps"
    data_type = "steps"
    scopes = (ACTIVITY_SCOPE,)
    overlap = timedelta(days=2)
    tables = ("steps",)
    table, time_column = "steps", "start_ms"
    local_day_sql = "date(start_ms / 1000 + start_offset_s, 'unixepoch')"
    records_per_day_guess = 900.0

    def filter_field(self) -> str:
        return "steps.interval.start_time"

    def parse(self, body: dict) -> ParsedPage:
        parse_instant, parse_offset = instant_ms, offset_s

        def one(point: dict) -> tuple:
            s = point["steps"]
            iv = s["interval"]
            return (
                parse_instant(iv["startTime"]),
                source_key(point.get("dataSource")),
                parse_offset(iv.get("startUtcOffset")),
                parse_instant(iv["endTime"]),
                parse_offset(iv.get("endUtcOffset")),
                _count(s.get("count")),
            )

        return parse_points(body, one, lambda row: row[0])

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        upsert.write(conn, "steps", ((s, source_ids(src), so, e, eo, c) for s, src, so, e, eo, c in rows))



class StepsDaily(RollupDailyStream):
    """Reconciled daily totals; ``countSum`` omitted in a present bucket is a worn day with 0."""

    name = "steps:daily"
    data_type = "steps"
    key = "steps"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["daily_steps"]
    fields = (("count", integer("countSum", default=0, valid=(0, 1_000_000))),)
