"""active-zone-minutes: 1-minute intervals with the heart-rate zone (docs/facts/google-health-api.md#payload-shapes, live
fixture FIX-DGH ``active_zone_minutes.json``)::

    {"activeZoneMinutes": {"interval": {...}, "heartRateZone": "FAT_BURN", "activeZoneMinutes": "1"}}

FAT_BURN earns 1 per minute, CARDIO and PEAK 2. An omitted count is a zero (proto3).
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE
from fitvault.datatypes.generic import IntervalStream, integer, text
from fitvault.datatypes.tables import TABLES_BY_NAME


class ActiveZoneMinutes(IntervalStream):
    name = data_type = "active-zone-minutes"
    key = "activeZoneMinutes"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["active_zone_minutes"]
    records_per_day_guess = 40.0
    fields = (
        ("heart_rate_zone", text("heartRateZone")),
        ("active_zone_minutes", integer("activeZoneMinutes", default=0, valid=(0, 2880))),
    )
