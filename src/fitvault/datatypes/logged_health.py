"""What a person logs about their cycle, moods and symptoms, each behind an opt-in scope
(``--scopes +reproductive`` for menstrual-period and ovulation-test, ``+symptoms`` for moods
and symptoms). Shapes from the discovery document (``MenstrualPeriod``, ``OvulationTest``,
``Moods``, ``Symptoms``); no live capture found, and one peer found these types write-only in
September 2026 (docs/facts/google-health-api.md#data-types): a refusal marks the stream unsupported, the sync goes on::

    {"menstrualPeriod": {"interval": {...}, "notes": "..."}}
    {"ovulationTest": {"sampleTime": {...}, "result": "NEGATIVE"}}
    {"moods": {"sampleTime": {...}, "moods": ["HAPPY", "CALM"], "valences": ["PLEASANT"]}}
    {"symptoms": {"sampleTime": {...}, "symptoms": ["HEADACHE", "FATIGUE"]}}

Which scope gates moods is not settled (logged_symptoms per docs/facts/google-health-api.md#data-types; the discovery
document also has mindfulness): either grants the stream.
"""

from __future__ import annotations

from datetime import timedelta

from fitvault.datatypes.base import MINDFULNESS_SCOPE, REPRODUCTIVE_SCOPE, SYMPTOMS_SCOPE
from fitvault.datatypes.generic import IntervalStream, SampleStream, names, text
from fitvault.datatypes.tables import TABLES_BY_NAME


class MenstrualPeriod(IntervalStream):
    name = data_type = "menstrual-period"
    key = "menstrualPeriod"
    scopes = (REPRODUCTIVE_SCOPE,)
    opt_in = "reproductive"
    overlap = timedelta(days=14)   # a period is logged while it lasts and edited after
    table_info = TABLES_BY_NAME["menstrual_periods"]
    records_per_day_guess = 0.04
    fields = (("notes", text("notes")),)


class OvulationTest(SampleStream):
    name = data_type = "ovulation-test"
    key = "ovulationTest"
    scopes = (REPRODUCTIVE_SCOPE,)
    opt_in = "reproductive"
    overlap = timedelta(days=7)
    table_info = TABLES_BY_NAME["ovulation_tests"]
    records_per_day_guess = 0.1
    fields = (("result", text("result", required=True)),)


class Moods(SampleStream):
    name = data_type = "moods"
    key = "moods"
    scopes = (SYMPTOMS_SCOPE, MINDFULNESS_SCOPE)
    opt_in = "symptoms"
    overlap = timedelta(days=7)
    table_info = TABLES_BY_NAME["moods"]
    records_per_day_guess = 0.5
    fields = (("moods", names("moods", required=True)), ("valences", names("valences")))


class Symptoms(SampleStream):
    name = data_type = "symptoms"
    key = "symptoms"
    scopes = (SYMPTOMS_SCOPE,)
    opt_in = "symptoms"
    overlap = timedelta(days=7)
    table_info = TABLES_BY_NAME["symptoms"]
    records_per_day_guess = 0.3
    fields = (("symptoms", names("symptoms", required=True)),)
