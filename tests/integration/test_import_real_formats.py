"""The formats real exports hold (issue #13; docs/facts/archives.md#verified-on-real-exports, facts 1–15), rebuilt small
and synthetic: the 2025 and 2026 GoogleData vintages, a bare ``Fitbit/`` folder, account archives
flat and by category without their wrapper, the nightly CSVs' placeholders. Exact rows asserted;
every archive imported twice (the second import changes nothing)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from support.heart_rows import heart_rate_sql
from support.takeout import Archive, heart_json, import_twice, mdy, minutes_json, ms, sleep_log

import fitvault
from fitvault.importers import import_paths
from fitvault.store.vault import Vault

CHICAGO, NEW_YORK = ZoneInfo("America/Chicago"), ZoneInfo("America/New_York")
UTC = timezone.utc
SLEEPS_HEADER = ("sleep_id,sleep_type,minutes_in_sleep_period,minutes_after_wake_up,minutes_to_fall_asleep,"
                 "minutes_asleep,minutes_awake,minutes_longest_awakening,minutes_to_persistent_sleep,start_utc_offset,"
                 "sleep_start,end_utc_offset,sleep_end,data_source,algorithm_version,sleep_created,sleep_last_updated")
STAGES_HEADER = ("sleep_id,sleep_stage_id,sleep_stage_type,start_utc_offset,sleep_stage_start,end_utc_offset,"
                 "sleep_stage_end,data_source,algorithm_version,sleep_stage_created,sleep_stage_last_updated")
EXERCISES_HEADER = ("exercise_id,exercise_start,exercise_end,utc_offset,exercise_created,exercise_last_updated,"
                    "activity_name,log_type,pool_length,pool_length_unit,intervals,distance_units,tracker_total_calories,"
                    "tracker_total_steps,tracker_total_distance_mm,tracker_total_altitude_mm,tracker_avg_heart_rate,"
                    "tracker_peak_heart_rate,tracker_avg_pace_mm_per_second,tracker_avg_speed_mm_per_second")


def plus0000(dt: datetime) -> str:
    """GoogleData Health Fitness Data's stamp: ``2026-04-06 08:18:00+0000`` (fact 5)."""
    return dt.strftime("%Y-%m-%d %H:%M:%S") + "+0000"


def sleep_row(sid: str, offset: str, start: datetime, end: datetime, period: int, version: int = 1,
              sleep_type: str = "STAGES") -> str:
    return (f"{sid},{sleep_type},{period},0,0,{period - 20},20,5,5,{offset},{plus0000(start)},{offset},{plus0000(end)},"
            f"DERIVED,sleep_session_v{version},,")


def stage_row(sid: str, n: int, kind: str, offset: str, start: datetime, end: datetime, version: int = 1) -> str:
    return f"{sid},{n},{kind},{offset},{plus0000(start)},{offset},{plus0000(end)},DERIVED,sleep_stages_v{version},,"


def hr_day(day: date, zone: ZoneInfo, low: tuple[datetime, datetime]) -> list[dict]:
    """A Global Export heart-rate day file as real ones are: UTC stamps from the local midnight of
    ``day`` every 60 s; 50 bpm inside ``low`` (UTC, a sleep), 90 bpm elsewhere."""
    t = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    end = t + timedelta(days=1)
    out = []
    while t < end:
        bpm = 50 if low[0] <= t < low[1] else 90
        out.append({"dateTime": mdy(t), "value": {"bpm": bpm, "confidence": 3}})
        t += timedelta(seconds=60)
    return out


def sessions(v: Vault) -> list[tuple]:
    return v.conn.execute("SELECT s.id, o.origin, s.start_ms, s.start_offset_s, s.end_ms, s.end_offset_s, s.main_sleep "
                          "FROM sleep_sessions s JOIN sources o ON o.id = s.source_id ORDER BY s.start_ms, s.id").fetchall()


# -- GoogleData UserSleeps / UserSleepStages: two vintages ----------------------------------------

