"""Time and calories per heart-rate zone (discovery document ``TimeInHeartRateZone``,
``TimeInHeartRateZoneRollupValue``, ``CaloriesInHeartRateZoneRollupValue``)::

    {"timeInHeartRateZone": {"interval": {...}, "heartRateZoneType": "MODERATE"}}      # list
    {"timeInHeartRateZone": {"timeInHeartRateZones": [{"heartRateZone": "LIGHT", "duration": "840s"}, ...]}}
    {"caloriesInHeartRateZone": {"caloriesInHeartRateZones": [{"heartRateZone": "LIGHT", "kcal": 123.4}, ...]}}

``time-in-heart-rate-zone`` is read both ways: its points (``list``; the May 2026 docs table
offers only reconcile and rollups, the discovery document's union has the member, so a refusal
just marks that stream unsupported) and per local day (``dailyRollUp``, documented).
``calories-in-heart-rate-zone`` has rollups only (docs/facts/google-health-api.md#data-types), capped at 14 days.
A zone absent from a present day is a zero; ``HEART_RATE_ZONE_TYPE_UNSPECIFIED`` entries (time
below the zones; Takeout's GoogleData CSV has them) are not one of the four columns.
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE, req_str
from fitvault.datatypes.generic import Getter, IntervalStream, RollupDailyStream, duration, number, text
from fitvault.datatypes.tables import TABLES_BY_NAME

ZONES = ("LIGHT", "MODERATE", "VIGOROUS", "PEAK")


def zone_total(list_key: str, zone: str, value: Getter) -> Getter:
    """The sum of ``value`` over the entries of ``list_key`` whose ``heartRateZone`` is ``zone``."""

    def get(body: dict) -> float:
        entries = body.get(list_key) or []
        if not isinstance(entries, list):
            raise TypeError(f"{list_key} is not a list")
        return sum(value(e) or 0.0 for e in entries if req_str(e.get("heartRateZone"), "heartRateZone") == zone)

    return get


class TimeInHeartRateZone(IntervalStream):
    name = data_type = "time-in-heart-rate-zone"
    key = "timeInHeartRateZone"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["time_in_heart_rate_zone"]
    records_per_day_guess = 300.0
    fields = (("heart_rate_zone", text("heartRateZoneType", required=True)),)


class TimeInHeartRateZoneDaily(RollupDailyStream):
    name = "time-in-heart-rate-zone:daily"
    data_type = "time-in-heart-rate-zone"
    key = "timeInHeartRateZone"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["daily_time_in_heart_rate_zone"]
    fields = tuple((f"{z.lower()}_s", zone_total("timeInHeartRateZones", z, duration("duration"))) for z in ZONES)


class CaloriesInHeartRateZoneDaily(RollupDailyStream):
    name = "calories-in-heart-rate-zone:daily"
    data_type = "calories-in-heart-rate-zone"
    key = "caloriesInHeartRateZone"
    scopes = (ACTIVITY_SCOPE,)
    page_size = 14
    max_window_days = 14
    table_info = TABLES_BY_NAME["daily_calories_in_heart_rate_zone"]
    fields = tuple((f"{z.lower()}_kcal", zone_total("caloriesInHeartRateZones", z, number("kcal", valid=(0, 100_000))))
                   for z in ZONES)
