"""Time zones (docs/facts/archives.md#clocks, docs/facts/archives.md#verified-on-real-exports, facts 1–4): UTC and local sources cross-matched to
learn a family's clock and a travel day's offset; sleep scores are no evidence; the streaming
JSON reader."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from support.heart_rows import heart_rate_sql
from support.takeout import GED, Archive, mdy, ms, sleep_log, utc_z

from fitvault.importers import _text, import_paths
from fitvault.store.vault import Vault

NY, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
GD = "Takeout/Google Health/Physical Activity_GoogleData"


_RNG = random.Random(7)
_BPMS = [_RNG.randint(50, 140) for _ in range(2 * 24 * 60)]


@pytest.mark.slow
def test_clock_of_each_family_and_travel_days_are_inferred(tmp_path):
    """A day at home (New York) and a day in Tokyo. GoogleData holds the UTC truth; Global Export
    heart rate is local wall time (New York, then Tokyo), steps are UTC stamps (one real vintage)."""
    a = Archive()
    hr_rows, steps_rows = [], []
    walls: dict[str, list] = {"2026-07-01": [], "2026-07-03": []}
    for k, (day, zone) in enumerate((("2026-07-01", NY), ("2026-07-03", TOKYO))):
        local0 = datetime.fromisoformat(day).replace(tzinfo=zone)
        for i in range(0, 24 * 60, 2):  # a sample every two minutes, local midnight to midnight
            local = local0 + timedelta(minutes=i)
            bpm = _BPMS[k * 1440 + i]
            hr_rows.append(f"{utc_z(local)},{bpm},Charge 6")
            walls[day].append({"dateTime": mdy(local.replace(tzinfo=None)), "value": {"bpm": bpm, "confidence": 3}})
            if i % 30 == 0:
                steps_rows.append((local.astimezone(timezone.utc), 10 + i % 50))
    a.csv(f"{GD}/Heart Rate/heart_rate_2026-07-01.csv", "timestamp,beats per minute,data source", hr_rows)
    a.csv(f"{GD}/Steps/steps_2026-07-01.csv", "timestamp,steps,data source",
          [f"{utc_z(t)},{n},Charge 6" for t, n in steps_rows])
    for day, records in walls.items():
        a.add(f"{GED}/heart_rate-{day}.json", records)
    # steps in the Global Export of this vintage carry UTC stamps
    a.add(f"{GED}/steps-2026-07-01.json", [{"dateTime": mdy(t.replace(tzinfo=None)), "value": str(n)}
                                           for t, n in steps_rows])
    # a night ending in Tokyo: placed whole with the day's inferred offset
    a.add(f"{GED}/sleep-2026-07-01.json", [sleep_log(77, datetime(2026, 7, 2, 23, 30), 450)])
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert report.complete
        notes = " | ".join(report.notes)
        assert "Global Export steps: minute stamps matched the GoogleData CSV as UTC" in notes
        assert "Global Export heart_rate: minute stamps matched the GoogleData CSV as local time on 1 of 1" in notes
        assert "1 day(s) placed with an offset the data shows (travel): Global Export heart_rate matched against " \
               "GoogleData: 2026-07-03 .. 2026-07-03" in notes
        by_origin = {}
        for origin, t, off, bpm in heart_rate_sql(
                v.conn,
                "SELECT s.origin, h.time_ms, h.utc_offset_s, h.bpm FROM heart_rate h JOIN sources s ON s.id = h.source_id"):
            by_origin.setdefault(origin, set()).add((t, off, bpm))
        # the Global Export rows land exactly on the GoogleData instants, with New York or Tokyo offsets
        assert by_origin["takeout-global-export"] == {(t, off, bpm) for t, off, bpm in by_origin["takeout-google-data"]}
        assert {off for _t, off, _b in by_origin["takeout-global-export"]} == {-14400, 32400}
        steps = v.conn.execute("SELECT s.origin, t.start_ms, t.start_offset_s, t.count FROM steps t "
                               "JOIN sources s ON s.id = t.source_id ORDER BY 2, 1").fetchall()
        ge = [r[1:] for r in steps if r[0] == "takeout-global-export"]
        gd = [r[1:] for r in steps if r[0] == "takeout-google-data"]
        assert ge == gd and len(ge) == len(steps_rows)
        start, off = v.conn.execute("SELECT start_ms, start_offset_s FROM sleep_sessions").fetchone()
        assert (start, off) == (ms(datetime(2026, 7, 2, 23, 30, tzinfo=TOKYO)), 32400)


def test_sleep_score_timestamps_are_local_end_times_and_invent_no_travel(tmp_path):
    """sleep_score.csv's timestamp is the log's local end with a Z added (docs/facts/archives.md#fact-1): read
    as UTC it would put a New York night at UTC+0. It is ignored; the zone places the nights."""
    a = Archive()
    a.add(f"{GED}/sleep-2026-08-01.json", [sleep_log(31, datetime(2026, 8, 9, 23, 50), 430),
                                           sleep_log(32, datetime(2026, 8, 11, 23, 0), 420)])
    a.csv("Takeout/Fitbit/Sleep Score/sleep_score.csv", "sleep_log_entry_id,timestamp,overall_score",
          ["31,2026-08-10T07:00:00Z,81", "32,2026-08-12T06:00:00Z,79"])  # the logs' local ends + Z
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert report.complete
        got = v.conn.execute("SELECT id, start_ms, start_offset_s, end_offset_s, date FROM sleep_sessions ORDER BY id").fetchall()
        assert got == [
            ("31", ms(datetime(2026, 8, 9, 23, 50, tzinfo=NY)), -14400, -14400, "2026-08-10"),
            ("32", ms(datetime(2026, 8, 11, 23, 0, tzinfo=NY)), -14400, -14400, "2026-08-12"),
        ]
        assert v.conn.execute("SELECT DISTINCT start_offset_s FROM sleep_stages").fetchall() == [(-14400,)]
        assert not any("travel" in n for n in report.notes)
        assert [f.reason for f in report.ignored] == ["sleep scores (no vault table)"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_json_elements_across_chunk_boundaries(monkeypatch, chunk):
    monkeypatch.setattr(_text, "CHUNK_CHARS", chunk)
    records = [{"a": 1234567, "b": "x, ] y"}, 3.25, [1, [2, {"c": None}]], "s", -17, True, {}]
    text = "\n [ " + ",\n".join(json.dumps(r) for r in records) + " ] \n"
    assert list(_text.json_elements(io.StringIO(text))) == records
    assert list(_text.json_elements(io.StringIO('{"sleep": [1, 2]}'))) == [{"sleep": [1, 2]}]
    assert list(_text.json_elements(io.StringIO("  "))) == []
    assert list(_text.json_elements(io.StringIO("[]"))) == []
    with pytest.raises(_text.FileProblem, match="not closed"):
        list(_text.json_elements(io.StringIO('[{"a": 1}, {"b": 2}')))
    with pytest.raises(_text.FileProblem, match="not valid JSON"):
        list(_text.json_elements(io.StringIO('[{"a": 1} {"b": 2}]')))


def test_global_export_heart_rate_is_utc_across_a_dst_change(tmp_path):
    """The day file of 2024-03-10 (New York) starts at local midnight read as UTC (05:00); its UTC
    stamps run through the spring-forward change without a gap or a collision."""
    start = datetime(2024, 3, 10, 5, 0)
    a = Archive().add(f"{GED}/heart_rate-2024-03-10.json",  # 00:00 .. 03:59 local, every minute
                      [{"dateTime": mdy(start + timedelta(minutes=i)), "value": {"bpm": 60 + i % 40, "confidence": 2}}
                       for i in range(180)])
    with Vault(tmp_path / "v") as v:
        first = import_paths(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert first.imported[0].dropped == {}
        assert "Global Export heart_rate: read as UTC: 1 of 1 file(s) begin at local midnight read as UTC" \
            in " | ".join(first.notes)
        got = heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s FROM heart_rate ORDER BY 1").fetchall()
        t0 = ms(start.replace(tzinfo=timezone.utc))
        assert got == [(t0 + i * 60_000, -18000 if i < 120 else -14400) for i in range(180)]
        assert import_paths(v, [tmp_path / "t.zip"]).changed == 0


def test_travel_shown_by_heart_rate_day_files_and_none_invented_at_home(tmp_path):
    """UTC day files start at the local midnight where the person was (docs/facts/archives.md#fact-13): New York,
    three days in Tokyo, New York again. A lone odd start (a tracker put on at 07:30:02) is no trip."""
    plan = [("2026-07-01", NY), ("2026-07-02", NY), ("2026-07-03", TOKYO), ("2026-07-04", TOKYO),
            ("2026-07-05", TOKYO), ("2026-07-06", NY)]
    a = Archive()
    for day, zone in plan:
        midnight = datetime.fromisoformat(day).replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
        a.add(f"{GED}/heart_rate-{day}.json", [{"dateTime": mdy(midnight + timedelta(seconds=5 + 60 * i)),
                                                "value": {"bpm": 60, "confidence": 2}} for i in range(3)])
    late = datetime(2026, 7, 7, 11, 30, 2)  # 07:30:02 EDT: put on in the morning, on a quarter hour
    a.add(f"{GED}/heart_rate-2026-07-07.json", [{"dateTime": mdy(late), "value": {"bpm": 70, "confidence": 2}}])
    a.add(f"{GED}/sleep-2026-07-01.json", [sleep_log(41, datetime(2026, 7, 3, 23, 0), 420),    # in Tokyo
                                           sleep_log(42, datetime(2026, 7, 6, 23, 0), 420)])   # home again
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [a.zip(tmp_path / "t.zip")], tz="America/New_York")
        assert report.complete
        assert "3 day(s) placed with an offset the data shows (travel): heart-rate day file starts at that local " \
               "midnight: 2026-07-03 .. 2026-07-05" in " | ".join(report.notes)
        offsets = dict(heart_rate_sql(v.conn, "SELECT date(time_ms / 1000 + utc_offset_s, 'unixepoch'), "
                                              "min(utc_offset_s) FROM heart_rate GROUP BY 1").fetchall())
        assert offsets == {"2026-07-01": -14400, "2026-07-02": -14400, "2026-07-03": 32400, "2026-07-04": 32400,
                           "2026-07-05": 32400, "2026-07-06": -14400, "2026-07-07": -14400}
        assert v.conn.execute("SELECT id, start_ms, start_offset_s FROM sleep_sessions ORDER BY id").fetchall() == [
            ("41", ms(datetime(2026, 7, 3, 23, 0, tzinfo=TOKYO)), 32400),
            ("42", ms(datetime(2026, 7, 6, 23, 0, tzinfo=NY)), -14400)]
