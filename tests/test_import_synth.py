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
    heart rate and steps (monthly, UTC) for the last 30 days. Returns the zip parts and record
    counts. Files are streamed into the zips, never held whole."""
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

    def day_hr(d: date):
        yield "["
        n = 86400 // hr_step_s
        first = (d - start).days * n
        for i in range(n):
            t = datetime(d.year, d.month, d.day) + timedelta(seconds=i * hr_step_s)
            bpm = 55 + ((first + i) * 7919) % 61  # the sample's index since the start: not periodic per day
            yield ("," if i else "") + json.dumps({"dateTime": mdy(t), "value": {"bpm": bpm, "confidence": 2}})
        counts["heart_rate"] += n
        yield "]"

    for i in range(days):
        d = start + timedelta(days=i)
        put(f"{GED}/heart_rate-{d.isoformat()}.json", day_hr(d))
    for chunk_start in range(0, days, 30):
        d0 = start + timedelta(days=chunk_start)
        n_days = min(30, days - chunk_start)
        for family, value in (("steps", lambda j: (j * 31) % 120), ("calories", lambda j: 1.1 + (j % 7) / 10),
                              ("distance", lambda j: (j * 31) % 120 * 70.0)):
            def gen(family=family, value=value, d0=d0, n_days=n_days):
                yield "["
                for j in range(n_days * 1440):
                    t = datetime(d0.year, d0.month, d0.day) + timedelta(minutes=j)
                    yield ("," if j else "") + json.dumps({"dateTime": mdy(t), "value": str(value(j))})
                counts["minutes"] += n_days * 1440
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
        for j in range(min(days, 30) * 86400 // hr_step_s):
            local = datetime(last.year, last.month, last.day) + timedelta(seconds=j * hr_step_s)
            bpm = 55 + (((local - datetime(start.year, start.month, start.day)).total_seconds() // hr_step_s)
                        * 7919) % 61
            aware = local.replace(tzinfo=tz)
            if aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != local:
                continue  # a wall time in a spring-forward gap: a real UTC source has no such record
            yield f"{utc_z(aware)},{int(bpm)},Charge 6\n"
            counts["google_hr"] += 1

    put(f"Takeout/Google Health/Physical Activity_GoogleData/Heart Rate/heart_rate_{last.isoformat()}.csv", google_hr())
    for zf in zips:
        zf.close()
    return paths, counts
