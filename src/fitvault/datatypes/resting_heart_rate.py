"""daily-resting-heart-rate: one value per local day (docs/facts/google-health-api.md#payload-shapes, fixture FIX-DGH).

Wire shape::

    {"dataSource": {...}, "dailyRestingHeartRate": {"date": {"year": 2026, "month": 9, "day": 14},
     "beatsPerMinute": "55", "dailyRestingHeartRateMetadata": {"calculationMethod": "WITH_SLEEP"}}}

Daily types have a civil date only, no instant and no offset (docs/facts/google-health-api.md#record-shapes). Natural key:
(date, source): ``list`` returns each source's record (docs/facts/google-health-api.md#reconcile).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from fitvault.datatypes.base import (
    DISC_BPM,
    HEALTH_METRICS_SCOPE,
    ParsedPage,
    SourceIds,
    Stream,
    civil_date,
    int64,
    opt_str,
    parse_points,
    plausible,
    source_key,
)
from fitvault.store import upsert


class RestingHeartRate(Stream):
    name = "daily-resting-heart-rate"
    data_type = "daily-resting-heart-rate"
    scopes = (HEALTH_METRICS_SCOPE,)
    bound = "date"
    # Daily summaries can appear late, the next morning (docs/facts/google-health-api.md#late-data-and-change-detection; P-MCP uses 3 days).
    overlap = timedelta(days=3)
    tables = ("resting_heart_rate",)
    table, time_column = "resting_heart_rate", "date"

    def filter_field(self) -> str:
        return "daily_resting_heart_rate.date"

    def parse(self, body: dict) -> ParsedPage:
        def one(point: dict) -> tuple:
            rhr = point["dailyRestingHeartRate"]
            meta = rhr.get("dailyRestingHeartRateMetadata") or {}
            bpm = int64(rhr["beatsPerMinute"])
            if bpm is None:
                raise KeyError("beatsPerMinute")
            plausible(bpm, *DISC_BPM, "resting heart rate (bpm)")  # heart rate's documented range
            return (
                civil_date(rhr["date"]),
                source_key(point.get("dataSource")),
                bpm,
                opt_str(meta.get("calculationMethod"), "calculationMethod"),
            )

        return parse_points(body, one, lambda row: row[0])

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        upsert.write(conn, "resting_heart_rate",
                     ((d.isoformat(), source_ids(src), bpm, method) for d, src, bpm, method in rows))