def test_2025_vintage_sleeps_are_local_wall_times_labelled_utc(tmp_path):
    """2025: sleep_start equals the Global Export log's local start, +00:00 in the offset column."""
    night = datetime(2025, 6, 10, 23, 5, 30)           # Chicago local, CDT (-5)
    a = Archive()
    a.add("Takeout/Fitbit/Global Export Data/sleep-2025-06-01.json", [sleep_log(501, night, 420)])
    hfd = "Takeout/Fitbit/Health Fitness Data_GoogleData"
    a.csv(f"{hfd}/UserSleeps_2025-06-01.csv", SLEEPS_HEADER, [
        sleep_row("9001", "+00:00", night, night + timedelta(minutes=420), 420),
        # a night with no second computation: none is missing
        sleep_row("9002", "+00:00", night + timedelta(days=1), night + timedelta(days=1, minutes=418), 414)])
    a.csv(f"{hfd}/UserSleepStages_2025-06-01.csv", STAGES_HEADER, [
        stage_row("9001", 1, "LIGHT", "+00:00", night, night + timedelta(minutes=30))])
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "t.zip")], tz="America/Chicago")
        assert report.complete
        start = ms(night.replace(tzinfo=CHICAGO))
        assert sessions(v) == [
            ("501", "takeout-global-export", start, -18000, start + 420 * 60_000, -18000, 1),
            ("9001", "takeout-google-data", start, -18000, start + 420 * 60_000, -18000, 1),   # main like its twin
            ("9002", "takeout-google-data", start + 86_400_000, -18000, start + 86_400_000 + 418 * 60_000, -18000, 1),
        ]
        assert v.conn.execute("SELECT start_ms, start_offset_s, end_ms, stage FROM sleep_stages WHERE session_id = '9001'"
                              ).fetchall() == [(start, -18000, start + 30 * 60_000, "LIGHT")]
        assert any("2 as local wall times labelled +0000 (Global Export twins: 1 of 1)" in n for n in report.notes)


def test_2026_vintage_sleeps_are_utc_and_the_heart_rate_confirms_it(tmp_path):
    """2026: true UTC, the real offset in its column. No twin here: the night's heart rate (real
    Global Export day files, UTC) decides, and it dips inside the UTC reading of the window."""
    start_utc, end_utc = datetime(2026, 4, 8, 8, 33, 30), datetime(2026, 4, 8, 15, 20, 30)   # 04:33 .. 11:20 EDT
    a = Archive()
    ged = "Fitbit/Global Export Data"   # a bare Fitbit/ folder, as 4 of 5 published Takeouts
    a.add(f"{ged}/heart_rate-2026-04-08.json", hr_day(date(2026, 4, 8), NEW_YORK, (start_utc, end_utc)))
    hfd = "Fitbit/Health Fitness Data_GoogleData"
    # a misleading offset column: the heart rate outranks it
    a.csv(f"{hfd}/UserSleeps_2026-03-19.csv", SLEEPS_HEADER, [sleep_row("8389", "+00:00", start_utc, end_utc, 407)])
    a.csv(f"{hfd}/UserSleepStages_2026-03-19.csv", STAGES_HEADER, [
        stage_row("8389", 1, "DEEP", "+00:00", start_utc, start_utc + timedelta(minutes=40))])
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.folder(tmp_path / "export") / "Fitbit"], tz="America/New_York")
        assert report.complete
        s = ms(start_utc.replace(tzinfo=UTC))
        e = ms(end_utc.replace(tzinfo=UTC))
        assert sessions(v) == [("8389", "takeout-google-data", s, -14400, e, -14400, 1)]
        assert v.conn.execute("SELECT start_ms, end_ms, stage FROM sleep_stages").fetchall() == [
            (s, s + 40 * 60_000, "DEEP")]
        notes = " | ".join(report.notes)
        assert "1 as UTC (heart rate in the sleep windows: 1 of 1)" in notes
        assert "Global Export heart_rate: read as UTC: 1 of 1 file(s) begin at local midnight read as UTC" in notes


