"""The parsers of the remaining types against the example payloads of the reference (docs/facts/google-health-api.md#payload-shapes: shapes
per the discovery document, cross-checked with live fixtures where marked) — not against our own
simulator — saved into a real vault with exact rows asserted; impossible values quarantined."""

from __future__ import annotations

from datetime import date

import pytest

from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault

CHARGE6 = {"recordingMethod": "PASSIVELY_MEASURED", "device": {"displayName": "Charge 6"}, "platform": "FITBIT"}
SRC = ("FITBIT", "Charge 6", "", "", "PASSIVELY_MEASURED", "")
INTERVAL = {"startTime": "2026-09-14T21:28:00Z", "startUtcOffset": "-14400s",
            "endTime": "2026-09-14T21:29:00Z", "endUtcOffset": "-14400s"}
SAMPLE = {"physicalTime": "2026-09-14T07:15:00Z", "utcOffset": "-14400s"}
DAY = {"year": 2026, "month": 9, "day": 14}
T_INTERVAL = (1789421280000, SRC, -14400, 1789421340000, -14400)
T_SAMPLE = (1789370100000, SRC, -14400)


@pytest.fixture
def vault(tmp_path):
    with Vault(tmp_path / "v") as v:
        yield v


def parse(stream: str, *points: dict, key: str = "dataPoints"):
    return STREAMS_BY_NAME[stream].parse({key: list(points), "nextPageToken": ""})


def rows_of(vault: Vault, stream: str, *points: dict, key: str = "dataPoints") -> list[tuple]:
    s = STREAMS_BY_NAME[stream]
    page = s.parse({key: list(points)})
    assert page.bad == []
    vault.save_page(s, page)
    return vault.conn.execute(f"SELECT * FROM {s.table}").fetchall()


@pytest.mark.parametrize("stream, point, values", [
    ("active-zone-minutes", {"activeZoneMinutes": {"interval": INTERVAL, "heartRateZone": "FAT_BURN",
                                                   "activeZoneMinutes": "1"}}, ("FAT_BURN", 1)),
    ("active-minutes", {"activeMinutes": {"interval": INTERVAL, "activeMinutesByActivityLevel": [
        {"activityLevel": "MODERATE", "activeMinutes": "3"}, {"activityLevel": "LIGHT", "activeMinutes": "1"}]}},
     (1, 3, 0)),
    ("activity-level", {"activityLevel": {"interval": INTERVAL, "activityLevelType": "LIGHTLY_ACTIVE"}},
     ("LIGHTLY_ACTIVE",)),
    ("sedentary-period", {"sedentaryPeriod": {"interval": INTERVAL}}, ()),
])
def test_interval_types(stream, point, values):
    page = parse(stream, dict(point, dataSource=CHARGE6))
    assert page.bad == [] and page.rows == [T_INTERVAL + values]


@pytest.mark.parametrize("stream, point, values", [
    ("heart-rate-variability", {"heartRateVariability": {
        "sampleTime": SAMPLE, "rootMeanSquareOfSuccessiveDifferencesMilliseconds": 38.5,
        "standardDeviationMilliseconds": 44.1, "metadata": {"lowFrequencyPower": 512.3, "highFrequencyPower": 388.0}}},
     (38.5, 44.1, 512.3, 388.0)),
    ("oxygen-saturation", {"oxygenSaturation": {"sampleTime": SAMPLE, "percentage": 95.5}}, (95.5,)),
    ("respiratory-rate-sleep-summary", {"respiratoryRateSleepSummary": {
        "sampleTime": SAMPLE, "fullSleepStats": {"breathsPerMinute": 14.6, "standardDeviation": 1.1, "signalToNoise": 8.2},
        "deepSleepStats": {"breathsPerMinute": 13.9}, "lightSleepStats": {"breathsPerMinute": 14.8},
        "remSleepStats": {"breathsPerMinute": 15.2}}}, (14.6, 1.1, 8.2, 13.9, 14.8, 15.2)),
    ("body-fat", {"name": "users/1/dataTypes/body-fat/dataPoints/42", "bodyFat": {"sampleTime": SAMPLE, "percentage": 18.4}},
     ("42", 18.4)),
    ("height", {"name": "users/1/dataTypes/height/dataPoints/43", "height": {"sampleTime": SAMPLE, "heightMillimeters": "1780"}},
     ("43", 1780)),
    ("vo2-max", {"vo2Max": {"sampleTime": SAMPLE, "vo2Max": 44.0, "measurementMethod": "FITBIT_RUN"}}, (44.0, "FITBIT_RUN")),
    ("run-vo2-max", {"runVo2Max": {"sampleTime": SAMPLE, "runVo2Max": 45.1}}, (45.1,)),
])
def test_sample_types(stream, point, values):
    page = parse(stream, dict(point, dataSource=CHARGE6))
    assert page.bad == [] and page.rows == [T_SAMPLE + values]


