"""Body measurements: weight, body-fat and height (docs/facts/google-health-api.md#payload-shapes; weight shape from the live
fixture FIX-DGH ``weight_manual.json``)::

    {"name": "users/1234567890/dataTypes/weight/dataPoints/6685309773198390001",
     "dataSource": {"recordingMethod": "MANUAL", "platform": "FITBIT"},
     "weight": {"sampleTime": {...}, "weightGrams": 72450, "notes": "optional"}}
    {"bodyFat": {"sampleTime": {...}, "percentage": 18.4}}
    {"height": {"sampleTime": {...}, "heightMillimeters": "1780"}}

These are identifiable: the point id is kept beside the row. Manual logs can be entered days
later for an earlier time, so runs re-read a week.
"""

from __future__ import annotations

from datetime import timedelta

from fitvault.datatypes.base import DISC_HEIGHT_MM, DISC_PCT, DISC_WEIGHT_G, HEALTH_METRICS_SCOPE
from fitvault.datatypes.generic import SampleStream, integer, number, text
from fitvault.datatypes.tables import TABLES_BY_NAME


class Weight(SampleStream):
    name = data_type = "weight"
    key = "weight"
    scopes = (HEALTH_METRICS_SCOPE,)
    overlap = timedelta(days=7)
    with_id = True
    table_info = TABLES_BY_NAME["weight"]
    records_per_day_guess = 0.3
    fields = (("weight_g", number("weightGrams", required=True, valid=DISC_WEIGHT_G)), ("notes", text("notes")))


class BodyFat(SampleStream):
    name = data_type = "body-fat"
    key = "bodyFat"
    scopes = (HEALTH_METRICS_SCOPE,)
    overlap = timedelta(days=7)
    with_id = True
    table_info = TABLES_BY_NAME["body_fat"]
    records_per_day_guess = 0.2
    fields = (("body_fat_pct", number("percentage", required=True, valid=DISC_PCT)),)


class Height(SampleStream):
    name = data_type = "height"
    key = "height"
    scopes = (HEALTH_METRICS_SCOPE,)
    overlap = timedelta(days=7)
    with_id = True
    table_info = TABLES_BY_NAME["height"]
    records_per_day_guess = 0.01
    fields = (("height_mm", integer("heightMillimeters", required=True, valid=DISC_HEIGHT_MM)),)
