"""heart-rate-variability (samples during sleep) and daily-heart-rate-variability (nightly),
docs/facts/google-health-api.md#payload-shapes::

    {"heartRateVariability": {"sampleTime": {...}, "rootMeanSquareOfSuccessiveDifferencesMilliseconds": 38.5,
     "standardDeviationMilliseconds": 44.1, "metadata": {"lowFrequencyPower": 512.3, "highFrequencyPower": 388.0}}}
    {"dailyHeartRateVariability": {"date": {...}, "averageHeartRateVariabilityMilliseconds": 41.7,
     "nonRemHeartRateBeatsPerMinute": "52", "entropy": 2.93,
     "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds": 47.2}}

The daily record needs at least one of its four fields; any may be omitted (stored as NULL).
"""

from __future__ import annotations

from fitvault.datatypes.base import DISC_BPM, DISC_RMSSD_MS, HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import DailyStream, SampleStream, integer, number
from fitvault.datatypes.tables import TABLES_BY_NAME

_MS = DISC_RMSSD_MS  # RMSSD: the discovery document's range [1, 200] ms; the other HRV values share the unit


class HeartRateVariability(SampleStream):
    name = data_type = "heart-rate-variability"
    key = "heartRateVariability"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["hrv"]
    records_per_day_guess = 90.0
    fields = (
        # A 0 is "not measured": devices without SDNN send standardDeviationMilliseconds 0 on every
        # sample (19,503 in a row from one Pixel Watch: open-wearables test_health_api_hrv_zero.py,
        # issue #1586); an RMSSD of 0 is below the documented minimum of 1, i.e. proto3's unset value.
        ("rmssd_ms", number("rootMeanSquareOfSuccessiveDifferencesMilliseconds", valid=_MS, zero_is_missing=True)),
        ("sdnn_ms", number("standardDeviationMilliseconds", valid=(0.0, 1000.0), zero_is_missing=True)),
        ("lf_power_ms2", number("metadata", "lowFrequencyPower")),
        ("hf_power_ms2", number("metadata", "highFrequencyPower")),
    )


class DailyHeartRateVariability(DailyStream):
    name = data_type = "daily-heart-rate-variability"
    key = "dailyHeartRateVariability"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["daily_hrv"]
    fields = (
        ("average_hrv_ms", number("averageHeartRateVariabilityMilliseconds", valid=_MS, zero_is_missing=True)),
        ("non_rem_hr_bpm", integer("nonRemHeartRateBeatsPerMinute", valid=DISC_BPM)),
        ("entropy", number("entropy")),
        ("deep_sleep_rmssd_ms", number("deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds", valid=_MS,
                                         zero_is_missing=True)),
    )