@pytest.mark.parametrize("stream, point, values", [
    ("daily-heart-rate-variability", {"dailyHeartRateVariability": {
        "date": DAY, "averageHeartRateVariabilityMilliseconds": 41.7, "nonRemHeartRateBeatsPerMinute": "52",
        "entropy": 2.93, "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds": 47.2}}, (41.7, 52, 2.93, 47.2)),
    ("daily-heart-rate-variability", {"dailyHeartRateVariability": {
        "date": DAY, "averageHeartRateVariabilityMilliseconds": 41.7}}, (41.7, None, None, None)),  # "at least one"
    ("daily-oxygen-saturation", {"dailyOxygenSaturation": {
        "date": DAY, "averagePercentage": 96.8, "lowerBoundPercentage": 94.1, "upperBoundPercentage": 99.2}},
     (96.8, 94.1, 99.2, None)),  # standardDeviationPercentage is optional
    ("daily-respiratory-rate", {"dailyRespiratoryRate": {"date": DAY, "breathsPerMinute": 14.6}}, (14.6,)),
    ("daily-sleep-temperature-derivations", {"dailySleepTemperatureDerivations": {
        "date": DAY, "nightlyTemperatureCelsius": 34.41, "baselineTemperatureCelsius": 34.30,
        "relativeNightlyStddev30dCelsius": 0.21}}, (34.41, 34.30, 0.21)),
    ("daily-vo2-max", {"dailyVo2Max": {"date": DAY, "vo2Max": 44.2, "cardioFitnessLevel": "GOOD", "estimated": False,
                                       "vo2MaxCovariance": 1.3}}, (44.2, "GOOD", 0, 1.3)),
])
def test_daily_types(stream, point, values):
    page = parse(stream, dict(point, dataSource=CHARGE6))
    assert page.bad == [] and page.rows == [(date(2026, 9, 14), SRC) + values]


def test_weight_live_fixture_shape(vault):
    point = {
        "name": "users/1234567890/dataTypes/weight/dataPoints/6685309773198390001",
        "dataSource": {"recordingMethod": "MANUAL", "platform": "FITBIT"},
        "weight": {"sampleTime": {"physicalTime": "2026-09-14T11:46:22.749348Z", "utcOffset": "-14400s",
                                  "civilTime": {"date": DAY, "time": {"hours": 7, "minutes": 46, "seconds": 22,
                                                                      "nanos": 749348000}}},
                   "weightGrams": 72450, "notes": "optional"},
    }
    assert rows_of(vault, "weight", point) == [(1789386382749, 1, -14400, "6685309773198390001", 72450.0, "optional")]
    assert vault.conn.execute("SELECT recording_method, device FROM sources").fetchall() == [("MANUAL", "")]


