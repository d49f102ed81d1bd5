"""oxygen-saturation (samples) and daily-oxygen-saturation (nightly), docs/facts/google-health-api.md#payload-shapes (live
fixture FIX-DGH ``daily_oxygen_saturation.json``)::

    {"oxygenSaturation": {"sampleTime": {...}, "percentage": 95.5}}
    {"dailyOxygenSaturation": {"date": {...}, "averagePercentage": 96.8, "lowerBoundPercentage": 94.1,
     "upperBoundPercentage": 99.2, "standardDeviationPercentage": 0.9}}   # the last is optional
"""

from __future__ import annotations

from fitvault.datatypes.base import DISC_PCT, HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import DailyStream, SampleStream, number
from fitvault.datatypes.tables import TABLES_BY_NAME

_PCT = DISC_PCT  # the discovery document's range; standardDeviationPercentage has none, same unit


class OxygenSaturation(SampleStream):
    name = data_type = "oxygen-saturation"
    key = "oxygenSaturation"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["spo2"]
    records_per_day_guess = 450.0
    fields = (("spo2_pct", number("percentage", required=True, valid=_PCT)),)


class DailyOxygenSaturation(DailyStream):
    name = data_type = "daily-oxygen-saturation"
    key = "dailyOxygenSaturation"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["daily_spo2"]
    fields = (
        ("average_pct", number("averagePercentage", valid=_PCT)),
        ("lower_bound_pct", number("lowerBoundPercentage", valid=_PCT)),
        ("upper_bound_pct", number("upperBoundPercentage", valid=_PCT)),
        ("stddev_pct", number("standardDeviationPercentage", valid=_PCT)),
    )
