"""activity-level and sedentary-period: intervals (discovery document ``ActivityLevel``,
``SedentaryPeriod``)::

    {"activityLevel": {"interval": {...}, "activityLevelType": "LIGHTLY_ACTIVE"}}
    {"sedentaryPeriod": {"interval": {...}}}

Levels: SEDENTARY, LIGHTLY_ACTIVE, MODERATELY_ACTIVE, VERY_ACTIVE. ``dailyRollUp`` of
activity-level was refused live (docs/facts/google-health-api.md#data-types), so both are listed.
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE
from fitvault.datatypes.generic import IntervalStream, text
from fitvault.datatypes.tables import TABLES_BY_NAME


class ActivityLevel(IntervalStream):
    name = data_type = "activity-level"
    key = "activityLevel"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["activity_level"]
    records_per_day_guess = 60.0
    fields = (("level", text("activityLevelType", required=True)),)


class SedentaryPeriod(IntervalStream):
    name = data_type = "sedentary-period"
    key = "sedentaryPeriod"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["sedentary_periods"]
    records_per_day_guess = 15.0
