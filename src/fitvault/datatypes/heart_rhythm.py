"""electrocardiogram and irregular-rhythm-notification: the heart-rhythm features, each behind
its own opt-in scope (``--scopes +ecg``, ``+irn``; docs/facts/google-health-api.md#endpoints-and-scopes). Shapes from the discovery
document (``Electrocardiogram``, ``IrregularRhythmNotification``, ``AlertWindow``,
``MedicalDeviceInfo``) and P-MCP (docs/facts/google-health-api.md#payload-shapes); no live capture found::

    {"name": ".../dataTypes/electrocardiogram/dataPoints/...", "electrocardiogram": {
       "interval": {...start == end...}, "beatsPerMinuteAvg": "72",
       "resultClassification": "NORMAL_SINUS_RHYTHM", "leadNumber": 1, "samplingFrequencyHertz": 250,
       "millivoltsScalingFactor": 1000, "waveformSamples": [12, 15, ...],
       "medicalDeviceInfo": {"deviceModel": "...", "firmwareVersion": "...", "featureVersion": "..."}}}
    {"irregularRhythmNotification": {"interval": {...}, "alertWindows": [{"startTime", "endTime",
       "positive": true, "heartBeats": [{"physicalTime", "utcOffset", "beatsPerMinute": 88}, ...]}, ...],
       "medicalDeviceInfo": {"deviceModel", "algorithmVersion", "serviceVersion"}}}

ECG is filtered with ``electrocardiogram.interval.start_time >=`` only (the discovery document
allows no upper bound), so a window's walk also meets newer readings: they are upserted like
the rest. Historical ECG readings carry no UTC offset (discovery document): stored as 0.
"""

from __future__ import annotations

import json

from fitvault.datatypes.base import ECG_SCOPE, IRN_SCOPE, Bound, int64
from fitvault.datatypes.generic import SessionStream, flag, integer, text
from fitvault.datatypes.tables import TABLES_BY_NAME


def _waveform(body: dict) -> str | None:
    samples = body.get("waveformSamples")
    if not samples:
        return None
    if not isinstance(samples, list):
        raise TypeError("waveformSamples is not a list")
    return json.dumps([int64(v) for v in samples], separators=(",", ":"))


def _windows(body: dict) -> list:
    windows = body.get("alertWindows") or []
    if not isinstance(windows, list):
        raise TypeError("alertWindows is not a list")
    return windows


_positive = flag("positive")


class Electrocardiogram(SessionStream):
    name = data_type = "electrocardiogram"
    key = "electrocardiogram"
    scopes = (ECG_SCOPE,)
    opt_in = "ecg"
    bound = "instant"
    table_info = TABLES_BY_NAME["ecg_readings"]
    records_per_day_guess = 0.05
    fields = (
        ("avg_hr_bpm", integer("beatsPerMinuteAvg", valid=(1, 300))),
        ("result_classification", text("resultClassification")),
        ("lead_number", integer("leadNumber")),
        ("sampling_frequency_hz", integer("samplingFrequencyHertz")),
        ("millivolts_scaling_factor", integer("millivoltsScalingFactor")),
        ("waveform", _waveform),
        ("device_model", text("medicalDeviceInfo", "deviceModel")),
        ("firmware_version", text("medicalDeviceInfo", "firmwareVersion")),
        ("feature_version", text("medicalDeviceInfo", "featureVersion")),
    )

    def filter_field(self) -> str:
        return "electrocardiogram.interval.start_time"

    def filter_text(self, lower: Bound, upper: Bound) -> str:
        """Only ``>=`` is accepted for ECG (docs/facts/google-health-api.md#filters)."""
        return f'{self.filter_field()} >= "{self.axis.filter_value(lower)}"'


class IrregularRhythmNotification(SessionStream):
    name = data_type = "irregular-rhythm-notification"
    key = "irregularRhythmNotification"
    scopes = (IRN_SCOPE,)
    opt_in = "irn"
    table_info = TABLES_BY_NAME["irn_alerts"]
    records_per_day_guess = 0.05
    fields = (
        ("alert_windows", lambda b: len(_windows(b))),
        ("positive_windows", lambda b: sum(_positive(w) for w in _windows(b))),
        ("heart_beats", lambda b: sum(len(w.get("heartBeats") or ()) for w in _windows(b))),
        ("device_model", text("medicalDeviceInfo", "deviceModel")),
        ("algorithm_version", text("medicalDeviceInfo", "algorithmVersion")),
        ("service_version", text("medicalDeviceInfo", "serviceVersion")),
    )
