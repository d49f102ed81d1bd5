"""The seed tutorials' files: heartYYYYMMDD.csv, sleepYYYYMMDD.csv, data frames; DST; and a
round trip through `fitvault export csv --per-day`."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from support.heart_rows import heart_rate_sql
from support.takeout import Archive, ms

from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.export import export_per_day
from fitvault.importers import import_paths
from fitvault.store.vault import Vault

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")


def rows(v: Vault, sql: str, *params) -> list[tuple]:
    return heart_rate_sql(v.conn, sql, params).fetchall()  # heart_rate: day blocks, read as rows


def _sleep_minutes(start: datetime, states: list[int]) -> list[str]:
    labels = {1: "Asleep", 2: "Awake", 3: "Very Awake"}
    return [f"{(start + timedelta(minutes=i)).strftime('%H:%M:%S')},{s},{labels[s]}" for i, s in enumerate(states)]


def test_tutorial_folder(tmp_path):
    a = Archive()
    a.csv("Heart/heart20191021.csv", "Time,Heart Rate", ["00:00:00,64", "00:00:10,63.0", "23:59:50,70", "12:00:00,0"])
    states = [3, 3] + [1] * 80 + [2] * 5 + [3] * 3
    a.csv("Sleep/sleep20191022.csv", "Time,State,Interpreted", _sleep_minutes(datetime(2019, 10, 21, 23, 16, 30), states))
    a.csv("all_intradata.csv", "time,value,date", ["08:00:00,58,2019-10-23", "08:00:05,59,2019-10-23",
                                                   "09:30:00,90,2019-10-24"])
    a.csv("2019-10-25_intradata.csv", "time,value", ["10:00:00,61"])
    a.csv("final_sleep_df.csv", "dateTime,date,value", ["23:58:00,2019-10-26,1", "23:59:00,2019-10-26,1",
                                                        "00:00:00,2019-10-26,2"])
    a.csv("notes.csv", "a,b", ["1,2"])
    root = a.folder(tmp_path / "fitbit")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [root], tz="America/Los_Angeles")
        assert report.complete  # a CSV of another kind is not an error: ignored, with the reason
        assert [(f.path, f.reason) for f in report.ignored] == [
            ("fitbit/notes.csv", "a CSV that is not a tutorial data frame (no time/value columns)")]
        at = lambda *a: ms(datetime(*a, tzinfo=LA))  # noqa: E731
        assert rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1") == [
            (at(2019, 10, 21, 0, 0, 0), -25200, 64), (at(2019, 10, 21, 0, 0, 10), -25200, 63),
            (at(2019, 10, 21, 23, 59, 50), -25200, 70), (at(2019, 10, 23, 8, 0), -25200, 58),
            (at(2019, 10, 23, 8, 0, 5), -25200, 59), (at(2019, 10, 24, 9, 30), -25200, 90),
            (at(2019, 10, 25, 10, 0), -25200, 61)]
        start = at(2019, 10, 21, 23, 16, 30)
        sessions = rows(v, "SELECT id, start_ms, end_ms, date, sleep_type, main_sleep, minutes_in_sleep_period, "
                           "minutes_asleep, minutes_awake FROM sleep_sessions ORDER BY start_ms")
        assert sessions[0] == (f"tutorial-{start}", start, start + 90 * 60_000, "2019-10-22", "CLASSIC", 1, 90, 80, 10)
        minute = 60_000
        assert rows(v, "SELECT start_ms, end_ms, stage FROM sleep_stages WHERE session_id = ? ORDER BY start_ms",
                    sessions[0][0]) == [
            (start, start + 2 * minute, "AWAKE"), (start + 2 * minute, start + 82 * minute, "ASLEEP"),
            (start + 82 * minute, start + 87 * minute, "RESTLESS"), (start + 87 * minute, start + 90 * minute, "AWAKE")]
        assert rows(v, "SELECT stage, minutes, count FROM sleep_stage_summary WHERE session_id = ? ORDER BY stage",
                    sessions[0][0]) == [("ASLEEP", 80, 1), ("AWAKE", 5, 2), ("RESTLESS", 5, 1)]
        # the multi-day sleep frame: a night of the 26th from 23:58 on the 25th
        assert sessions[1][1:4] == (at(2019, 10, 25, 23, 58), at(2019, 10, 26, 0, 1), "2019-10-26")
        assert {r[0] for r in rows(v, "SELECT DISTINCT s.origin FROM sources s")} == {"tutorial-csv"}


def test_dst_fall_back_and_spring_forward(tmp_path):
    a = Archive()
    # 2019-11-03 New York: 01:00-01:59 happens twice (EDT, then EST)
    a.csv("heart20191103.csv", "Time,Heart Rate", ["00:59:50,60", "01:30:00,61", "01:59:50,62", "01:00:00,63",
                                                    "01:30:00,64", "02:00:00,65"])
    # 2019-03-10 New York: 02:00-02:59 does not exist
    # ... and 02:30 lands on the instant of 03:30: the first of the two is kept
    a.csv("heart20190310.csv", "Time,Heart Rate", ["01:59:00,70", "02:30:00,71", "03:00:00,72", "03:30:00,73"])
    folder = a.folder(tmp_path / "f")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [folder], tz="America/New_York")
        assert report.complete
        assert sum((Counter(f.dropped) for f in report.imported), Counter()) == {
            "same instant as an earlier record (a wall time the clock skipped)": 1}
        assert import_paths(v, [folder]).changed == 0
        utc = lambda *a: ms(datetime(*a, tzinfo=timezone.utc))  # noqa: E731
        assert rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate WHERE bpm < 70 ORDER BY time_ms") == [
            (utc(2019, 11, 3, 4, 59, 50), -14400, 60), (utc(2019, 11, 3, 5, 30), -14400, 61),
            (utc(2019, 11, 3, 5, 59, 50), -14400, 62), (utc(2019, 11, 3, 6, 0), -18000, 63),
            (utc(2019, 11, 3, 6, 30), -18000, 64), (utc(2019, 11, 3, 7, 0), -18000, 65)]
        # 02:30 does not exist: read with the offset before the gap (EST), stored with the one in force
        assert rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate WHERE bpm >= 70 ORDER BY time_ms") == [
            (utc(2019, 3, 10, 6, 59), -18000, 70), (utc(2019, 3, 10, 7, 0), -14400, 72),
            (utc(2019, 3, 10, 7, 30), -14400, 71)]


def test_per_day_export_imports_back(tmp_path):
    """`fitvault export csv --per-day` writes the tutorial's layout; importing it gives back the
    heart rate exactly and each night's sleep as a classic session of the same span."""
    night = datetime(2026, 2, 14, 23, 10, tzinfo=NY)
    start = ms(night)
    with Vault(tmp_path / "api") as v:
        v.set_account(time_zone="America/New_York")
        with v.transaction() as conn:
            src = lambda key: v.source_id(key)  # noqa: E731
            key = ("FITBIT", "Charge 6", "Google", "FITNESS_BAND", "AUTOMATIC", "")
            STREAMS_BY_NAME["heart-rate"].save(conn, [(start + i * 7_000, key, -18000, 60 + i % 9) for i in range(50)], src)
            stages = [("stage", start, -18000, start + 30 * 60_000, -18000, "LIGHT"),
                      ("stage", start + 30 * 60_000, -18000, start + 400 * 60_000, -18000, "DEEP"),
                      ("stage", start + 400 * 60_000, -18000, start + 420 * 60_000, -18000, "AWAKE")]
            session = ("777", key, start, -18000, start + 420 * 60_000, -18000, "STAGES", 1, 0, 1, "SUCCEEDED", 0,
                       420, 400, 20, 0, 0, None, None)
            STREAMS_BY_NAME["sleep"].save(conn, [(session, stages, [], date(2026, 2, 14))], src)
        api_hr = rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1")
    export_per_day(tmp_path / "api", tmp_path / "out", types="heart-rate,sleep")
    with Vault(tmp_path / "back") as v:
        report = import_paths(v, [tmp_path / "out"], tz="America/New_York")
        assert report.complete and report.changed
        assert rows(v, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate ORDER BY 1") == api_hr
        assert rows(v, "SELECT start_ms, end_ms, date, sleep_type, minutes_asleep, minutes_awake FROM sleep_sessions") == [
            (start, start + 420 * 60_000, "2026-02-15", "CLASSIC", 400, 20)]
        assert [r[0] for r in rows(v, "SELECT stage FROM sleep_stages ORDER BY start_ms")] == ["ASLEEP", "AWAKE"]