def test_google_data_sleeps_without_evidence_follow_the_offset_column(tmp_path):
    a = Archive()
    hfd = "Takeout/Fitbit/Health Fitness Data_GoogleData"
    t = datetime(2026, 4, 12, 5, 45, 30)
    a.csv(f"{hfd}/UserSleeps_2026-03-19.csv", SLEEPS_HEADER, [
        sleep_row("1274", "-04:00", t, t + timedelta(minutes=414), 414),             # 2026: UTC
        sleep_row("1275", "+00:00", t + timedelta(days=1), t + timedelta(days=1, minutes=90), 90)])  # 2025: wall
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        s = ms(t.replace(tzinfo=UTC))
        wall = ms((t + timedelta(days=1)).replace(tzinfo=NEW_YORK))
        assert sessions(v) == [("1274", "takeout-google-data", s, -14400, s + 414 * 60_000, -14400, 1),
                               ("1275", "takeout-google-data", wall, -14400, wall + 90 * 60_000, -14400, 0)]
        notes = " | ".join(report.notes)
        assert "1 as UTC (offset column)" in notes and "1 as local wall times labelled +0000 (offset column +00:00)" in notes


def two_computations(only_v2: bool = False) -> Archive:
    """The 2026 layout of ``UserSleeps`` (docs/facts/archives.md#second-computations), synthetic:
    a night computed twice (``sleep_session_v1`` and ``v2``, unrelated ids, v2 starting later and
    ending earlier, each with its own ``UserSleepStages``), the Global Export log of the v1 one,
    a nap only v1 holds and a nap only v2 holds. ``only_v2``: an export holding v2's night only."""
    night = datetime(2026, 5, 2, 6, 10)                    # UTC; 02:10 EDT
    v1_end, v2_start, v2_end = night + timedelta(minutes=450), night + timedelta(minutes=4, seconds=30), \
        night + timedelta(minutes=448)
    nap1, nap2 = datetime(2026, 5, 2, 19, 50), datetime(2026, 5, 4, 1, 6)
    a = Archive()
    hfd = "Fitbit/Health Fitness Data_GoogleData"
    sleeps = [sleep_row("2201", "-04:00", v2_start, v2_end, 443, version=2)]
    stages = [stage_row("2201", 1, "LIGHT", "-04:00", v2_start, v2_start + timedelta(minutes=60), version=2),
              stage_row("2201", 2, "DEEP", "-04:00", v2_start + timedelta(minutes=60), v2_end, version=2)]
    if not only_v2:
        a.add("Fitbit/Global Export Data/sleep-2026-04-30.json", [sleep_log(5101, night - timedelta(hours=4), 450)])
        sleeps += [sleep_row("1101", "-04:00", night, v1_end, 450),
                   sleep_row("1102", "-04:00", nap1, nap1 + timedelta(minutes=82), 82, sleep_type="CLASSIC"),
                   sleep_row("2202", "-04:00", nap2, nap2 + timedelta(minutes=45), 45, version=2, sleep_type="CLASSIC")]
        stages += [stage_row("1101", 1, "LIGHT", "-04:00", night, night + timedelta(minutes=50)),
                   stage_row("1101", 2, "REM", "-04:00", night + timedelta(minutes=50), v1_end)]
    a.csv(f"{hfd}/UserSleeps_2026-03-19.csv", SLEEPS_HEADER, sleeps)
    a.csv(f"{hfd}/UserSleepStages_2026-03-19.csv", STAGES_HEADER, stages)
    return a


