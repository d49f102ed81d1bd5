"""Fitabase / Kaggle research exports (``*_merged.csv``): every file family, one participant per
vault (``--participant``, exit 2 listing the ids), the re-saved variants, and the round trip
through ``fitvault export fitabase``. Fixtures are synthetic, in the real files' formats
(docs/facts/archives.md#fact-14, docs/facts/archives.md#verified-on-real-exports)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from support.heart_rows import heart_rate_sql
from support.takeout import Archive, ms

import fitvault
from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.errors import ParticipantRequired
from fitvault.export import export_fitabase
from fitvault.importers import import_paths
from fitvault.importers.fitabase._rows import format_time, parse_time
from fitvault.importers.fitabase.sleep import AGREES, NO_SESSIONS
from fitvault.store.vault import Vault
from fitvault.timeutil import wall_ms

CHI = ZoneInfo("America/Chicago")
P1, P2 = "1503960366", "1624580081"
MIN = 60_000
DAILY_HEADER = ("Id,ActivityDate,TotalSteps,TotalDistance,TrackerDistance,LoggedActivitiesDistance,VeryActiveDistance,"
                "ModeratelyActiveDistance,LightActiveDistance,SedentaryActiveDistance,VeryActiveMinutes,"
                "FairlyActiveMinutes,LightlyActiveMinutes,SedentaryMinutes,Calories")


def at(*a) -> int:
    return ms(datetime(*a, tzinfo=CHI))


def q(v: Vault, sql: str, *params) -> list[tuple]:
    return heart_rate_sql(v.conn, sql, params).fetchall()


def dataset() -> Archive:
    """Two participants, the original Fitabase formats; P1 has every family."""
    a = Archive()
    a.csv("heartrate_seconds_merged.csv", "Id,Time,Value", [
        f"{P1},4/12/2016 7:21:00 AM,97", f"{P1},4/12/2016 7:21:05 AM,102", f"{P1},4/12/2016 12:00:10 PM,0",
        f"{P1},4/12/2016 1:05:15 PM,61.0"])
    a.csv("minuteSleep_merged.csv", "Id,date,value,logId", [
        f"{P1},4/12/2016 2:47:30 AM,3,11380564589", f"{P1},4/12/2016 2:48:30 AM,1,11380564589",
        f"{P1},4/12/2016 2:49:30 AM,1,11380564589", f"{P1},4/12/2016 2:50:30 AM,2,11380564589",
        f"{P1},4/12/2016 2:51:30 AM,1,11380564589",
        f"{P1},4/12/2016 3:30:00 PM,1,11380564590", f"{P1},4/12/2016 3:31:00 PM,1,11380564590",
        f"{P2},4/12/2016 1:00:00 AM,1,22"])
    a.csv("dailyActivity_merged.csv", DAILY_HEADER, [
        f"{P1},4/12/2016,13162,8.5,8.5,0,1.87999999523163,0.550000011920929,6.05999994277954,0,25,13,328,728,1985",
        f"{P1},4/13/2016,10735,6.96999979019165,6.96999979019165,0,1.57,0.69,4.71,0,21,19,217,776,1797",
        f"{P1},4/14/2016,0,0,0,0,0,0,0,0,0,0,0,1440,0",
        f"{P2},4/12/2016,8163,5.3,5.3,0,0,0,0,0,0,0,0,1440,1432"])
    a.csv("dailySteps_merged.csv", "Id,ActivityDay,StepTotal", [f"{P1},4/12/2016,13162", f"{P1},4/14/2016,0"])
    a.csv("hourlySteps_merged.csv", "Id,ActivityHour,StepTotal", [f"{P1},4/12/2016 12:00:00 AM,373"])
    a.csv("minuteStepsNarrow_merged.csv", "Id,ActivityMinute,Steps", [
        f"{P1},4/12/2016 12:00:00 AM,0", f"{P1},4/12/2016 12:01:00 AM,12", f"{P1},4/12/2016 1:59:00 PM,104"])
    not_worn = [f"{P1},{format_time(wall_ms(2016, 4, 14) + i * MIN)},0" for i in range(1440)]
    a.csv("minuteIntensitiesNarrow_merged.csv", "Id,ActivityMinute,Intensity", [
        f"{P1},4/12/2016 12:00:00 AM,0", f"{P1},4/12/2016 12:01:00 AM,2", *not_worn,
        f"{P1},4/15/2016 12:00:00 AM,0"])
    a.csv("weightLogInfo_merged.csv", "Id,Date,WeightKg,WeightPounds,Fat,BMI,IsManualReport,LogId", [
        f"{P1},5/2/2016 11:59:59 PM,52.59999847,115.9631465,22,22.64999962,True,1462233599000",
        f"{P2},5/3/2016 11:59:59 PM,80,176.3698,,24,False,1462319999000"])
    a.csv("sleepDay_merged.csv", "Id,SleepDay,TotalSleepRecords,TotalMinutesAsleep,TotalTimeInBed",
          [f"{P1},4/12/2016 12:00:00 AM,2,5,7"])
    return a


def test_time_formats():
    assert parse_time("4/12/2016 2:47:30 AM") == wall_ms(2016, 4, 12, 2, 47, 30)
    assert parse_time("4/12/2016 12:00:00 AM") == wall_ms(2016, 4, 12)
    assert parse_time("4/12/2016 12:05:00 PM") == wall_ms(2016, 4, 12, 12, 5)
    assert parse_time("04/12/2016") == parse_time("4-12-2016") == wall_ms(2016, 4, 12)
    assert parse_time("5-2-2016") == wall_ms(2016, 5, 2)
    assert parse_time("4/12/2016 14:00:00") == wall_ms(2016, 4, 12, 14)
    for bad in ("2016-04-12", "4/12/2016 13:00:00 PM", "13/1/2016", "4/12/2016 2:47:30 XM"):
        with pytest.raises(ValueError):
            parse_time(bad)
    assert format_time(wall_ms(2016, 4, 12, 0, 5, 7)) == "4/12/2016 12:05:07 AM"
    assert format_time(wall_ms(2016, 4, 12, 13, 0)) == "4/12/2016 1:00:00 PM"
    assert format_time(wall_ms(2016, 4, 12, 13, 0), with_time=False) == "4/12/2016"


def test_several_participants_need_one_named(tmp_path):
    root = dataset().folder(tmp_path / "fb")
    with Vault(tmp_path / "v") as v:
        with pytest.raises(ParticipantRequired) as err:
            import_paths(v, [root], tz="America/Chicago")
        assert "2 participants" in str(err.value) and f"{P1} (" in str(err.value) and f"{P2} (" in str(err.value)
        assert q(v, "SELECT count(*) FROM sources") == [(0,)]  # nothing stored
        with pytest.raises(ParticipantRequired, match="'42' is not in these Fitabase files"):
            import_paths(v, [root], tz="America/Chicago", participant="42")
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "v2"), "import", str(root), "--tz", "America/Chicago"])
    assert result.exit_code == 2
    assert "--participant ID" in result.output and P1 in result.output and P2 in result.output


def test_one_participant_every_family(tmp_path):
    root = dataset().folder(tmp_path / "fb")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [root], tz="America/Chicago", participant=P1)
        assert not report.skipped
        assert not report.ignored
        sleep_day = next(f for f in report.imported if f.path.endswith("sleepDay_merged.csv"))
        assert (sleep_day.stored, sleep_day.dropped) == (0, {AGREES: 1})  # 2 logs, 5 min asleep, 7 in bed
        assert q(v, "SELECT DISTINCT origin FROM sources") == [("fitabase-export",)]
        # heart rate: local wall times in the import's zone (CDT, -5 h); a 0 is no reading
        assert q(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1") == [
            (at(2016, 4, 12, 7, 21), -18000, 97), (at(2016, 4, 12, 7, 21, 5), -18000, 102),
            (at(2016, 4, 12, 13, 5, 15), -18000, 61)]
        # minute sleep: one CLASSIC session per logId, stages the runs of equal value
        s = at(2016, 4, 12, 2, 47, 30)
        assert q(v, "SELECT id, start_ms, end_ms, date, sleep_type, main_sleep, minutes_in_sleep_period, "
                    "minutes_asleep, minutes_awake FROM sleep_sessions ORDER BY start_ms") == [
            ("fitabase-11380564589", s, s + 5 * MIN, "2016-04-12", "CLASSIC", 1, 5, 3, 2),
            ("fitabase-11380564590", at(2016, 4, 12, 15, 30), at(2016, 4, 12, 15, 32), "2016-04-12", "CLASSIC", 0,
             2, 2, 0)]
        assert q(v, "SELECT start_ms, end_ms, stage FROM sleep_stages WHERE session_id = 'fitabase-11380564589' "
                    "ORDER BY 1") == [(s, s + MIN, "AWAKE"), (s + MIN, s + 3 * MIN, "ASLEEP"),
                                      (s + 3 * MIN, s + 4 * MIN, "RESTLESS"), (s + 4 * MIN, s + 5 * MIN, "ASLEEP")]
        # daily totals; the 4/14 day (0 steps, 1440 sedentary) is a not-worn placeholder
        assert q(v, "SELECT date, count FROM daily_steps ORDER BY 1") == [("2016-04-12", 13162), ("2016-04-13", 10735)]
        assert q(v, "SELECT date, distance_mm FROM daily_distance ORDER BY 1") == [
            ("2016-04-12", 8_500_000), ("2016-04-13", 6_970_000)]
        assert q(v, "SELECT date, calories_kcal FROM daily_total_calories ORDER BY 1") == [
            ("2016-04-12", 1985.0), ("2016-04-13", 1797.0)]
        assert q(v, "SELECT start_ms, start_offset_s, end_ms, light_minutes, moderate_minutes, vigorous_minutes "
                    "FROM active_minutes ORDER BY 1") == [
            (at(2016, 4, 12), -18000, at(2016, 4, 13), 328, 13, 25),
            (at(2016, 4, 13), -18000, at(2016, 4, 14), 217, 19, 21)]
        # minute steps (zero minutes left out); the hourly file is covered by the minute file
        assert q(v, "SELECT start_ms, end_ms, count FROM steps ORDER BY 1") == [
            (at(2016, 4, 12, 0, 1), at(2016, 4, 12, 0, 2), 12), (at(2016, 4, 12, 13, 59), at(2016, 4, 12, 14), 104)]
        hourly = next(f for f in report.imported if f.path.endswith("hourlySteps_merged.csv"))
        assert hourly.stored == 0 and hourly.dropped == {"covered by minuteStepsNarrow_merged.csv of this import": 1}
        # intensities: a day of 1440 sedentary minutes is a placeholder; a sedentary minute is data
        assert q(v, "SELECT start_ms, end_ms, level FROM activity_level ORDER BY 1") == [
            (at(2016, 4, 12), at(2016, 4, 12, 0, 1), "SEDENTARY"),
            (at(2016, 4, 12, 0, 1), at(2016, 4, 12, 0, 2), "MODERATELY_ACTIVE"),
            (at(2016, 4, 15), at(2016, 4, 15, 0, 1), "SEDENTARY")]
        # weight: kg -> g, fat, a manual report
        assert q(v, "SELECT w.time_ms, w.utc_offset_s, w.id, w.weight_g, s.recording_method FROM weight w "
                    "JOIN sources s ON s.id = w.source_id") == [
            (at(2016, 5, 2, 23, 59, 59), -18000, "1462233599000", 52600.0, "MANUAL")]
        assert q(v, "SELECT time_ms, body_fat_pct FROM body_fat") == [(at(2016, 5, 2, 23, 59, 59), 22.0)]
        # what the report says was stored is what the vault holds (D11)
        heart = next(f for f in report.imported if f.path.endswith("heartrate_seconds_merged.csv"))
        assert (heart.records, heart.stored) == (4, 3)
        again = import_paths(v, [root], participant=P1)
        assert again.changed == 0


def test_resaved_kaggle_variants(tmp_path):
    """The renejerez copies: SleepDay MM/DD/YYYY, weight Date M-D-YYYY without LogId/IsManualReport,
    minute files inside a zip of the same name."""
    a = Archive()
    a.csv("weightLogInfo_merged.csv", "Id,Date,WeightKg,WeightPounds,Fat,BMI",
          [f"{P1},5-2-2016,52.59999847,115.9631465,22,22.64999962", f"{P1},5-3-2016,52.59999847,115.9631465,,22.6"])
    a.csv("sleepDay_merged.csv", "Id,SleepDay,TotalSleepRecords,TotalMinutesAsleep,TotalTimeInBed",
          [f"{P1},04/12/2016,1,327,346"])
    inner = Archive().csv("minuteStepsNarrow_merged.csv", "Id,ActivityMinute,Steps", [f"{P1},4/12/2016 8:00:00 AM,9"])
    root = a.folder(tmp_path / "fb")
    inner.zip(root / "minuteStepsNarrow_merged.zip")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [root], tz="America/Chicago")
        assert not report.skipped
        assert q(v, "SELECT w.time_ms, w.id, w.weight_g, s.recording_method FROM weight w JOIN sources s "
                    "ON s.id = w.source_id ORDER BY 1") == [(at(2016, 5, 2), None, 52600.0, ""),
                                                            (at(2016, 5, 3), None, 52600.0, "")]
        assert q(v, "SELECT time_ms, body_fat_pct FROM body_fat") == [(at(2016, 5, 2), 22.0)]
        assert q(v, "SELECT start_ms, count FROM steps") == [(at(2016, 4, 12, 8), 9)]
        sleep_day = next(f for f in report.imported if f.path.endswith("sleepDay_merged.csv"))
        assert (sleep_day.stored, sleep_day.dropped) == (0, {NO_SESSIONS: 1})


#: Every table a Fitabase import fills.
FILLED = ("heart_rate", "sleep_sessions", "sleep_stages", "steps", "daily_steps", "daily_distance",
          "daily_total_calories", "active_minutes", "activity_level", "weight", "body_fat")


def _rows(path) -> dict[str, list]:
    out = {}
    with fitvault.open(path) as r:
        assert set(r.tables().query("rows > 0").index) <= set(FILLED)
        for name in FILLED:
            f = r.frame(name, tz="UTC")
            out[name] = f.drop(columns=[c for c in ("source_id", "device") if c in f.columns]).reset_index()
    return out


@pytest.mark.slow
def test_export_fitabase_round_trip(tmp_path):
    root = dataset().folder(tmp_path / "fb")
    with Vault(tmp_path / "v1") as v:
        import_paths(v, [root], tz="America/Chicago", participant=P1)
    result = export_fitabase(tmp_path / "v1", tmp_path / "out", participant="7")
    written = {i.table: i.rows for i in result.items}
    assert written == {"heartrate_seconds": 3, "minuteSleep": 7, "sleepDay": 1, "dailyActivity": 2, "dailySteps": 2,
                       "dailyCalories": 2, "dailyIntensities": 2, "minuteStepsNarrow": 2, "hourlySteps": 2,
                       "minuteIntensitiesNarrow": 3, "hourlyIntensities": 2, "weightLogInfo": 1}
    out = tmp_path / "out"
    assert (out / "heartrate_seconds_merged.csv").read_text().splitlines() == [
        "Id,Time,Value", "7,4/12/2016 7:21:00 AM,97", "7,4/12/2016 7:21:05 AM,102", "7,4/12/2016 1:05:15 PM,61"]
    assert (out / "sleepDay_merged.csv").read_text().splitlines()[1] == "7,4/12/2016 12:00:00 AM,2,5,7"
    assert (out / "dailyActivity_merged.csv").read_text().splitlines()[1] == \
        "7,4/12/2016,13162,8.5,,,,,,,25,13,328,,1985"
    assert (out / "hourlyIntensities_merged.csv").read_text().splitlines()[1] == \
        "7,4/12/2016 12:00:00 AM,2,0.03333333333333333"
    assert (out / "weightLogInfo_merged.csv").read_text().splitlines()[1] == \
        "7,5/2/2016 11:59:59 PM,52.6,115.96315,22,,True,1462233599000"
    with Vault(tmp_path / "v2") as v:
        report = import_paths(v, [out], tz="America/Chicago")
        assert not report.skipped
    first, second = _rows(tmp_path / "v1"), _rows(tmp_path / "v2")
    for table in first:
        assert first[table].equals(second[table]), table
    assert sum(len(f) for f in first.values()) == 25  # 3 HR, 2 sessions + 5 stages, 8 daily, 5 minutes, 2 body


def test_fall_back_hour_is_read_in_order(tmp_path):
    """Local wall times of 2016-11-06 in Chicago: the repeated 1 o'clock hour, first CDT then CST."""
    a = Archive().csv("heartrate_seconds_merged.csv", "Id,Time,Value", [
        f"{P1},11/6/2016 1:59:55 AM,60", f"{P1},11/6/2016 1:00:00 AM,61", f"{P1},11/6/2016 2:00:00 AM,62"])
    with Vault(tmp_path / "v") as v:
        import_paths(v, [a.folder(tmp_path / "fb")], tz="America/Chicago")
        assert q(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1") == [
            (ms(datetime(2016, 11, 6, 6, 59, 55, tzinfo=ZoneInfo("UTC"))), -18000, 60),
            (ms(datetime(2016, 11, 6, 7, 0, 0, tzinfo=ZoneInfo("UTC"))), -21600, 61),
            (ms(datetime(2016, 11, 6, 8, 0, 0, tzinfo=ZoneInfo("UTC"))), -21600, 62)]


def test_blank_daily_columns_are_missing_not_zero(tmp_path):
    """fitvault's own export leaves what the vault lacks blank: a day with calories only keeps its
    calories and stores no steps or active minutes (and is no not-worn placeholder)."""
    a = Archive().csv("dailyActivity_merged.csv", DAILY_HEADER, [f"{P1},4/20/2016,,,,,,,,,,,,,1650.5"])
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [a.folder(tmp_path / "fb")], tz="America/Chicago")
        assert report.imported[0].dropped == {}
        assert q(v, "SELECT date, calories_kcal FROM daily_total_calories") == [("2016-04-20", 1650.5)]
        assert q(v, "SELECT count(*) FROM daily_steps") == q(v, "SELECT count(*) FROM active_minutes") == [(0,)]
