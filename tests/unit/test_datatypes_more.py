"""The parsers of the types added for issue #14 item 4, saved into a real vault with exact rows.

``active-energy-burned`` is read from a live capture (tests/fixtures/live, provenance in its
README). No live capture of the other types was found: their payloads are shaped by the
discovery document (health v4, revision 20261030; field names, int64-as-string, enums), so they
are believed, not proven, shapes.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.store.vault import Vault

LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "live"
WATCH = {"recordingMethod": "PASSIVELY_MEASURED", "device": {"displayName": "Pixel Watch 3"}, "platform": "FITBIT"}
MANUAL = {"recordingMethod": "MANUAL", "platform": "FITBIT"}
INTERVAL = {"startTime": "2026-09-14T21:28:00Z", "startUtcOffset": "-14400s",
            "endTime": "2026-09-14T21:29:00Z", "endUtcOffset": "-14400s"}
SAMPLE = {"physicalTime": "2026-09-14T07:15:00Z", "utcOffset": "-14400s"}
T0, T1, TS = 1789421280000, 1789421340000, 1789370100000  # INTERVAL start/end, SAMPLE time


@pytest.fixture
def vault(tmp_path):
    with Vault(tmp_path / "v") as v:
        yield v


def stored(vault: Vault, stream: str, body: dict, columns: str) -> list[tuple]:
    s = STREAMS_BY_NAME[stream]
    page = s.parse(body)
    assert page.bad == [] and page.malformed is None
    vault.save_page(s, page)
    assert vault.save_page(s, page) == 0  # idempotent: the same page again changes nothing
    return vault.conn.execute(f"SELECT {columns} FROM {s.table} ORDER BY 1").fetchall()


def test_active_energy_live_capture(vault):
    point = json.loads((LIVE / "active-energy-burned-django-google-health.json").read_text())
    rows = stored(vault, "active-energy-burned", {"dataPoints": [point]},
                  "start_ms, start_offset_s, end_ms, end_offset_s, active_kcal, "
                  "(SELECT device || '/' || recording_method FROM sources WHERE id = source_id)")
    # 2026-08-07 11:04 local (UTC-4) = 15:04Z; the value as the person reads it in the payload
    assert rows == [(1786115040000, -14400, 1786115100000, -14400, 0.7933980000000002, "Charge 5/DERIVED")]


@pytest.mark.parametrize("stream, body, columns, expected", [
    ("altitude", {"interval": INTERVAL, "gainMillimeters": "-3048"}, "gain_mm", (-3048,)),
    ("time-in-heart-rate-zone", {"interval": INTERVAL, "heartRateZoneType": "VIGOROUS"}, "heart_rate_zone",
     ("VIGOROUS",)),
    ("swim-lengths-data", {"interval": INTERVAL, "strokeCount": "17", "swimStrokeType": "BREASTSTROKE"},
     "stroke_count, stroke_type", (17, "BREASTSTROKE")),
    ("menstrual-period", {"interval": INTERVAL, "notes": "day 1"}, "notes", ("day 1",)),
])
def test_interval_types(vault, stream, body, columns, expected):
    key = STREAMS_BY_NAME[stream].key
    rows = stored(vault, stream, {"dataPoints": [{"dataSource": WATCH, key: body}]},
                  f"start_ms, start_offset_s, end_ms, end_offset_s, {columns}")
    assert rows == [(T0, -14400, T1, -14400) + expected]


@pytest.mark.parametrize("stream, body, columns, expected", [
    ("core-body-temperature", {"temperatureCelsius": 37.4, "measurementLocation": "MOUTH"},
     "id, temperature_c, measurement_location", ("901", 37.4, "MOUTH")),
    ("blood-glucose", {"bloodGlucoseMilligramsPerDeciliter": 96.5, "mealType": "BREAKFAST",
                       "measurementTiming": "FASTING", "measurementSource": "SELF_MONITORING_BLOOD_GLUCOSE",
                       "specimen": "CAPILLARY_BLOOD", "notes": "before coffee"},
     "id, glucose_mg_dl, meal_type, measurement_timing, measurement_source, specimen, notes",
     ("901", 96.5, "BREAKFAST", "FASTING", "SELF_MONITORING_BLOOD_GLUCOSE", "CAPILLARY_BLOOD", "before coffee")),
    ("ovulation-test", {"result": "LUTEINIZING_HORMONE_SURGE"}, "result", ("LUTEINIZING_HORMONE_SURGE",)),
    ("moods", {"moods": ["HAPPY", "CALM"], "valences": ["PLEASANT"]}, "moods, valences", ("HAPPY,CALM", "PLEASANT")),
    ("moods", {"moods": ["TIRED"]}, "moods, valences", ("TIRED", None)),
    ("symptoms", {"symptoms": ["HEADACHE", "FATIGUE"]}, "symptoms", ("HEADACHE,FATIGUE",)),
])
def test_sample_types(vault, stream, body, columns, expected):
    s = STREAMS_BY_NAME[stream]
    point = {"name": f"users/1/dataTypes/{stream}/dataPoints/901", "dataSource": MANUAL,
             s.key: dict(body, sampleTime=SAMPLE)}
    assert stored(vault, stream, {"dataPoints": [point]}, f"time_ms, utc_offset_s, {columns}") == [
        (TS, -14400) + expected]


def test_hydration_logs_sharing_a_minute_are_two_rows(vault):
    logs = [{"name": f"users/1/dataTypes/hydration-log/dataPoints/{i}", "dataSource": MANUAL,
             "hydrationLog": {"interval": INTERVAL, "amountConsumed": {"milliliters": ml, "userProvidedUnit": unit}}}
            for i, ml, unit in (("7", 250, "MILLILITER"), ("8", 236.588, "CUP_US"))]
    rows = stored(vault, "hydration-log", {"dataPoints": logs},
                  "id, start_ms, end_ms, start_offset_s, volume_ml, user_provided_unit")
    assert rows == [("7", T0, T1, -14400, 250.0, "MILLILITER"), ("8", T0, T1, -14400, 236.588, "CUP_US")]
    assert STREAMS_BY_NAME["hydration-log"].filter_text(date(2026, 9, 1), date(2026, 9, 8)) == (
        'hydration_log.interval.civil_start_time >= "2026-09-01" AND '
        'hydration_log.interval.civil_start_time < "2026-09-08"')


def test_nutrition_log_keeps_energy_macros_serving_and_nutrients(vault):
    point = {"name": "users/1/dataTypes/nutrition-log/dataPoints/55", "dataSource": MANUAL, "nutritionLog": {
        "interval": INTERVAL, "foodDisplayName": "Oatmeal", "food": "users/1/foods/12", "mealType": "BREAKFAST",
        "energy": {"kcal": 150}, "energyFromFat": {"kcal": 24.3}, "totalCarbohydrate": {"grams": 27},
        "totalFat": {"grams": 2.7},
        "serving": {"amount": 1.5, "foodMeasurementUnit": "users/1/foodMeasurementUnits/91",
                    "foodMeasurementUnitDisplayName": "cup"},
        "nutrients": [{"nutrient": "PROTEIN", "quantity": {"grams": 5}},
                      {"nutrient": "SODIUM", "quantity": {"grams": 0.115}}]}}
    rows = stored(vault, "nutrition-log", {"dataPoints": [point]},
                  "id, food_display_name, food, meal_type, energy_kcal, energy_from_fat_kcal, carbohydrate_g, "
                  "fat_g, serving_amount, serving_unit, nutrients")
    assert rows == [("55", "Oatmeal", "users/1/foods/12", "BREAKFAST", 150.0, 24.3, 27.0, 2.7, 1.5, "cup",
                     '{"PROTEIN": 5.0, "SODIUM": 0.115}')]


def test_ecg_reading_without_offsets_and_filter_with_a_lower_bound_only(vault):
    point = {"name": "users/1/dataTypes/electrocardiogram/dataPoints/3", "dataSource": WATCH, "electrocardiogram": {
        "interval": {"startTime": "2026-09-14T21:28:00Z", "endTime": "2026-09-14T21:28:00Z"},  # historical: no offsets
        "beatsPerMinuteAvg": "72", "resultClassification": "NORMAL_SINUS_RHYTHM", "leadNumber": 1,
        "samplingFrequencyHertz": 250, "millivoltsScalingFactor": 1000, "waveformSamples": [12, -15, 340],
        "medicalDeviceInfo": {"deviceModel": "Pixel Watch 3", "firmwareVersion": "1.2", "featureVersion": "4.0"}}}
    rows = stored(vault, "electrocardiogram", {"dataPoints": [point]},
                  "id, start_ms, start_offset_s, end_ms, avg_hr_bpm, result_classification, lead_number, "
                  "sampling_frequency_hz, millivolts_scaling_factor, waveform, device_model, firmware_version, "
                  "feature_version")
    assert rows == [("3", T0, 0, T0, 72, "NORMAL_SINUS_RHYTHM", 1, 250, 1000, "[12,-15,340]", "Pixel Watch 3",
                     "1.2", "4.0")]
    assert STREAMS_BY_NAME["electrocardiogram"].filter_text(T0, T1) == (
        'electrocardiogram.interval.start_time >= "2026-09-14T21:28:00Z"')


def test_irn_alert_counts_windows_and_beats(vault):
    beat = {"physicalTime": "2026-09-14T21:28:01Z", "utcOffset": "-14400s", "beatsPerMinute": 88}
    window = {"startTime": "2026-09-14T21:28:00Z", "startUtcOffset": "-14400s",
              "endTime": "2026-09-14T21:29:00Z", "endUtcOffset": "-14400s"}
    point = {"name": "users/1/dataTypes/irregular-rhythm-notification/dataPoints/4", "dataSource": WATCH,
             "irregularRhythmNotification": {
                 "interval": INTERVAL,
                 "alertWindows": [dict(window, positive=True, heartBeats=[beat, beat]), dict(window, positive=True),
                                  dict(window, heartBeats=[beat])],
                 "medicalDeviceInfo": {"deviceModel": "Pixel Watch 3", "algorithmVersion": "2", "serviceVersion": "7"}}}
    rows = stored(vault, "irregular-rhythm-notification", {"dataPoints": [point]},
                  "id, alert_windows, positive_windows, heart_beats, device_model, algorithm_version, service_version")
    assert rows == [("4", 3, 2, 3, "Pixel Watch 3", "2", "7")]


def test_zone_rollups_per_local_day(vault):
    def day(d: int, key: str, value: dict) -> dict:
        return {"civilStartTime": {"date": {"year": 2026, "month": 9, "day": d}, "time": {}},
                "civilEndTime": {"date": {"year": 2026, "month": 9, "day": d + 1}, "time": {}}, key: value}

    time_body = {"rollupDataPoints": [
        day(14, "timeInHeartRateZone", {"timeInHeartRateZones": [
            {"heartRateZone": "LIGHT", "duration": "3540s"}, {"heartRateZone": "MODERATE", "duration": "600s"},
            {"heartRateZone": "HEART_RATE_ZONE_TYPE_UNSPECIFIED", "duration": "70000s"}]}),
        day(13, "timeInHeartRateZone", {})]}  # a worn day without zone time: zeros
    assert stored(vault, "time-in-heart-rate-zone:daily", time_body,
                  "date, light_s, moderate_s, vigorous_s, peak_s") == [
        ("2026-09-13", 0.0, 0.0, 0.0, 0.0), ("2026-09-14", 3540.0, 600.0, 0.0, 0.0)]
    kcal_body = {"rollupDataPoints": [day(14, "caloriesInHeartRateZone", {"caloriesInHeartRateZones": [
        {"heartRateZone": "LIGHT", "kcal": 310.25}, {"heartRateZone": "PEAK", "kcal": 12.5}]})]}
    assert stored(vault, "calories-in-heart-rate-zone:daily", kcal_body,
                  "date, light_kcal, moderate_kcal, vigorous_kcal, peak_kcal") == [
        ("2026-09-14", 310.25, 0.0, 0.0, 12.5)]
    assert STREAMS_BY_NAME["calories-in-heart-rate-zone:daily"].max_window_days == 14


def test_exercise_running_dynamics_and_split_summaries(vault):
    summary = {"averageSpeedMillimetersPerSecond": 3012.5, "elevationGainMillimeters": 4200.0,
               "activeZoneMinutes": "8", "heartRateZoneDurations": {"lightTime": "30s", "moderateTime": "120s",
                                                                   "vigorousTime": "150s", "peakTime": "0s"}}
    point = {"name": "users/1/dataTypes/exercise/dataPoints/77", "dataSource": WATCH, "exercise": {
        "interval": INTERVAL, "exerciseType": "RUNNING", "displayName": "Run", "activeDuration": "60s",
        "exerciseMetadata": {},
        "metricsSummary": {"caloriesKcal": 12, "mobilityMetrics": {
            "avgCadenceStepsPerMinute": 168.5, "avgGroundContactTimeDuration": "0.256s",
            "avgStrideLengthMillimeters": "1180", "avgVerticalOscillationMillimeters": "92", "avgVerticalRatio": 7.8}},
        "splitSummaries": [dict(INTERVAL, activeDuration="60s", splitType="DISTANCE", metricsSummary=summary)]}}
    assert stored(vault, "exercise", {"dataPoints": [point]},
                  "id, avg_cadence_spm, avg_ground_contact_s, avg_stride_length_mm, avg_vertical_oscillation_mm, "
                  "avg_vertical_ratio, has_gps") == [("77", 168.5, 0.256, 1180, 92, 7.8, 0)]
    assert vault.conn.execute(
        "SELECT kind, split_type, avg_speed_mm_per_s, elevation_gain_mm, active_zone_minutes, light_zone_s, "
        "moderate_zone_s, vigorous_zone_s, peak_zone_s FROM exercise_splits").fetchall() == [
        ("summary", "DISTANCE", 3012.5, 4200.0, 8, 30.0, 120.0, 150.0, 0.0)]


@pytest.mark.parametrize("stream, body, reason", [
    ("core-body-temperature", {"sampleTime": SAMPLE, "temperatureCelsius": 101.0}, "impossible temperatureCelsius"),
    ("blood-glucose", {"sampleTime": SAMPLE, "bloodGlucoseMilligramsPerDeciliter": 901}, "impossible"),
    ("symptoms", {"sampleTime": SAMPLE, "symptoms": []}, "KeyError"),
    ("hydration-log", {"interval": INTERVAL}, "KeyError"),
    ("altitude", {"interval": INTERVAL}, "KeyError"),
])
def test_points_outside_the_discovery_ranges_or_without_required_members_are_quarantined(stream, body, reason):
    good = {"sampleTime": SAMPLE, "temperatureCelsius": 100.0}  # the range's edge is kept
    s = STREAMS_BY_NAME[stream]
    points = [{s.key: body}] + ([{s.key: good}] if stream == "core-body-temperature" else [])
    page = s.parse({"dataPoints": points})
    assert len(page.bad) == 1 and reason in page.bad[0][0]
    assert len(page.rows) == (1 if stream == "core-body-temperature" else 0)