def test_a_sleep_computed_by_two_algorithms_is_stored_once(tmp_path):
    """The 2026 export lists 12 of its 14 sleeps twice (v1 and v2, 0.95-1.00 of the shorter inside
    the longer): one record per sleep, the v1 one (the Global Export log's), with its own stages."""
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [two_computations().folder(tmp_path / "export") / "Fitbit"], tz="America/New_York")
        assert report.complete
        s, nap1, nap2 = (ms(datetime(2026, 5, 2, 6, 10, tzinfo=UTC)), ms(datetime(2026, 5, 2, 19, 50, tzinfo=UTC)),
                         ms(datetime(2026, 5, 4, 1, 6, tzinfo=UTC)))
        assert sessions(v) == [
            ("1101", "takeout-google-data", s, -14400, s + 450 * 60_000, -14400, 1),   # main like its twin
            ("5101", "takeout-global-export", s, -14400, s + 450 * 60_000, -14400, 1),
            ("1102", "takeout-google-data", nap1, -14400, nap1 + 82 * 60_000, -14400, 0),
            ("2202", "takeout-google-data", nap2, -14400, nap2 + 45 * 60_000, -14400, 0)]  # v2 alone: kept
        assert v.conn.execute("SELECT session_id, start_ms, end_ms, stage FROM sleep_stages WHERE session_id NOT LIKE '5%' "
                              "ORDER BY start_ms").fetchall() == [
            ("1101", s, s + 50 * 60_000, "LIGHT"), ("1101", s + 50 * 60_000, s + 450 * 60_000, "REM")]
        sleeps = next(f for f in report.files if f.path.endswith("UserSleeps_2026-03-19.csv"))
        assert sleeps.dropped == {"another computation of a sleep already kept (algorithm_version; not stored)": 1}
    with fitvault.open(tmp_path / "v") as r:
        got = r.sleep_sessions()
    assert list(got["id"]) == ["1101", "1102", "2202"] and list(got["date"].dt.day) == [2, 2, 3]


def test_an_import_with_the_better_computation_replaces_the_stored_one(tmp_path):
    """An earlier export held only the v2 computation of the night: the export holding both
    replaces it (and its stages) instead of adding the night a second time."""
    with Vault(tmp_path / "v") as v:
        import_paths(v, [two_computations(only_v2=True).folder(tmp_path / "old") / "Fitbit"], tz="America/New_York")
        assert [row[0] for row in sessions(v)] == ["2201"]
        report = import_twice(v, [two_computations().folder(tmp_path / "new") / "Fitbit"], tz="America/New_York")
        assert [row[0] for row in sessions(v)] == ["1101", "5101", "1102", "2202"]
        assert {row[0] for row in v.conn.execute("SELECT session_id FROM sleep_stages")} == {"1101", "5101"}
        assert any("1 sleep(s) an earlier import stored replaced by the computation kept" in n for n in report.notes)


def test_the_two_computations_in_two_files_of_one_import(tmp_path):
    """v2 in the file read first, v1 in a later one: the choice spans the import's files (v2 is not
    stored, nor its stages), and a re-import writes nothing."""
    a = two_computations()
    hfd = "Fitbit/Health Fitness Data_GoogleData"
    header, *rows = a.files[f"{hfd}/UserSleeps_2026-03-19.csv"].decode().splitlines()
    a.csv(f"{hfd}/UserSleeps_2026-03-19.csv", header, [r for r in rows if r.startswith("2201")])
    a.csv(f"{hfd}/UserSleeps_2026-04-19.csv", header, [r for r in rows if not r.startswith("2201")])
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.folder(tmp_path / "export") / "Fitbit"], tz="America/New_York")
        assert [row[0] for row in sessions(v)] == ["1101", "5101", "1102", "2202"]
        assert {row[0] for row in v.conn.execute("SELECT session_id FROM sleep_stages")} == {"1101", "5101"}
        stages = next(f for f in report.files if f.path.endswith("UserSleepStages_2026-03-19.csv"))
        assert stages.dropped == {"stage of another computation of a sleep already kept (not stored)": 2}