def test_daily_rollups_key_buckets_by_their_own_date_and_read_true_zeros(vault):
    buckets = [
        {"civilStartTime": {"date": DAY, "time": {}}, "civilEndTime": {"date": dict(DAY, day=15), "time": {}},
         "distance": {"millimetersSum": "8431200"}},
        {"civilStartTime": {"date": dict(DAY, day=15), "time": {}}, "civilEndTime": {"date": dict(DAY, day=16), "time": {}},
         "distance": {}},  # worn, zero distance: proto3 omits the zero
    ]
    assert rows_of(vault, "distance:daily", *buckets, key="rollupDataPoints") == [
        ("2026-09-14", 1, 8431200), ("2026-09-15", 1, 0)]
    page = parse("floors:daily", {"civilStartTime": {"date": DAY}, "floors": {"countSum": "12"}}, key="rollupDataPoints")
    assert page.rows == [(date(2026, 9, 14), ("", "", "", "", "", "dailyRollUp"), 12)]
    page = parse("total-calories:daily", {"civilStartTime": {"date": DAY}, "totalCalories": {"kcalSum": 2315.5}},
                 key="rollupDataPoints")
    assert page.rows[0][2] == 2315.5
    assert STREAMS_BY_NAME["total-calories:daily"].max_window_days == 14  # docs/facts/google-health-api.md#daily-rollups cap


def test_heart_rate_zones_one_row_per_zone_and_a_vanished_zone_goes(vault):
    def day(zones):
        return {"dataSource": CHARGE6, "dailyHeartRateZones": {"date": DAY, "heartRateZones": [
            {"heartRateZoneType": z, "minBeatsPerMinute": str(lo), "maxBeatsPerMinute": str(hi)} for z, lo, hi in zones]}}

    assert rows_of(vault, "daily-heart-rate-zones", day([("LIGHT", 97, 123), ("PEAK", 160, 220)])) == [
        ("2026-09-14", 1, "LIGHT", 97, 123), ("2026-09-14", 1, "PEAK", 160, 220)]
    assert rows_of(vault, "daily-heart-rate-zones", day([("LIGHT", 98, 123)])) == [("2026-09-14", 1, "LIGHT", 98, 123)]


EXERCISE = {
    "name": "users/1234567890/dataTypes/exercise/dataPoints/6661252888799700001",
    "dataSource": {"recordingMethod": "PASSIVELY_MEASURED", "device": {"formFactor": "FITNESS_BAND", "displayName": "Charge 6"},
                   "platform": "FITBIT"},
    "exercise": {
        "interval": {"startTime": "2026-09-14T14:26:33Z", "startUtcOffset": "-14400s",
                     "endTime": "2026-09-14T14:43:38Z", "endUtcOffset": "-14400s"},
        "exerciseType": "WALKING", "displayName": "Walk", "activeDuration": "1025s",
        "metricsSummary": {"caloriesKcal": 130, "distanceMillimeters": 1284300, "steps": "1606",
                           "averagePaceSecondsPerMeter": 0.798, "averageHeartRateBeatsPerMinute": "80",
                           "activeZoneMinutes": "0",
                           "heartRateZoneDurations": {"lightTime": "1020s", "moderateTime": "0s", "vigorousTime": "0s",
                                                      "peakTime": "0s"}},
        "exerciseMetadata": {"hasGps": False},
        "exerciseEvents": [
            {"eventTime": "2026-09-14T14:26:33Z", "eventUtcOffset": "-14400s", "exerciseEventType": "START"},
            {"eventTime": "2026-09-14T14:43:38Z", "eventUtcOffset": "-14400s", "exerciseEventType": "STOP"}],
        "createTime": "2026-09-14T14:57:17.841848Z", "updateTime": "2026-09-14T14:57:17.841848Z",
    },
}


