"""distance, floors and total-calories per local day, from ``dailyRollUp`` (docs/facts/google-health-api.md#daily-rollups).

Rollup shapes (discovery document): ``{"distance": {"millimetersSum": "8431200"}}``,
``{"floors": {"countSum": "12"}}`` (FloorsRollupValue), ``{"totalCalories": {"kcalSum": 2315.5}}``.
``floors`` and ``total-calories`` cannot be listed at all (docs/facts/google-health-api.md#data-types, refused live), and
``total-calories`` rollups are capped at 14 days per request with pages of at most 14 (docs/facts/google-health-api.md#daily-rollups).
These are "true zero" types: a present bucket without a value is a worn day with zero.
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE, DISC_FLOORS, DISC_KCAL
from fitvault.datatypes.generic import RollupDailyStream, integer, number
from fitvault.datatypes.tables import TABLES_BY_NAME


class DistanceDaily(RollupDailyStream):
    name = "distance:daily"
    data_type = "distance"
    key = "distance"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["daily_distance"]
    fields = (("distance_mm", integer("millimetersSum", default=0, valid=(0, 10**12))),)


class FloorsDaily(RollupDailyStream):
    name = "floors:daily"
    data_type = "floors"
    key = "floors"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["daily_floors"]
    fields = (("floors", integer("countSum", default=0, valid=DISC_FLOORS)),)


class TotalCaloriesDaily(RollupDailyStream):
    name = "total-calories:daily"
    data_type = "total-calories"
    key = "totalCalories"
    scopes = (ACTIVITY_SCOPE,)
    page_size = 14
    max_window_days = 14
    table_info = TABLES_BY_NAME["daily_total_calories"]
    fields = (("calories_kcal", number("kcalSum", default=0.0, valid=DISC_KCAL)),)