def test_user_exercises_are_utc_with_the_tracker_columns(tmp_path):
    a = Archive()
    a.csv("Takeout/Fitbit/Health Fitness Data_GoogleData/UserExercises_2026-03-19.csv", EXERCISES_HEADER, [
        "7001,2026-04-06 17:42:42+0000,2026-04-06 18:12:42+0000,-04:00,,,Walk,auto_detected,,,,,131.0,3100,2400000,"
        "0,96,120,,1333"])
    with Vault(tmp_path / "v") as v:
        import_twice(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        start = ms(datetime(2026, 4, 6, 17, 42, 42, tzinfo=UTC))
        assert v.conn.execute("SELECT id, start_ms, start_offset_s, end_ms, date, exercise_type, calories_kcal, steps, "
                              "distance_mm, avg_hr_bpm, avg_speed_mm_per_s FROM exercises").fetchall() == [
            ("7001", start, -14400, start + 1_800_000, "2026-04-06", "WALKING", 131.0, 3100, 2_400_000.0, 96, 1333.0)]


# -- layouts and wrapping ---------------------------------------------------------------------------

def _fitbit_folder_files(root: str) -> Archive:
    a = Archive()
    a.add(f"{root}/Global Export Data/heart_rate-2026-04-07.json",
          heart_json(datetime(2026, 4, 7, 4, 0, 5), [61, 62, 63]))
    a.add(f"{root}/Global Export Data/badge.json", [])
    a.csv(f"{root}/Heart Rate Variability/Heart Rate Variability Details - 2026-04-07.csv",
          "timestamp,rmssd,coverage,low_frequency,high_frequency", ["2026-04-07T03:15:00,26.6,0.9,471.8,126.5"])
    a.csv(f"{root}/Physical Activity_GoogleData/heart_rate_2026-04-07.csv", "timestamp,beats per minute,data source",
          ["2026-04-07T04:00:05Z,61,Inspire 3"])
    a.csv(f"{root}/Physical Activity_GoogleData/gps_location_2026-04-07.csv", "timestamp,latitude,data source", [])
    a.csv(f"{root}/Health Fitness Data_GoogleData/UserProfileData.csv", "name", [])
    a.csv(f"{root}/Paired Devices/Devices.csv", "wire_id,device_type", [])
    a.csv(f"{root}/Biometrics/Glucose 202604.csv", "no data", [])
    return a


def test_a_bare_fitbit_folder_and_the_takeout_zip_are_one_origin(tmp_path):
    """A Fitbit/ folder without Takeout/ is the same Takeout; importing its zip afterwards (the
    usual Takeout/Fitbit/ wrapping) changes nothing."""
    bare = _fitbit_folder_files("Fitbit").folder(tmp_path / "published") / "Fitbit"
    zipped = _fitbit_folder_files("Takeout/Fitbit").zip(tmp_path / "takeout-20260415T000000Z-001.zip")
    with Vault(tmp_path / "v") as v:
        first = import_twice(v, [bare], tz="America/New_York")
        assert first.complete
        assert sorted(f.reason for f in first.ignored) == [
            "GPS locations (no vault table)",
            "Paired Devices: a file fitvault does not know (not imported)",
            "account and app settings (not health data)",
            "badges (not health data)",
            "glucose (no vault table)"]
        origins = dict(heart_rate_sql(v.conn, "SELECT s.origin, count(*) FROM heart_rate h JOIN sources s "
                                              "ON s.id = h.source_id GROUP BY 1").fetchall())
        assert origins == {"takeout-global-export": 3, "takeout-google-data": 1}
        assert v.conn.execute("SELECT s.origin FROM hrv h JOIN sources s ON s.id = h.source_id").fetchall() == [
            ("takeout-global-export",)]
        again = import_paths(v, [zipped], tz="America/New_York")
        assert again.complete and again.changed == 0
        assert v.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 2


def test_account_archives_flat_and_by_category_without_their_wrapper(tmp_path):
    """Layout A as a zip and as its folder (one origin); layout B published as a bare data/ folder
    of category folders. Non-health files are ignored with a reason; the import is complete."""
    flat = Archive()
    use = "MyFitbitData/User/user-site-export"
    flat.add(f"{use}/heart_rate-2016-05-01.json", heart_json(datetime(2016, 4, 30, 14, 0), [58, 57]))  # AEST midnight
    for name in ("badge.json", "trophy.json", "food_logs-0.json", "water_logs-0.json"):
        flat.add(f"{use}/{name}", [])
    with Vault(tmp_path / "a") as v:
        report = import_twice(v, [flat.zip(tmp_path / "MyFitbitData.zip")], tz="Australia/Sydney")
        assert report.complete and len(report.ignored) == 4
        t = ms(datetime(2016, 4, 30, 14, 0, tzinfo=UTC))
        assert heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1").fetchall() == [
            (t, 36000, 58), (t + 10_000, 36000, 57)]
        assert import_paths(v, [flat.folder(tmp_path / "unzipped") / "MyFitbitData"]).changed == 0
        assert v.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 1

    by_category = Archive()
    # steps chunk named by its first local day: starts at 23:04 UTC the day before (BST midnight + 4 min)
    by_category.add("data/Physical Activity/steps-2022-04-15.json",
                    minutes_json(datetime(2022, 4, 14, 23, 4), ["12", "0", "30"]))
    by_category.add("data/Sleep/sleep-2023-02-09.json", [sleep_log(77, datetime(2023, 2, 9, 23, 0), 400)])
    by_category.csv("data/Sleep/sleep_score.csv", "sleep_log_entry_id,timestamp,overall_score",
                    ["77,2023-02-10T05:40:00Z,80"])
    by_category.add("data/Social/badge.json", [])
    by_category.csv("data/Application/Account_Access_Events_1.csv", "timestamp,event_name", [])
    by_category.csv("data/Stress/Stress Score.csv", "DATE,STRESS_SCORE", [])
    with Vault(tmp_path / "b") as v:
        report = import_twice(v, [by_category.folder(tmp_path / "repo") / "data"], tz="Europe/London")
        assert report.complete
        assert {f.origin for f in report.imported} == {"account-archive"}
        assert sorted(f.reason for f in report.ignored) == [
            "Application: a file fitvault does not know (not imported)", "badges (not health data)",
            "sleep scores (no vault table)", "stress score (no vault table)"]
        s = ms(datetime(2022, 4, 14, 23, 4, tzinfo=UTC))
        assert v.conn.execute("SELECT start_ms, start_offset_s, count FROM steps ORDER BY 1").fetchall() == [
            (s, 3600, 12), (s + 120_000, 3600, 30)]
        assert v.conn.execute("SELECT start_offset_s, end_offset_s FROM sleep_sessions").fetchall() == [(0, 0)]
        assert any("Global Export steps: read as UTC: 1 of 1 file(s) begin at local midnight read as UTC" in n
                   for n in report.notes)


