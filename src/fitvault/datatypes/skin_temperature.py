"""daily-sleep-temperature-derivations: nightly skin temperature (docs/facts/google-health-api.md#payload-shapes)::

    {"dailySleepTemperatureDerivations": {"date": {...}, "nightlyTemperatureCelsius": 34.41,
     "baselineTemperatureCelsius": 34.30, "relativeNightlyStddev30dCelsius": 0.21}}

The legacy Fitbit "relative" value is nightly − baseline (docs/facts/google-health-api.md#payload-shapes, P-MCP); the Python API
derives it, the vault keeps what the API sends.
"""

from __future__ import annotations

from fitvault.datatypes.base import DISC_CELSIUS, HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import DailyStream, number
from fitvault.datatypes.tables import TABLES_BY_NAME

_SKIN = DISC_CELSIUS  # no range documented for skin; core body temperature's (same unit)


class SkinTemperature(DailyStream):
    name = data_type = "daily-sleep-temperature-derivations"
    key = "dailySleepTemperatureDerivations"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["daily_skin_temperature"]
    fields = (
        ("nightly_c", number("nightlyTemperatureCelsius", valid=_SKIN)),
        ("baseline_c", number("baselineTemperatureCelsius", valid=_SKIN)),
        ("relative_stddev_30d_c", number("relativeNightlyStddev30dCelsius")),
    )
