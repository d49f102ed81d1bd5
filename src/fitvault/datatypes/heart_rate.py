"""heart-rate: every intraday sample (reference §2.4 "Heart rate (intraday list page)").

Wire shape (live fixture FIX-DGH ``heart_rate_sample.json``)::

    {"dataSource": {...}, "heartRate": {"sampleTime": {"physicalTime": "2026-09-14T12:03:05Z",
     "utcOffset": "-14400s", "civilTime": {...}}, "beatsPerMinute": "64", "metadata": {...}}}

Row: (time_ms, source key, utc_offset_s, bpm). Natural key: (time_ms, source).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from fitvault import timeutil
from fitvault.datatypes.base import (
    ACTIVITY_SCOPE,
    HEALTH_METRICS_SCOPE,
    MAX_INSTANT_MS,
    MIN_INSTANT_MS,
    ParsedPage,
    SourceIds,
    Stream,
    int64,
    offset_s,
    parse_points,
    plausible,
    source_key,
)

# Plausible heart rates (wide: a record holder's resting 26 bpm, a maximal effort near 220).
MIN_BPM, MAX_BPM = 20, 250


class HeartRate(Stream):
    name = "heart-rate"
    data_type = "heart-rate"
    # Docs gate heart-rate on health_metrics; one peer uses activity_and_fitness (reference §7
    # item 8). Either grants it here; the auth flow asks for both.
    scopes = (HEALTH_METRICS_SCOPE, ACTIVITY_SCOPE)
    overlap = timedelta(days=2)
    tables = ("heart_rate",)
    table, time_column = "heart_rate", "time_ms"
    local_day_sql = "date(time_ms / 1000 + utc_offset_s, 'unixepoch')"
    records_per_day_guess = 12000.0

    def filter_field(self) -> str:
        return "heart_rate.sample_time.physical_time"

    def parse(self, body: dict) -> ParsedPage:
        parse_instant = timeutil.parse_instant_ms  # the hot loop: range checked inline below
        # memo: consecutive points share one dataSource (a fresh object never matches the first)
        last_source: list = [object(), None]
        offsets: dict = {}  # memo: a page has a few distinct offset strings (checked once each)

        def one(point: dict) -> tuple:
            ds = point.get("dataSource")
            if ds is not last_source[0] and ds != last_source[0]:
                last_source[0], last_source[1] = ds, source_key(ds)
            hr = point["heartRate"]
            st = hr["sampleTime"]
            value = hr["beatsPerMinute"]
            bpm = int(value) if type(value) is str else int64(value)  # int64: no bool, no fraction
            if bpm is None:
                raise KeyError("beatsPerMinute")
            if not MIN_BPM <= bpm <= MAX_BPM:
                plausible(bpm, MIN_BPM, MAX_BPM, "heart rate (bpm)")
            t = parse_instant(st["physicalTime"])
            if not MIN_INSTANT_MS <= t < MAX_INSTANT_MS:
                raise ValueError(f"impossible time: {st['physicalTime']!r}")
            text = st.get("utcOffset")
            off = offsets.get(text) if type(text) is str else None
            if off is None:
                off = offset_s(text)
                if type(text) is str:
                    offsets[text] = off
            return (t, last_source[1], off, bpm)

        return parse_points(body, one, lambda row: row[0])

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        conn.executemany(
            "INSERT INTO heart_rate (time_ms, source_id, utc_offset_s, bpm) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (time_ms, source_id) DO UPDATE SET "
            "utc_offset_s = excluded.utc_offset_s, bpm = excluded.bpm "
            "WHERE utc_offset_s IS NOT excluded.utc_offset_s OR bpm IS NOT excluded.bpm",
            ((t, source_ids(src), off, bpm) for t, src, off, bpm in rows),
        )
