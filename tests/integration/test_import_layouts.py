"""Every archive layout of docs/facts/archives.md#layouts, built small in a temp folder, imported, and the stored
rows asserted exactly; each archive imported twice (the second import changes nothing)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from support.takeout import (
    GED,
    Archive,
    google_health,
    heart_json,
    import_twice,
    mdy,
    minutes_json,
    ms,
    origins_of,
    rows,
    sleep_log,
    takeout_fitbit,
)

from fitvault.importers import import_paths
from fitvault.store.vault import Vault

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


# -- A: MyFitbitData/user-site-export (flat, ≈2018) --------------------------------------------

def test_layout_a_flat_user_site_export(tmp_path):
    t0 = datetime(2018, 12, 24, 6, 0, 5)  # UTC: local midnight in Chicago (docs/facts/archives.md#fact-2)
    a = Archive()
    a.add("MyFitbitData/user-site-export/heart_rate-2018-12-24.json",
          heart_json(t0, [64, 63]) + [{"dateTime": mdy(t0 + timedelta(seconds=20)), "value": {"bpm": 70, "confidence": 0}}])
    a.add("MyFitbitData/user-site-export/resting_heart_rate-2018-12-24.json", [
        {"dateTime": "12/24/18 00:00:00", "value": {"date": "12/24/18", "value": 53.01, "error": 6.9}},
        {"dateTime": "12/25/18 00:00:00", "value": {"date": None, "value": 0, "error": 0}},     # placeholder
        {"dateTime": "12/26/18 00:00:00", "value": {"date": "12/26/18", "value": 0.0, "error": 0}},  # sentinel
    ])
    a.add("MyFitbitData/user-site-export/steps-2018-12-24.json", minutes_json(datetime(2018, 12, 24, 14, 0), ["12", "0", "87"]))
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "MyFitbitData.zip")], tz="America/Chicago")
        assert report.complete and not report.ignored
        hr = rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms")
        t = ms(t0.replace(tzinfo=timezone.utc))
        assert hr == [(t, -21600, 64), (t + 10_000, -21600, 63)]
        assert rows(v, "SELECT date, bpm, calculation_method FROM resting_heart_rate") == [("2018-12-24", 53, None)]
        start = ms(datetime(2018, 12, 24, 14, 0, tzinfo=timezone.utc))  # 08:00 in Chicago
        assert rows(v, "SELECT start_ms, start_offset_s, end_ms, end_offset_s, count FROM steps ORDER BY 1") == [
            (start, -21600, start + 60_000, -21600, 12), (start + 120_000, -21600, start + 180_000, -21600, 87)]
        assert origins_of(v, "heart_rate") == {"account-archive"}
        dropped = {k: n for f in report.imported for k, n in f.dropped.items()}
        assert dropped["no reading (bpm 0 or confidence 0)"] == 1
        assert dropped["placeholder (no date or resting heart rate 0)"] == 2
        assert dropped["zero-step minute (not stored)"] == 1
        assert v.account()["time_zone"] == "America/Chicago"  # remembered for the vault


# -- B: MyFitbitData/<name>/<category>/ (account archive by category) --------------------------

def test_layout_b_by_category_with_duplicate_sleep_logs_and_sleep_score(tmp_path):
    night = datetime(2021, 2, 4, 23, 0)
    log = sleep_log(29_001, night, 420)
    nap = sleep_log(29_002, datetime(2021, 1, 20, 14, 0), 40, main=False, stages=False)
    a = Archive()
    # the log at the boundary is in both 30-day chunks (docs/facts/archives.md#duplicate-sleep-logs)
    a.add("MyFitbitData/Jane/Sleep/sleep-2021-01-06.json", [log, nap])
    a.add("MyFitbitData/Jane/Sleep/sleep-2021-02-05.json", [log])
    a.csv("MyFitbitData/Jane/Sleep/sleep_score.csv",
          "sleep_log_entry_id,timestamp,overall_score,composition_score,revitalization_score,duration_score,"
          "deep_sleep_in_minutes,resting_heart_rate,restlessness",
          ["29001,2021-02-05T06:00:00Z,80,20,20,40,60,55,0.07"])  # the log's local end with a Z (fact 1)
    a.add("MyFitbitData/Jane/Physical Activity/heart_rate-2021-02-05.json", heart_json(datetime(2021, 2, 5, 7, 0), [71]))
    a.csv("MyFitbitData/Jane/Personal & Account/Profile.csv", "id,full_name", ["1,Jane"])
    a.add("MyFitbitData/Jane/Personal & Account/Media/Avatar Photo.jpg", b"\xff\xd8\xff")
    root = a.folder(tmp_path / "export")
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [root / "MyFitbitData"], tz="America/Chicago")
        assert report.complete
        assert sorted(f.reason for f in report.ignored) == ["documentation or media", "profile (not health data)",
                                                            "sleep scores (no vault table)"]
        sessions = rows(v, "SELECT id, start_ms, start_offset_s, end_ms, end_offset_s, date, sleep_type, main_sleep, "
                           "minutes_in_sleep_period, minutes_asleep, minutes_awake FROM sleep_sessions ORDER BY id")
        start = ms(night.replace(tzinfo=CHICAGO))
        nap_start = ms(datetime(2021, 1, 20, 14, 0, tzinfo=CHICAGO))
        assert sessions == [
            ("29001", start, -21600, start + 420 * 60_000, -21600, "2021-02-05", "STAGES", 1, 420, 410, 10),
            ("29002", nap_start, -21600, nap_start + 40 * 60_000, -21600, "2021-01-20", "CLASSIC", 0, 40, 30, 10),
        ]
        dropped = {k: n for f in report.imported for k, n in f.dropped.items()}
        assert dropped["sleep log repeated in another chunk (stored once)"] == 1
        stages = rows(v, "SELECT kind, start_ms, end_ms, stage FROM sleep_stages WHERE session_id = '29001' ORDER BY kind, start_ms")
        assert stages[0] == ("short_awakening", start + 45 * 60_000, start + 46 * 60_000, "AWAKE")
        assert [s[3] for s in stages[1:5]] == ["LIGHT", "DEEP", "REM", "LIGHT"]
        assert stages[-1] == ("stage", start + 410 * 60_000, start + 420 * 60_000, "AWAKE")
        assert rows(v, "SELECT stage, minutes, count FROM sleep_stage_summary WHERE session_id = '29001' ORDER BY stage") \
            == [("AWAKE", 10, 1), ("DEEP", 140, 5), ("LIGHT", 150, 5), ("REM", 120, 4)]
        assert rows(v, "SELECT stage FROM sleep_stages WHERE session_id = '29002' ORDER BY start_ms") == [
            ("ASLEEP",), ("AWAKE",)]
        assert origins_of(v, "sleep_sessions") == {"account-archive"}


# -- C: Takeout/Fitbit, multi-part ----------------------------------------------------------------

def test_layout_c_takeout_fitbit_in_two_parts(tmp_path):
    parts = takeout_fitbit().parts(tmp_path, "takeout-20240801T101010Z", 2)
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, parts, tz="America/New_York")
        assert report.complete, [(f.path, f.reason) for f in report.skipped]
        ny = lambda *a: ms(datetime(*a, tzinfo=NEW_YORK))  # noqa: E731
        utc = lambda *a: ms(datetime(*a, tzinfo=timezone.utc))  # noqa: E731
        assert rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1") == [
            (utc(2024, 7, 21, 12, 0), -14400, 80), (utc(2024, 7, 21, 12, 0, 10), -14400, 81)]
        # 159.6 with BMI 23.57 can only be pounds; 72.1 with BMI 23.5 kilograms
        assert rows(v, "SELECT time_ms, utc_offset_s, id, weight_g FROM weight ORDER BY 1") == [
            (ny(2024, 7, 21, 23, 59, 59), -14400, "1721606399000", 72393.3),
            (ny(2024, 7, 22, 7, 30), -14400, "1721692799000", 72100.0)]
        assert rows(v, "SELECT body_fat_pct FROM body_fat") == [(18.2,)]
        assert rows(v, "SELECT s.device, s.recording_method FROM weight w JOIN sources s ON s.id = w.source_id "
                       "ORDER BY w.time_ms") == [("Aria", ""), ("", "MANUAL")]
        ex = rows(v, "SELECT id, start_ms, end_ms, start_offset_s, date, exercise_type, display_name, active_duration_s, "
                     "calories_kcal, distance_mm, steps, avg_hr_bpm, active_zone_minutes, has_gps, update_time FROM exercises")
        start = utc(2024, 7, 21, 9, 15)  # startTime is UTC (docs/facts/archives.md#fact-4): 05:15 EDT
        assert ex == [("555", start, start + 1_800_000, -14400, "2024-07-21", "WALKING", "Walk", 1740.0, 130.0,
                       2_400_000.0, 3100, 101, 12, 0, "2024-07-21T09:50:00.000Z")]
        assert rows(v, "SELECT date, vo2_max_ml_kg_min, estimated FROM daily_vo2_max") == [("2024-07-21", 44.3, 1)]
        # activity minutes joined per day; 07-21 (1440 sedentary, no activity) is the export's padding
        assert rows(v, "SELECT start_ms, end_ms, light_minutes, moderate_minutes, vigorous_minutes FROM active_minutes") == [
            (ny(2024, 7, 20), ny(2024, 7, 21), 200, 30, 20)]
        # per-minute distance (cm) and calories summed per local day
        assert rows(v, "SELECT date, distance_mm FROM daily_distance ORDER BY 1") == [
            ("2024-07-20", 3505), ("2024-07-21", 500)]
        assert rows(v, "SELECT date, calories_kcal FROM daily_total_calories ORDER BY 1") == [
            ("2024-07-20", 1.25), ("2024-07-21", 1.5)]
        assert rows(v, "SELECT time_ms, rmssd_ms, sdnn_ms, lf_power_ms2, hf_power_ms2 FROM hrv") == [
            (ny(2024, 7, 21, 3, 15), 26.617, None, 471.897, 126.514)]
        assert rows(v, "SELECT date, average_hrv_ms, non_rem_hr_bpm, entropy FROM daily_hrv") == [("2024-07-21", 34.9, 58, 2.1)]
        assert rows(v, "SELECT date, breaths_per_min FROM daily_breathing_rate") == [("2024-07-21", 15.8)]
        assert rows(v, "SELECT time_ms, full_breaths_per_min, full_stddev_breaths_per_min, full_signal_to_noise, "
                       "deep_breaths_per_min, light_breaths_per_min, rem_breaths_per_min FROM breathing_rate_sleep") == [
            (ny(2024, 7, 21, 6, 40), 15.8, 1.1, 20.5, 14.8, 15.6, 16.0)]
        assert rows(v, "SELECT time_ms, utc_offset_s, spo2_pct FROM spo2 ORDER BY 1") == [
            (utc(2024, 7, 21, 8, 32, 9), -14400, 95.7), (utc(2024, 7, 21, 8, 34, 9), -14400, 96.0)]
        assert rows(v, "SELECT date, average_pct, lower_bound_pct, upper_bound_pct FROM daily_spo2") == [
            ("2024-07-21", 95.7, 92.1, 99.0)]
        assert rows(v, "SELECT date, nightly_c, baseline_c, relative_stddev_30d_c FROM daily_skin_temperature") == [
            ("2024-07-21", 34.5, 34.8, 0.4)]
        assert rows(v, "SELECT start_ms, end_ms, heart_rate_zone, active_zone_minutes FROM active_zone_minutes ORDER BY 1") == [
            (ny(2024, 7, 21, 9, 20), ny(2024, 7, 21, 9, 21), "FAT_BURN", 1),
            (ny(2024, 7, 21, 9, 21), ny(2024, 7, 21, 9, 22), "CARDIO", 2)]
        assert origins_of(v, "heart_rate") == {"takeout-global-export"}
        ignored = sorted(f.path.split("!")[1] for f in report.ignored)
        assert ignored == [
            "Takeout/Fitbit/Global Export Data/altitude-2024-07-20.json",
            "Takeout/Fitbit/Heart Rate Variability/Heart Rate Variability Histogram - 2024-07-21.csv",
            "Takeout/Fitbit/Paired Devices/Devices.csv",
            "Takeout/Fitbit/Sleep Score/sleep_score.csv",
            "Takeout/Fitbit/Stress Score/Stress Score.csv",
            "Takeout/archive_browser.html",
        ]
        dropped = {k: n for f in report.imported for k, n in f.dropped.items()}
        assert dropped["invalid reading (50.0 sentinel, 0 or blank)"] == 1
        assert dropped["blank values"] == 1


# -- D: Takeout/Google Health, GoogleData flat and per family --------------------------------------

@pytest.mark.parametrize("per_family", [False, True], ids=["flat", "per-family"])
def test_layout_d_google_health(tmp_path, per_family):
    path = google_health(per_family).zip(tmp_path / "takeout-20261006T101010Z-001.zip")
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [path], tz="America/New_York")
        assert report.complete, [(f.path, f.reason) for f in report.skipped]
        utc = lambda *a: ms(datetime(*a, tzinfo=timezone.utc))  # noqa: E731
        assert rows(v, "SELECT h.time_ms, h.utc_offset_s, h.bpm, s.device, s.form_factor FROM heart_rate h "
                       "JOIN sources s ON s.id = h.source_id ORDER BY 1") == [
            (utc(2026, 10, 1, 12, 0, 5), -14400, 61, "Pixel Watch", "WATCH"),
            (utc(2026, 10, 1, 12, 0, 10, 500_000), -14400, 62, "Pixel Watch", "WATCH")]
        assert rows(v, "SELECT t.start_ms, t.count, s.device, s.form_factor FROM steps t JOIN sources s ON s.id = t.source_id "
                       "ORDER BY s.device") == [
            (utc(2026, 10, 1, 12), 75, "MobileTrack", "PHONE"), (utc(2026, 10, 1, 12), 80, "Pixel Watch", "WATCH")]
        # one recorder per day: the watch's distance, not watch + phone
        assert rows(v, "SELECT d.date, d.distance_mm, s.device FROM daily_distance d JOIN sources s ON s.id = d.source_id") \
            == [("2026-10-01", 100500, "Pixel Watch")]
        assert rows(v, "SELECT heart_rate_zone, active_zone_minutes FROM active_zone_minutes") == [("CARDIO", 2)]
        assert rows(v, "SELECT date, bpm FROM resting_heart_rate") == [("2026-10-01", 54)]
        assert rows(v, "SELECT w.time_ms, w.weight_g, s.recording_method FROM weight w JOIN sources s ON s.id = w.source_id") \
            == [(utc(2026, 10, 1, 6, 30) + 123, 72450.0, "MANUAL")]
        assert rows(v, "SELECT id, start_ms, start_offset_s, end_ms, end_offset_s, date, sleep_type, minutes_asleep, "
                       "update_time FROM sleep_sessions") == [
            ("7821966286120950001", utc(2026, 10, 1, 3), -14400, utc(2026, 10, 1, 10), -14400, "2026-10-01", "STAGES", 390,
             "2026-10-01T10:05:00Z")]
        assert rows(v, "SELECT start_ms, end_ms, stage FROM sleep_stages ORDER BY 1") == [
            (utc(2026, 10, 1, 3), utc(2026, 10, 1, 5), "LIGHT"), (utc(2026, 10, 1, 5), utc(2026, 10, 1, 10), "DEEP")]
        assert origins_of(v, "sleep_sessions") == {"takeout-google-data"}
        stages_file = next(f for f in report.imported if "UserSleepStages" in f.path)
        assert stages_file.dropped == {"stage of a session not imported": 1}
        assert sorted(f.reason for f in report.ignored) == [
            "Commerce_GoogleData: not health data fitvault imports", "documentation or media",
            "heart-rate zone settings (pseudo-JSON cells; not imported)", "sleep scores (no vault table)"]
        azm = next(f for f in report.imported if "active_zone_minutes" in f.path)
        assert azm.dropped == {"placeholder timestamp before 2008 (the export's padding)": 1}


def test_an_extracted_takeout_folder_imports_like_its_zip(tmp_path):
    archive = google_health(per_family=True)
    folder = archive.folder(tmp_path / "unzipped") / "Takeout"
    with Vault(tmp_path / "a") as a, Vault(tmp_path / "b") as b:
        import_paths(a, [archive.zip(tmp_path / "t.zip")], tz="America/New_York")
        import_paths(b, [folder], tz="America/New_York")
        for table in ("heart_rate", "steps", "sleep_sessions", "sleep_stages", "daily_distance", "weight"):
            assert rows(a, f"SELECT * FROM {table} ORDER BY 1") == rows(b, f"SELECT * FROM {table} ORDER BY 1"), table


def test_missing_takeout_part_is_noted(tmp_path):
    parts = takeout_fitbit().parts(tmp_path, "takeout-20240801T101010Z", 3)
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [parts[0], parts[2]], tz="America/New_York")
    assert any("part(s) 002 not given" in n for n in report.notes)


def test_dates_from_dd_file_names_come_from_the_rows(tmp_path):
    a = Archive()
    a.csv("Takeout/Fitbit/Heart Rate Variability/Daily Heart Rate Variability Summary - 2024-08-(01).csv",
          "timestamp,rmssd,nremhr,entropy", ["2024-08-02T00:00:00,40.0,55.0,2.0"])
    with Vault(tmp_path / "v") as v:
        import_paths(v, [a.zip(tmp_path / "t.zip")], tz="Europe/Berlin")
        assert rows(v, "SELECT date, average_hrv_ms FROM daily_hrv") == [("2024-08-02", 40.0)]
    assert date(2024, 8, 2)  # the file name says (01): the row's own date wins


def test_more_google_data_families(tmp_path):
    base = "Takeout/Google Health/Physical Activity_GoogleData"
    a = Archive()
    a.csv(f"{base}/calories_2026-10-01.csv", "timestamp,calories,data source",
          ["2026-10-01T03:59:00Z,1.5,Pixel Watch", "2026-10-01T04:00:00Z,2.25,Pixel Watch"])
    a.csv(f"{base}/floors_2026-10-01.csv", "timestamp,floors,data source", ["2026-10-01T15:00:00Z,3,Pixel Watch"])
    a.csv(f"{base}/active_minutes_2026-10-01.csv", "timestamp,light,moderate,very,data source",
          ["2026-10-01T00:00:00Z,120,30,10,Pixel Watch", "2026-10-02T14:01:00Z,1,0,0,Pixel Watch"])
    a.csv(f"{base}/height.csv", "timestamp,height millimeters,data source", ["2026-01-05T10:00:00Z,1780,MANUAL"])
    a.csv("Takeout/Google Health/Health Fitness Data_GoogleData/UserExercises_2026-10-01.csv",
          "exercise_id,exercise_start,exercise_end,utc_offset,activity_name,log_type,calories,steps,distance,"
          "average_heart_rate,activity_type_probabilities",
          ['6661252888799700001,2026-10-01T13:00:00Z,2026-10-01T13:30:00Z,-04:00,Run,auto,310.5,4200,5012.5,151,'
           '"{""RUNNING"": 0.9, ""WALKING"": 0.1}"'])
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert report.complete, [(f.path, f.reason) for f in report.skipped]
        # calories summed per local day: 03:59Z is 23:59 on 09-30 in New York
        assert rows(v, "SELECT date, calories_kcal FROM daily_total_calories ORDER BY 1") == [
            ("2026-09-30", 1.5), ("2026-10-01", 2.25)]
        assert rows(v, "SELECT date, floors FROM daily_floors") == [("2026-10-01", 3)]
        utc = lambda *a: ms(datetime(*a, tzinfo=timezone.utc))  # noqa: E731
        ny = lambda *a: ms(datetime(*a, tzinfo=NEW_YORK))  # noqa: E731
        assert rows(v, "SELECT start_ms, end_ms, light_minutes, moderate_minutes, vigorous_minutes FROM active_minutes "
                       "ORDER BY 1") == [(ny(2026, 10, 1), ny(2026, 10, 2), 120, 30, 10),
                                         (utc(2026, 10, 2, 14, 1), utc(2026, 10, 2, 14, 2), 1, 0, 0)]
        assert rows(v, "SELECT time_ms, height_mm FROM height") == [(utc(2026, 1, 5, 10), 1780)]
        assert rows(v, "SELECT id, start_ms, end_ms, start_offset_s, exercise_type, display_name, calories_kcal, steps, "
                       "distance_mm, avg_hr_bpm, date FROM exercises") == [
            ("6661252888799700001", utc(2026, 10, 1, 13), utc(2026, 10, 1, 13, 30), -14400, "RUNNING", "Run", 310.5, 4200,
             5_012_500.0, 151, "2026-10-01")]


def test_api_shaped_activity_logs_keep_their_offset(tmp_path):
    a = Archive().add(f"{GED}/exercise-100.json", [{
        "logId": 29017505997, "activityName": "Sport", "startTime": "2020-02-18T11:16:47.000-06:00",
        "duration": 2166000, "activeDuration": 2166000, "calories": 236, "steps": 1271}])
    with Vault(tmp_path / "v") as v:
        import_twice(v, [a.zip(tmp_path / "t.zip")], tz="Europe/Berlin")
        start = ms(datetime(2020, 2, 18, 17, 16, 47, tzinfo=timezone.utc))
        assert rows(v, "SELECT id, start_ms, start_offset_s, end_ms, exercise_type FROM exercises") == [
            ("29017505997", start, -21600, start + 2166000, "SPORT")]
