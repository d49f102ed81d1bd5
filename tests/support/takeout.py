"""Synthetic archives for the importer tests (and ``bench/import_archive.py``).

Small builders for the files of docs/facts/archives.md, with their quirks: values as strings,
``MM/DD/YY`` dates, sentinel rows, header-only CSVs, ``(DD)`` file names, duplicated sleep logs,
multi-part zips; the archive layouts several suites import (``takeout_fitbit``, ``google_health``)
and ``import_twice``, which asserts that a second import changes nothing.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from fitvault.importers import import_paths
from fitvault.store.vault import Vault
from support.heart_rows import heart_rate_sql

TAKEOUT = "Takeout/Fitbit"
GED = f"{TAKEOUT}/Global Export Data"


def mdy(dt: datetime) -> str:
    return dt.strftime("%m/%d/%y %H:%M:%S")


def utc_z(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


class Archive:
    """Files by path inside the archive; written as a zip, a folder, or a multi-part set."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, name: str, content: str | bytes | list | dict) -> Archive:
        if isinstance(content, (list, dict)):
            content = json.dumps(content, indent=1)
        self.files[name] = content.encode("utf-8") if isinstance(content, str) else content
        return self

    def csv(self, name: str, header: str, rows: list[str]) -> Archive:
        return self.add(name, "\n".join([header, *rows]) + "\n")

    def zip(self, path: Path, names: list[str] | None = None) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in names or sorted(self.files):
                zf.writestr(name, self.files[name])
        return path

    def parts(self, folder: Path, stem: str, n: int) -> list[Path]:
        names = sorted(self.files)
        return [self.zip(folder / f"{stem}-{i + 1:03d}.zip", names[i::n]) for i in range(n)]

    def folder(self, root: Path) -> Path:
        for name, content in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return root


# -- record builders -------------------------------------------------------------------------

def heart_json(start: datetime, bpms: list[int], step_s: int = 10, confidence: int = 2) -> list[dict]:
    return [{"dateTime": mdy(start + timedelta(seconds=i * step_s)), "value": {"bpm": b, "confidence": confidence}}
            for i, b in enumerate(bpms)]


def minutes_json(start: datetime, values: list[float | int | str]) -> list[dict]:
    return [{"dateTime": mdy(start + timedelta(minutes=i)), "value": str(v)} for i, v in enumerate(values)]