def test_weak_clock_evidence_is_said_in_the_notes(tmp_path):
    a = Archive()  # a device's first day: the file begins mid-afternoon, no GoogleData
    a.add("MyFitbitData/User/user-site-export/distance-2016-09-08.json",
          minutes_json(datetime(2016, 9, 8, 14, 51), ["100", "250"]))
    a.add("MyFitbitData/User/user-site-export/calories-2016-09-08.json",
          minutes_json(datetime(2016, 9, 8, 0, 0), ["1.5", "1.25"]))
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "a.zip")], tz="Australia/Sydney")
        notes = " | ".join(report.notes)
        assert ("Global Export distance: read as UTC: weak evidence: no overlapping GoogleData CSV and no file begins "
                "at a midnight that tells the clocks apart; every export verified so far writes these stamps in UTC"
                in notes)
        assert "Global Export calories: read as local time: 1 of 1 file(s) begin at local midnight read as local time" \
            in notes
        # 14:51 UTC is 00:51 AEST on the 9th
        assert v.conn.execute("SELECT date, distance_mm FROM daily_distance").fetchall() == [("2016-09-09", 3500)]
        assert v.conn.execute("SELECT date, calories_kcal FROM daily_total_calories").fetchall() == [("2016-09-08", 2.75)]


def test_a_damaged_minute_is_quarantined_and_never_poisons_its_days_total(tmp_path):
    """Infinity, 1e999, NaN, negatives and absurd values in per-minute distance and calories (seen
    as a numpy overflow in the fuzz suite) are set aside one by one; the day's sum keeps the rest."""
    a = Archive()
    a.add("MyFitbitData/User/user-site-export/distance-2016-09-08.json",
          minutes_json(datetime(2016, 9, 8, 14, 0), ["100", "Infinity", "1e999", "250", "-5", "NaN", "2e6"]))
    a.add("MyFitbitData/User/user-site-export/calories-2016-09-09.json",
          minutes_json(datetime(2016, 9, 9, 0, 0), ["1.5", "1e308", "1.25"]))
    with Vault(tmp_path / "v") as v:
        import_twice(v, [a.zip(tmp_path / "a.zip")], tz="Australia/Sydney")
        assert v.conn.execute("SELECT date, distance_mm FROM daily_distance").fetchall() == [("2016-09-09", 3500)]
        assert v.conn.execute("SELECT date, calories_kcal FROM daily_total_calories").fetchall() == [("2016-09-09", 2.75)]
        assert v.quarantine_count() == 6


