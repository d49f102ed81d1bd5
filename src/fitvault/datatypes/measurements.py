"""Logged measurements: core-body-temperature and blood-glucose (discovery document
``CoreBodyTemperature``, ``BloodGlucose``; shapes believed from it, no live capture found)::

    {"name": ".../dataTypes/core-body-temperature/dataPoints/...", "coreBodyTemperature":
       {"sampleTime": {...}, "temperatureCelsius": 37.1, "measurementLocation": "MOUTH"}}
    {"bloodGlucose": {"sampleTime": {...}, "bloodGlucoseMilligramsPerDeciliter": 96.0,
       "mealType": "BREAKFAST", "measurementTiming": "FASTING", "specimen": "CAPILLARY_BLOOD",
       "measurementSource": "SELF_MONITORING_BLOOD_GLUCOSE", "notes": "..."}}

Identifiable like weight: the point id is kept, runs re-read a week. Ranges are the discovery
document's ([0, 100] °C, [0, 900] mg/dL).
"""

from __future__ import annotations

from datetime import timedelta

from fitvault.datatypes.base import HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import SampleStream, number, text
from fitvault.datatypes.tables import TABLES_BY_NAME


class CoreBodyTemperature(SampleStream):
    name = data_type = "core-body-temperature"
    key = "coreBodyTemperature"
    scopes = (HEALTH_METRICS_SCOPE,)
    overlap = timedelta(days=7)
    with_id = True
    table_info = TABLES_BY_NAME["core_body_temperature"]
    records_per_day_guess = 0.1
    fields = (
        ("temperature_c", number("temperatureCelsius", required=True, valid=(0, 100))),
        ("measurement_location", text("measurementLocation")),
    )


class BloodGlucose(SampleStream):
    name = data_type = "blood-glucose"
    key = "bloodGlucose"
    scopes = (HEALTH_METRICS_SCOPE,)
    overlap = timedelta(days=7)
    with_id = True
    table_info = TABLES_BY_NAME["blood_glucose"]
    records_per_day_guess = 0.5
    fields = (
        ("glucose_mg_dl", number("bloodGlucoseMilligramsPerDeciliter", required=True, valid=(0, 900))),
        ("meal_type", text("mealType")),
        ("measurement_timing", text("measurementTiming")),
        ("measurement_source", text("measurementSource")),
        ("specimen", text("specimen")),
        ("notes", text("notes")),
    )
