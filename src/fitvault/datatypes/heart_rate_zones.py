"""daily-heart-rate-zones: the day's zone thresholds (docs/facts/google-health-api.md#payload-shapes, discovery document)::

    {"dailyHeartRateZones": {"date": {...}, "heartRateZones": [
        {"heartRateZoneType": "LIGHT", "minBeatsPerMinute": "97", "maxBeatsPerMinute": "123"}, ...]}}

One row per zone. The zone names are the API's enum (reference: LIGHT|MODERATE|VIGOROUS|PEAK;
unverified live, so any name is stored as sent). Listing this type is documented since autumn
2026 (May 2026: reconcile only, docs/facts/google-health-api.md#data-types); a refusal marks the stream unsupported.
"""

from __future__ import annotations

import sqlite3
from itertools import groupby

from fitvault.datatypes.base import (
    HEALTH_METRICS_SCOPE,
    POINT_ERRORS,
    ParsedPage,
    SourceIds,
    civil_date,
    int64,
    page_items,
    req_str,
    source_key,
)
from fitvault.datatypes.generic import DailyStream
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.store import upsert


def _zone(value: object) -> str:
    return req_str(value, "heartRateZoneType")  # part of the key: a null would fail the whole page


class HeartRateZones(DailyStream):
    name = data_type = "daily-heart-rate-zones"
    key = "dailyHeartRateZones"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["daily_heart_rate_zones"]

    def parse(self, body: dict) -> ParsedPage:
        page = ParsedPage()
        for point in page_items(body, "dataPoints", page):
            try:
                b = point[self.key]
                day, src = civil_date(b["date"]), source_key(point.get("dataSource"))
                zones = [(day, src, _zone(z["heartRateZoneType"]), int64(z.get("minBeatsPerMinute")),
                          int64(z.get("maxBeatsPerMinute"))) for z in b.get("heartRateZones") or ()]
            except POINT_ERRORS as exc:
                page.bad.append((f"{type(exc).__name__}: {exc}", point))
                continue
            page.rows.extend(zones)
            page.oldest = day if page.oldest is None else min(page.oldest, day)  # type: ignore[type-var]
            page.newest = day if page.newest is None else max(page.newest, day)  # type: ignore[type-var]
        return page

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        for (day, src), group in groupby(rows, key=lambda r: (r[0], r[1])):
            zones = list(group)
            sid, d = source_ids(src), day.isoformat()
            upsert.write(conn, "daily_heart_rate_zones", [(d, sid, z, lo, hi) for _d, _s, z, lo, hi in zones])
            # A zone the day no longer has (renamed upstream) goes.
            names = [z[2] for z in zones]
            conn.execute(
                f"DELETE FROM daily_heart_rate_zones WHERE date = ? AND source_id = ? "
                f"AND zone NOT IN ({', '.join('?' * len(names))})", (d, sid, *names),
            )