# -- nightly CSVs: a missing neighbour loses nothing ------------------------------------------------

def test_nightly_csv_placeholders_lose_no_neighbouring_value(tmp_path):
    hrv = "Takeout/Fitbit/Heart Rate Variability"
    a = Archive()
    a.csv("Takeout/Fitbit/Temperature/Computed Temperature - 2026-04-01.csv",
          "type,sleep_start,sleep_end,temperature_samples,nightly_temperature,baseline_relative_sample_sum,"
          "baseline_relative_sample_sum_of_squares,baseline_relative_nightly_standard_deviation,"
          "baseline_relative_sample_standard_deviation",
          ["IDT,2026-04-06T00:18,2026-04-06T05:18,300,33.91,NaN,NaN,NaN,NaN",
           "IDT,2026-04-06T13:00,2026-04-06T13:40,40,34.80,NaN,NaN,NaN,NaN",     # a nap ending the same date
           "IDT,2026-04-07T00:01:00,2026-04-07T07:01:00,420,34.12,NaN,NaN,NaN,NaN",
           "WRIST,2026-04-08T00:01,2026-04-08T07:01,420,30.0,NaN,NaN,NaN,NaN"])
    a.csv(f"{hrv}/Respiratory Rate Summary - 2026-04-06.csv",
          "timestamp,full_sleep_breathing_rate,full_sleep_standard_deviation,full_sleep_signal_to_noise,"
          "deep_sleep_breathing_rate,deep_sleep_standard_deviation,deep_sleep_signal_to_noise,light_sleep_breathing_rate,"
          "light_sleep_standard_deviation,light_sleep_signal_to_noise,rem_sleep_breathing_rate,rem_sleep_standard_deviation,"
          "rem_sleep_signal_to_noise",
          ["2026-04-06T05:18:00,15.8,1.1,20.5,14.8,0.9,30.1,15.6,1.0,25.0,-1.0,-1.0,-1.0",
           "2026-04-07T07:01:00,16.2,1.0,21.0,-1.0,-1.0,-1.0,16.0,1.0,25.0,0.4,2.0,3.0"])
    a.csv(f"{hrv}/Daily Heart Rate Variability Summary - 2026-04-(06).csv", "timestamp,rmssd,nremhr,entropy",
          ["2026-04-06T00:00:00,0.0,58.4,2.1"])
    a.csv(f"{hrv}/Daily Heart Rate Variability Summary - 2026-04-(07).csv", "timestamp,rmssd,nremhr,entropy",
          ["2026-04-07T00:00:00,0.0,0.0,0.0"])
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert report.complete
        assert v.conn.execute("SELECT date, nightly_c, baseline_c, relative_stddev_30d_c FROM daily_skin_temperature "
                              "ORDER BY 1").fetchall() == [("2026-04-06", 33.91, None, None),
                                                            ("2026-04-07", 34.12, None, None)]
        dropped = {k: n for f in report.imported for k, n in f.dropped.items()}
        assert dropped["a shorter sleep ending on the same date (the longest sleep's value is kept)"] == 1
        assert dropped["not skin temperature (WRIST)"] == 1
        ny = lambda *t: ms(datetime(*t, tzinfo=NEW_YORK))  # noqa: E731
        assert v.conn.execute("SELECT time_ms, full_breaths_per_min, deep_breaths_per_min, light_breaths_per_min, "
                              "rem_breaths_per_min FROM breathing_rate_sleep ORDER BY 1").fetchall() == [
            (ny(2026, 4, 6, 5, 18), 15.8, 14.8, 15.6, None), (ny(2026, 4, 7, 7, 1), 16.2, None, 16.0, None)]
        notes = " | ".join(report.notes)
        assert "2 value(s) left missing in stored records: breathing rate per sleep: a stage rate of -1" in notes
        assert "1 value(s) left missing in stored records: breathing rate per sleep: an impossible stage rate" in notes
        assert v.conn.execute("SELECT date, average_hrv_ms, non_rem_hr_bpm, entropy FROM daily_hrv").fetchall() == [
            ("2026-04-06", None, 58, 2.1)]


