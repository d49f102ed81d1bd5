"""Cardio fitness: daily-vo2-max, vo2-max and run-vo2-max (docs/facts/google-health-api.md#payload-shapes)::

    {"dailyVo2Max": {"date": {...}, "vo2Max": 44.2, "cardioFitnessLevel": "GOOD", "estimated": false,
     "vo2MaxCovariance": 1.3}}
    {"vo2Max": {"sampleTime": {...}, "vo2Max": 44.0, "measurementMethod": "FITBIT_RUN"}}
    {"runVo2Max": {"sampleTime": {...}, "runVo2Max": 45.1}}

The scope is activity_and_fitness per the docs but health_metrics per two peers (docs/facts/google-health-api.md#scope-of-heart-rate-and-vo2-max):
either grants it here.
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE, DISC_VO2, HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import DailyStream, SampleStream, flag, number, text
from fitvault.datatypes.tables import TABLES_BY_NAME

_SCOPES = (ACTIVITY_SCOPE, HEALTH_METRICS_SCOPE)

_VO2 = DISC_VO2  # ml/kg/min, the discovery document's range


class DailyVo2Max(DailyStream):
    name = data_type = "daily-vo2-max"
    key = "dailyVo2Max"
    scopes = _SCOPES
    table_info = TABLES_BY_NAME["daily_vo2_max"]
    fields = (
        ("vo2_max_ml_kg_min", number("vo2Max", valid=_VO2)),
        ("cardio_fitness_level", text("cardioFitnessLevel")),
        ("estimated", flag("estimated")),
        ("vo2_max_covariance", number("vo2MaxCovariance")),
    )


class Vo2Max(SampleStream):
    name = data_type = "vo2-max"
    key = "vo2Max"
    scopes = _SCOPES
    table_info = TABLES_BY_NAME["vo2_max"]
    records_per_day_guess = 0.3
    fields = (("vo2_max_ml_kg_min", number("vo2Max", required=True, valid=_VO2)),
              ("measurement_method", text("measurementMethod")))


class RunVo2Max(SampleStream):
    name = data_type = "run-vo2-max"
    key = "runVo2Max"
    scopes = _SCOPES
    table_info = TABLES_BY_NAME["run_vo2_max"]
    records_per_day_guess = 0.3
    fields = (("run_vo2_max_ml_kg_min", number("runVo2Max", required=True, valid=_VO2)),)
