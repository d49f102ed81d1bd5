"""heart-rate-variability (samples during sleep) and daily-heart-rate-variability (nightly),
reference §2.4::

    {"heartRateVariability": {"sampleTime": {...}, "rootMeanSquareOfSuccessiveDifferencesMilliseconds": 38.5,
     "standardDeviationMilliseconds": 44.1, "metadata": {"lowFrequencyPower": 512.3, "highFrequencyPower": 388.0}}}
    {"dailyHeartRateVariability": {"date": {...}, "averageHeartRateVariabilityMilliseconds": 41.7,
     "nonRemHeartRateBeatsPerMinute": "52", "entropy": 2.93,
     "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds": 47.2}}

The daily record needs at least one of its four fields; any may be omitted (stored as NULL).
"""

from __future__ import annotations

from fitvault.datatypes.base import HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import DailyStream, SampleStream, integer, number
from fitvault.datatypes.tables import TABLES_BY_NAME

_MS = (0.0, 1000.0)  # RMSSD is documented as 1..200 ms; only impossible values are refused


class HeartRateVariability(SampleStream):
    name = data_type = "heart-rate-variability"
    key = "heartRateVariability"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["hrv"]
    records_per_day_guess = 90.0
    fields = (
        ("rmssd_ms", number("rootMeanSquareOfSuccessiveDifferencesMilliseconds", valid=_MS)),
        ("sdnn_ms", number("standardDeviationMilliseconds", valid=_MS)),
        ("lf_power_ms2", number("metadata", "lowFrequencyPower")),
        ("hf_power_ms2", number("metadata", "highFrequencyPower")),
    )


class DailyHeartRateVariability(DailyStream):
    name = data_type = "daily-heart-rate-variability"
    key = "dailyHeartRateVariability"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["daily_hrv"]
    fields = (
        ("average_hrv_ms", number("averageHeartRateVariabilityMilliseconds", valid=_MS)),
        ("non_rem_hr_bpm", integer("nonRemHeartRateBeatsPerMinute", valid=(20, 250))),
        ("entropy", number("entropy")),
        ("deep_sleep_rmssd_ms", number("deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds", valid=_MS)),
    )
