"""Breathing rate: daily-respiratory-rate (nightly) and respiratory-rate-sleep-summary (one
sample per sleep, per stage), docs/facts/google-health-api.md#payload-shapes::

    {"dailyRespiratoryRate": {"date": {...}, "breathsPerMinute": 14.6}}
    {"respiratoryRateSleepSummary": {"sampleTime": {...},
       "fullSleepStats": {"breathsPerMinute": 14.6, "standardDeviation": 1.1, "signalToNoise": 8.2},
       "deepSleepStats": {"breathsPerMinute": 13.9}, "lightSleepStats": {...}, "remSleepStats": {...}}}
"""

from __future__ import annotations

from fitvault.datatypes.base import HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import DailyStream, SampleStream, number
from fitvault.datatypes.tables import TABLES_BY_NAME

_BR = (0.0, 300.0)  # breaths per minute: no range in the discovery document; only corrupt values are refused


class DailyRespiratoryRate(DailyStream):
    name = data_type = "daily-respiratory-rate"
    key = "dailyRespiratoryRate"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["daily_breathing_rate"]
    fields = (("breaths_per_min", number("breathsPerMinute", required=True, valid=_BR)),)


class RespiratoryRateSleepSummary(SampleStream):
    name = data_type = "respiratory-rate-sleep-summary"
    key = "respiratoryRateSleepSummary"
    scopes = (HEALTH_METRICS_SCOPE,)
    table_info = TABLES_BY_NAME["breathing_rate_sleep"]
    fields = (
        ("full_breaths_per_min", number("fullSleepStats", "breathsPerMinute", valid=_BR)),
        ("full_stddev_breaths_per_min", number("fullSleepStats", "standardDeviation")),
        ("full_signal_to_noise", number("fullSleepStats", "signalToNoise")),
        ("deep_breaths_per_min", number("deepSleepStats", "breathsPerMinute", valid=_BR)),
        ("light_breaths_per_min", number("lightSleepStats", "breathsPerMinute", valid=_BR)),
        ("rem_breaths_per_min", number("remSleepStats", "breathsPerMinute", valid=_BR)),
    )