def test_exercise_live_fixture_shape_and_parts_replaced_when_changed(vault):
    stream = STREAMS_BY_NAME["exercise"]
    page = stream.parse({"dataPoints": [EXERCISE]})
    assert page.bad == [] and page.oldest == date(2026, 9, 14)
    vault.save_page(stream, page)
    row = vault.conn.execute(
        "SELECT id, start_ms, end_ms, date, exercise_type, display_name, active_duration_s, calories_kcal, distance_mm, "
        "steps, avg_pace_s_per_m, avg_hr_bpm, active_zone_minutes, light_zone_s, moderate_zone_s, has_gps, "
        "update_time FROM exercises").fetchone()
    assert row == ("6661252888799700001", 1789395993000, 1789397018000, "2026-09-14", "WALKING", "Walk", 1025.0, 130.0,
                   1284300.0, 1606, 0.798, 80, 0, 1020.0, 0.0, 0, "2026-09-14T14:57:17.841848Z")
    assert vault.conn.execute("SELECT idx, time_ms, event_type FROM exercise_events").fetchall() == [
        (0, 1789395993000, "START"), (1, 1789397018000, "STOP")]
    # Edited in the app: a pause added; the events are replaced whole, nothing duplicated.
    edited = {**EXERCISE, "exercise": {**EXERCISE["exercise"], "exerciseEvents": EXERCISE["exercise"]["exerciseEvents"][:1] + [
        {"eventTime": "2026-09-14T14:30:00Z", "eventUtcOffset": "-14400s", "exerciseEventType": "PAUSE"}]
        + EXERCISE["exercise"]["exerciseEvents"][1:]}}
    vault.save_page(stream, stream.parse({"dataPoints": [edited]}))
    assert [r[0] for r in vault.conn.execute("SELECT event_type FROM exercise_events ORDER BY idx")] == [
        "START", "PAUSE", "STOP"]
    assert stream.wanted_details(page, set()) == []  # no GPS: no route to fetch


@pytest.mark.parametrize("stream, bad_point, reason", [
    ("heart-rate", {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "301"}}, "impossible heart rate"),
    ("heart-rate", {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "-5"}}, "impossible heart rate"),
    ("oxygen-saturation", {"oxygenSaturation": {"sampleTime": SAMPLE, "percentage": 130}}, "impossible percentage"),
    ("weight", {"weight": {"sampleTime": SAMPLE, "weightGrams": -72450}}, "impossible weightGrams"),
    ("oxygen-saturation", {"oxygenSaturation": {"sampleTime": SAMPLE, "percentage": "n/a"}}, "ValueError"),
    ("oxygen-saturation", {"oxygenSaturation": {"sampleTime": SAMPLE}}, "KeyError"),
    ("daily-respiratory-rate", {"dailyRespiratoryRate": {"date": {"year": 2026, "month": 2, "day": 30},
                                                         "breathsPerMinute": 14}}, "ValueError"),
    ("sleep", {"name": "x/1", "sleep": {"interval": {**INTERVAL}, "stages": [
        {"startTime": "2026-09-14T21:29:00Z", "endTime": "2026-09-14T21:28:30Z", "type": "LIGHT"}]}},
     "sleep LIGHT ends before it starts"),
    ("active-minutes", {"activeMinutes": {"interval": {**INTERVAL, "endTime": "2026-09-14T21:27:00Z"}}},
     "interval ends before it starts"),
])
def test_impossible_or_malformed_points_are_quarantined_and_the_rest_stored(vault, stream, bad_point, reason):
    good = {
        "heart-rate": {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "64"}},
        "oxygen-saturation": {"oxygenSaturation": {"sampleTime": SAMPLE, "percentage": 95.5}},
        "weight": {"weight": {"sampleTime": SAMPLE, "weightGrams": 72450}},
        "daily-respiratory-rate": {"dailyRespiratoryRate": {"date": DAY, "breathsPerMinute": 14.6}},
        "sleep": {"name": "x/2", "sleep": {"interval": INTERVAL, "type": "STAGES"}},
        "active-minutes": {"activeMinutes": {"interval": INTERVAL}},
    }[stream]
    s = STREAMS_BY_NAME[stream]
    page = s.parse({"dataPoints": [bad_point, good]})
    assert len(page.rows) == 1 and len(page.bad) == 1
    assert reason in page.bad[0][0]
    vault.save_page(s, page)
    if s.table == "heart_rate":  # stored as day blocks: read as rows through temp.heart_rate
        sample_blocks.materialize(vault.conn)
    assert vault.conn.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0] == 1
    assert vault.conn.execute("SELECT stream, reason FROM quarantine").fetchall() == [(stream, page.bad[0][0])]