def sleep_log(log_id: int, start: datetime, minutes: int, *, main: bool = True, stages: bool = True) -> dict:
    """A Global Export sleep log: alternating light/deep/rem blocks of 30 min, a wake at the end."""
    end = start + timedelta(minutes=minutes)
    data, t = [], start
    cycle = ["light", "deep", "rem"] if stages else ["asleep", "restless"]
    i = 0
    while t < end - timedelta(minutes=10):
        level = cycle[i % len(cycle)]
        seconds = int(min(timedelta(minutes=30), end - timedelta(minutes=10) - t).total_seconds())
        data.append({"dateTime": t.strftime("%Y-%m-%dT%H:%M:%S.000"), "level": level, "seconds": seconds})
        t += timedelta(seconds=seconds)
        i += 1
    data.append({"dateTime": t.strftime("%Y-%m-%dT%H:%M:%S.000"), "level": "wake" if stages else "awake",
                 "seconds": 600})
    summary: dict[str, dict] = {}
    for d in data:
        s = summary.setdefault(d["level"], {"count": 0, "minutes": 0})
        s["count"] += 1
        s["minutes"] += d["seconds"] // 60
    short = [{"dateTime": (start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M:%S.000"), "level": "wake",
              "seconds": 60}] if stages else []
    awake = summary.get("wake" if stages else "awake", {}).get("minutes", 0)
    return {
        "logId": log_id, "dateOfSleep": end.date().isoformat(), "startTime": start.strftime("%Y-%m-%dT%H:%M:%S.000"),
        "endTime": end.strftime("%Y-%m-%dT%H:%M:%S.000"), "duration": minutes * 60000,
        "minutesToFallAsleep": 0, "minutesAsleep": minutes - awake, "minutesAwake": awake, "minutesAfterWakeup": 0,
        "timeInBed": minutes, "efficiency": 95, "type": "stages" if stages else "classic", "infoCode": 0,
        "logType": "auto_detected", "mainSleep": main,
        "levels": {"summary": summary, "data": data, **({"shortData": short} if stages else {})},
    }


# -- a whole synthetic Takeout, for the benchmark ----------------------------------------------

# A day-by-day writer of one archive, read top to bottom: complexity 19, grandfathered.
def scaled_takeout(  # noqa: C901
        folder: Path, days: int, *, start: date = date(2024, 1, 1), zone: str = "America/New_York",
        hr_step_s: int = 5, parts: int = 2) -> tuple[list[Path], dict[str, int]]:
    """A Takeout of ``days`` days: Global Export heart rate (one file a day), steps, calories and
    distance (30-day chunks, per minute), sleep (30-day chunks), resting heart rate; GoogleData
    heart rate (UTC) for the last 30 days. Returns the zip parts and record counts. Files are
    streamed into the zips, never held whole.

    Clocks as in every real vintage (docs/facts/archives.md#verified-on-real-exports): ``heart_rate-D.json``
    holds the local day D stamped in UTC (its first stamp is local midnight in UTC), steps and
    distance chunks are UTC too, calories and sleep are local wall time. A DST day has 23 or 25
    hours of samples. The GoogleData file repeats the heart-rate samples of its days exactly."""
    tz = ZoneInfo(zone)
    counts = {"heart_rate": 0, "minutes": 0, "sleep": 0, "google_hr": 0}
    paths = [folder / f"takeout-20260101T000000Z-{i + 1:03d}.zip" for i in range(parts)]
    zips = [zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) for p in paths]
    k = 0

    def put(name: str, chunks) -> None:
        nonlocal k
        zf = zips[k % parts]
        k += 1
        with zf.open(name, "w", force_zip64=True) as fh:
            for chunk in chunks:
                fh.write(chunk.encode("utf-8"))

    def local_midnight_utc(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(timezone.utc)

    origin = local_midnight_utc(start)

    def bpm_at(t: datetime) -> int:  # from the sample's index since the start: not periodic per day
        return 55 + (int((t - origin).total_seconds()) // hr_step_s * 7919) % 61

    def hr_samples(first_day: date, n_days: int):
        lo, hi = local_midnight_utc(first_day), local_midnight_utc(first_day + timedelta(days=n_days))
        for i in range(int((hi - lo).total_seconds()) // hr_step_s):
            t = lo + timedelta(seconds=i * hr_step_s)
            yield t, bpm_at(t)

    def day_hr(d: date):
        yield "["
        for i, (t, bpm) in enumerate(hr_samples(d, 1)):
            yield ("," if i else "") + json.dumps({"dateTime": mdy(t), "value": {"bpm": bpm, "confidence": 2}})
            counts["heart_rate"] += 1
        yield "]"

    for i in range(days):
        d = start + timedelta(days=i)
        put(f"{GED}/heart_rate-{d.isoformat()}.json", day_hr(d))
    for chunk_start in range(0, days, 30):
        d0 = start + timedelta(days=chunk_start)
        n_days = min(30, days - chunk_start)
        for family, value, utc in (("steps", lambda j: (j * 31) % 120, True),
                                   ("calories", lambda j: 1.1 + (j % 7) / 10, False),
                                   ("distance", lambda j: (j * 31) % 120 * 70.0, True)):
            def gen(family=family, value=value, utc=utc, d0=d0, n_days=n_days):
                if utc:
                    first = local_midnight_utc(d0)
                    n = int((local_midnight_utc(d0 + timedelta(days=n_days)) - first).total_seconds()) // 60
                else:
                    first, n = datetime(d0.year, d0.month, d0.day), n_days * 1440
                yield "["
                for j in range(n):
                    yield ("," if j else "") + json.dumps({"dateTime": mdy(first + timedelta(minutes=j)),
                                                          "value": str(value(j))})
                counts["minutes"] += n
                yield "]"
            put(f"{GED}/{family}-{d0.isoformat()}.json", gen())
        logs = []
        for j in range(n_days):
            night = datetime(d0.year, d0.month, d0.day) + timedelta(days=j, hours=23)
            logs.append(sleep_log(10_000 + chunk_start + j, night, 450))
        counts["sleep"] += len(logs)
        put(f"{GED}/sleep-{d0.isoformat()}.json", iter([json.dumps(logs)]))
        put(f"{GED}/resting_heart_rate-{d0.isoformat()}.json", iter([json.dumps([
            {"dateTime": mdy(datetime(d0.year, d0.month, d0.day) + timedelta(days=j)),
             "value": {"date": mdy(datetime(d0.year, d0.month, d0.day) + timedelta(days=j))[:8],
                       "value": 55.2 + j % 5, "error": 6.1}} for j in range(n_days)])]))
    last = start + timedelta(days=max(days - 30, 0))

    def google_hr():
        yield "timestamp,beats per minute,data source\n"
        for t, bpm in hr_samples(last, min(days, 30)):
            yield f"{utc_z(t)},{bpm},Charge 6\n"
            counts["google_hr"] += 1

    put(f"Takeout/Google Health/Physical Activity_GoogleData/Heart Rate/heart_rate_{last.isoformat()}.csv", google_hr())
    for zf in zips:
        zf.close()
    return paths, counts


# -- importing and re-importing ---------------------------------------------------------------

def rows(v: Vault, sql: str, *params) -> list[tuple]:
    return heart_rate_sql(v.conn, sql, params).fetchall()  # heart_rate: day blocks, read as rows


def origins_of(v: Vault, table: str) -> set[str]:
    return {r[0] for r in rows(v, f"SELECT DISTINCT s.origin FROM {table} t JOIN sources s ON s.id = t.source_id")}


def import_twice(v: Vault, paths, **kw):
    first = import_paths(v, paths, **kw)
    tables = [r[0] for r in rows(v, "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'account'")]
    before = {t: rows(v, f"SELECT * FROM {t}") for t in tables}
    second = import_paths(v, paths, **kw)
    assert second.changed == 0, [(f.path, f.changed) for f in second.files if f.changed]
    assert {t: rows(v, f"SELECT * FROM {t}") for t in tables} == before
    return first


def takeout_fitbit() -> Archive:
    a = Archive()
    d0 = datetime(2024, 7, 20)
    a.add(f"{GED}/heart_rate-2024-07-21.json", heart_json(datetime(2024, 7, 21, 12, 0), [80, 81, 0]))
    a.add(f"{GED}/weight-2024-07-01.json", [
        {"logId": 1721606399000, "weight": 159.6, "bmi": 23.57, "date": "07/21/24", "time": "23:59:59", "source": "Aria"},
        {"logId": 1721692799000, "weight": 72.1, "bmi": 23.5, "fat": 18.2, "date": "07/22/24", "time": "07:30:00",
         "source": "API"},
    ])
    a.add(f"{GED}/exercise-0.json", [{
        "logId": 555, "activityName": "Walk", "activityTypeId": 90013, "averageHeartRate": 101, "calories": 130,
        "duration": 1_800_000, "activeDuration": 1_740_000, "steps": 3100, "distance": 2.4, "distanceUnit": "Kilometer",
        "startTime": "07/21/24 09:15:00", "hasGps": False, "activeZoneMinutes": {"totalMinutes": 12},
        "logType": "auto_detected", "lastModified": "2024-07-21T09:50:00.000Z"}])
    a.add(f"{GED}/demographic_vo2_max-2024-07-01.json", [
        {"dateTime": "07/21/24 00:00:00", "value": {"demographicVO2Max": 44.1, "demographicVO2MaxError": 3.0,
                                                    "filteredDemographicVO2Max": 44.3, "filteredDemographicVO2MaxError": 0.5}}])
    for family, values in (("sedentary_minutes", ["700", "1440"]), ("lightly_active_minutes", ["200", "0"]),
                           ("moderately_active_minutes", ["30", "0"]), ("very_active_minutes", ["20", "0"])):
        a.add(f"{GED}/{family}-2024-07-20.json",
              [{"dateTime": mdy(d0 + timedelta(days=i)), "value": v} for i, v in enumerate(values)])
    # UTC stamps: 23:58 and 23:59 EDT on the 20th, 00:00 EDT on the 21st
    a.add(f"{GED}/distance-2024-07-20.json", minutes_json(datetime(2024, 7, 21, 3, 58), ["100.0", "250.5", "50"]))
    a.add(f"{GED}/calories-2024-07-20.json", minutes_json(datetime(2024, 7, 20, 23, 59), ["1.25", "1.5"]))
    a.add(f"{GED}/altitude-2024-07-20.json", minutes_json(datetime(2024, 7, 20, 10, 0), ["10"]))
    hrv = "Takeout/Fitbit/Heart Rate Variability"
    a.csv(f"{hrv}/Heart Rate Variability Details - 2024-07-21.csv", "timestamp,rmssd,coverage,low_frequency,high_frequency",
          ["2024-07-21T03:15:00,26.617,0.935,471.897,126.514", "2024-07-21T03:20:00,,,,"])
    a.csv(f"{hrv}/Daily Heart Rate Variability Summary - 2024-07-(21).csv", "timestamp,rmssd,nremhr,entropy",
          ["2024-07-21T00:00:00,34.9,58.4,2.1"])
    a.csv(f"{hrv}/Daily Heart Rate Variability Summary - 2024-07-.csv", "timestamp,rmssd,nremhr,entropy", [])
    a.csv(f"{hrv}/Daily Respiratory Rate Summary - 2024-07-21.csv", "timestamp,daily_respiratory_rate",
          ["2024-07-21T00:00:00,15.8"])
    a.csv(f"{hrv}/Respiratory Rate Summary - 2024-07-21.csv",
          "timestamp,full_sleep_breathing_rate,full_sleep_standard_deviation,full_sleep_signal_to_noise,"
          "deep_sleep_breathing_rate,deep_sleep_standard_deviation,deep_sleep_signal_to_noise,light_sleep_breathing_rate,"
          "light_sleep_standard_deviation,light_sleep_signal_to_noise,rem_sleep_breathing_rate,rem_sleep_standard_deviation,"
          "rem_sleep_signal_to_noise",
          ["2024-07-21T06:40:00,15.8,1.1,20.5,14.8,,,15.6,,,16.0,,"])
    a.csv(f"{hrv}/Heart Rate Variability Histogram - 2024-07-21.csv", "timestamp,bucket_values", ['2024-07-21,"[0.1,0.2]"'])
    spo2 = "Takeout/Fitbit/Oxygen Saturation (SpO2)"
    a.csv(f"{spo2}/Minute SpO2 - 2024-07-21.csv", "timestamp,value",
          ["2024-07-21T08:32:09Z,95.7", "2024-07-21T08:33:09Z,50.0", "2024-07-21T08:34:09Z,96"])
    a.csv(f"{spo2}/Daily SpO2 - 2024-07-21-2024-07-22.csv", "timestamp,average_value,lower_bound,upper_bound",
          ["2024-07-21T00:00:00Z,95.7,92.1,99.0"])
    a.csv("Takeout/Fitbit/Temperature/Computed Temperature - 2024-07-21.csv",
          "type,sleep_start,sleep_end,temperature_samples,nightly_temperature,baseline_relative_sample_sum,"
          "baseline_relative_sample_sum_of_squares,baseline_relative_nightly_standard_deviation,"
          "baseline_relative_sample_standard_deviation",
          ["SKIN,2024-07-20T23:10,2024-07-21T06:40,100,34.5,-30.0,12.0,0.4,0.3"])
    a.csv("Takeout/Fitbit/Active Zone Minutes (AZM)/Active Zone Minutes - 2024-07-21.csv",
          "date_time,heart_zone_id,total_minutes", ["2024-07-21T09:20,FAT_BURN,1", "2024-07-21T09:21,CARDIO,2"])
    a.csv("Takeout/Fitbit/Sleep Score/sleep_score.csv",
          "sleep_log_entry_id,timestamp,overall_score,composition_score,revitalization_score,duration_score,"
          "deep_sleep_in_minutes,resting_heart_rate,restlessness", [])  # header only
    a.csv("Takeout/Fitbit/Stress Score/Stress Score.csv", "DATE,UPDATED_AT,STRESS_SCORE", [])
    a.add("Takeout/Fitbit/Paired Devices/Devices.csv", "id,name\n1,Charge 6\n")
    a.add("Takeout/archive_browser.html", "<html></html>")
    return a


def google_health(per_family: bool) -> Archive:
    base = "Takeout/Google Health/Physical Activity_GoogleData"
    sub = (lambda title: f"{base}/{title}/") if per_family else (lambda title: f"{base}/")
    a = Archive()
    a.csv(f"{sub('Heart Rate')}heart_rate_2026-10-01.csv", "timestamp,beats per minute,data source",
          ["2026-10-01T12:00:05Z,61,Pixel Watch", "2026-10-01T12:00:10.500Z,62.0,Pixel Watch", "2026-10-01T12:00:15Z,,Pixel Watch"])
    a.csv(f"{sub('Steps')}steps_2026-10-01.csv", "timestamp,steps,data source",
          ["2026-10-01T12:00:00.000Z,80,Pixel Watch", "2026-10-01T12:00:00.000Z,75,MobileTrack",
           "2026-10-01T12:01:00.000Z,0,Pixel Watch"])
    a.csv(f"{sub('Distance')}distance_2026-10-01.csv", "timestamp,distance,data source",
          ["2026-10-01T12:00:00Z,60.5,Pixel Watch", "2026-10-01T12:01:00Z,40,Pixel Watch", "2026-10-01T12:00:00Z,55,MobileTrack"])
    a.csv(f"{sub('Active Zone Minutes')}active_zone_minutes_2026-10-01.csv",
          "timestamp,heart rate zone,total minutes,data source",
          ["1970-01-01T00:00:00Z,fat_burn,1,Pixel Watch", "2026-10-01T12:05:00Z,cardio,2,Pixel Watch"])
    a.csv(f"{sub('Heart Rate Zones')}daily_heart_rate_zones.csv", "timestamp,heart rate zones,data source",
          ["1970-01-01T00:00:00Z,[{name=FAT_BURN, min=98}],Pixel Watch"])
    a.csv(f"{sub('Resting Heart Rate')}daily_resting_heart_rate.csv", "timestamp,beats per minute,data source",
          ["2026-10-01T00:00:00Z,54,Pixel Watch"])
    a.csv(f"{sub('Weight')}weight.csv", "timestamp,weight grams,data source", ["2026-10-01T06:30:00.123Z,72450,MANUAL"])
    a.csv(f"{sub('Oxygen Saturation')}oxygen_saturation_2026-10-01.csv", "timestamp,oxygen saturation percentage,data source",
          [])  # header only
    a.add(f"{base}/README.txt", "About these files")
    hfd = "Takeout/Google Health/Health Fitness Data_GoogleData"
    a.csv(f"{hfd}/UserSleeps_2026-10-01.csv",
          "sleep_id,sleep_type,minutes_in_sleep_period,minutes_after_wake_up,minutes_to_fall_asleep,minutes_asleep,"
          "minutes_awake,minutes_longest_awakening,minutes_to_persistent_sleep,start_utc_offset,sleep_start,end_utc_offset,"
          "sleep_end,data_source,algorithm_version,sleep_created,sleep_last_updated",
          # the 2026 vintage: true UTC written "+0000", the real offset in its column (docs/facts/archives.md#fact-5)
          ["7821966286120950001,STAGES,420,0,5,390,30,12,7,-04:00,2026-10-01 03:00:00+0000,-04:00,"
           "2026-10-01 10:00:00+0000,Pixel Watch,3,2026-10-01T10:05:00Z,2026-10-01T10:05:00Z"])
    a.csv(f"{hfd}/UserSleepStages_2026-10-01.csv",
          "sleep_id,sleep_stage_id,sleep_stage_type,start_utc_offset,sleep_stage_start,end_utc_offset,sleep_stage_end,"
          "data_source,algorithm_version,sleep_stage_created,sleep_stage_last_updated",
          ["7821966286120950001,1,LIGHT,-04:00,2026-10-01 03:00:00+0000,-04:00,2026-10-01 05:00:00+0000,Pixel Watch,3,,",
           "7821966286120950001,2,DEEP,-04:00,2026-10-01 05:00:00+0000,-04:00,2026-10-01 10:00:00+0000,Pixel Watch,3,,",
           "999,1,LIGHT,-04:00,2026-10-01 05:00:00+0000,-04:00,2026-10-01 06:00:00+0000,Pixel Watch,3,,"])
    a.csv(f"{hfd}/UserSleepScores_2026-10-01.csv", "sleep_id,sleep_score_id,overall_score", ["1,2,80"])
    a.csv("Takeout/Google Health/Commerce_GoogleData/Orders.csv", "id", ["1"])
    return a