def test_two_records_on_one_instant_are_never_written_over_unnoticed(tmp_path):
    spo2 = "Takeout/Fitbit/Oxygen Saturation (SpO2)"
    a = Archive()
    a.csv(f"{spo2}/Minute SpO2 - 2026-04-06.csv", "timestamp,value", ["2026-04-06T08:32:00Z,95.5", "2026-04-06T08:33:00Z,96"])
    a.csv(f"{spo2}/Minute SpO2 - 2026-04-07.csv", "timestamp,value",
          ["2026-04-06T08:32:00Z,95.5",        # the same record again: stored once
           "2026-04-06T08:33:00Z,91.0"])       # another value at the same instant: the first is kept, counted
    with Vault(tmp_path / "v") as v:
        report = import_twice(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert v.conn.execute("SELECT time_ms, spo2_pct FROM spo2 ORDER BY 1").fetchall() == [
            (ms(datetime(2026, 4, 6, 8, 32, tzinfo=UTC)), 95.5), (ms(datetime(2026, 4, 6, 8, 33, tzinfo=UTC)), 96.0)]
        second = next(f for f in report.imported if f.path.endswith("2026-04-07.csv"))
        assert second.dropped == {"repeated record (same values: stored once)": 1,
                                  "collision: another record of this import has the same time (the first is kept)": 1}


def test_a_sleep_log_across_a_dst_change_keeps_every_stage_on_one_clock(tmp_path):
    """Dublin, 2020-03-29 (01:00 GMT -> 02:00 IST): real logs run on one wall clock through the
    change (duration = wall span, stages at 01:21, a wall time that does not exist)."""
    log = sleep_log(330, datetime(2020, 3, 28, 23, 21, 30), 516)
    a = Archive().add("MyFitbitData/User/Sleep/sleep-2020-03-01.json", [log])
    with Vault(tmp_path / "v") as v:
        import_twice(v, [a.zip(tmp_path / "a.zip")], tz="Europe/Dublin")
        start = ms(datetime(2020, 3, 28, 23, 21, 30, tzinfo=UTC))
        assert v.conn.execute("SELECT start_ms, start_offset_s, end_ms, end_offset_s, date FROM sleep_sessions"
                              ).fetchall() == [(start, 0, start + 516 * 60_000, 3600, "2020-03-29")]
        stages = v.conn.execute("SELECT start_ms, start_offset_s, end_ms FROM sleep_stages WHERE kind = 'stage' "
                                "ORDER BY 1").fetchall()
        assert len(stages) == len(log["levels"]["data"])
        assert all(a[2] == b[0] for a, b in zip(stages, stages[1:]))         # no gap, no overlap
        change = ms(datetime(2020, 3, 29, 1, 0, tzinfo=UTC))
        assert [off for _s, off, _e in stages] == [0 if s < change else 3600 for s, _o, _e in stages]
