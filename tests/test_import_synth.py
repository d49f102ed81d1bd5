"""Synthetic archives for the importer tests (and ``bench/import_archive.py``).

Small builders for the files of reference §4.1–4.3, with their quirks: values as strings,
``MM/DD/YY`` dates, sentinel rows, header-only CSVs, ``(DD)`` file names, duplicated sleep logs,
multi-part zips. Nothing here is a test; the module is named ``test_import_*`` so it may live
beside the tests that import it.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

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

def scaled_takeout(folder: Path, days: int, *, start: date = date(2024, 1, 1), zone: str = "America/New_York",
                   hr_step_s: int = 5, parts: int = 2) -> tuple[list[Path], dict[str, int]]:
    """A Takeout of ``days`` days: Global Export heart rate (one file a day), steps, calories and
    distance (30-day chunks, per minute), sleep (30-day chunks), resting heart rate; GoogleData
    heart rate (UTC) for the last 30 days. Returns the zip parts and record counts. Files are
    streamed into the zips, never held whole.

    Clocks as in every real vintage (fitbit-legacy-and-takeout.md §4.5): ``heart_rate-D.json``
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
