"""``exercise-N.json``: activity logs, 100 per file (docs/facts/archives.md#global-export-json).

An activity log becomes an ``exercises`` row (id = its ``logId``): start, end (start + ``duration``),
``activityName`` as the display name and a type (``Walk`` → ``WALKING`` ...), active duration,
calories, steps, distance, average heart rate, zone minutes and the GPS flag. Splits, events and
routes are not in the export.

``startTime`` ``MM/DD/YY HH:MM:SS`` is **UTC**, not local time (docs/facts/archives.md#fact-4: each log's
``averageHeartRate`` matches the heart rate of its window read as UTC in 5 of 5 logs of a 2026
Takeout, 105 of 106 of a 2016 account archive, and 74 of 74 / 698 of 706 in the issue #13
report; GoogleData ``UserExercises.exercise_start`` is the same instant). The offset stored is
the zone's at that instant (or a travel day's). API-shaped logs with an ISO 8601 offset are used
as given; an ISO time without a zone is read as UTC like the export's own format.
"""

from __future__ import annotations

from datetime import date

from fitvault import timeutil
from fitvault.importers._base import Job
from fitvault.importers._clock import date_text, parse_mdy
from fitvault.importers.global_export._logs import read_logs
from fitvault.timeutil import DAY_MS, parse_iso_wall

TYPES = {
    "walk": "WALKING", "run": "RUNNING", "bike": "BIKING", "outdoor bike": "BIKING", "hike": "HIKING",
    "swim": "SWIMMING", "yoga": "YOGA", "treadmill": "TREADMILL", "elliptical": "ELLIPTICAL",
    "weights": "WEIGHTLIFTING", "workout": "WORKOUT", "sport": "SPORT", "aerobic workout": "AEROBIC_WORKOUT",
    "spinning": "SPINNING", "tennis": "TENNIS", "golf": "GOLF", "interval workout": "INTERVAL_TRAINING",
}
_DISTANCE_MM = {"kilometer": 1e6, "kilometers": 1e6, "km": 1e6, "mile": 1_609_344.0, "miles": 1_609_344.0,
                "meter": 1e3, "meters": 1e3, "m": 1e3}


def exercise_type(name: str | None) -> str | None:
    if not name:
        return None
    return TYPES.get(name.strip().lower(), name.strip().upper().replace(" ", "_"))


def _num(value) -> float | None:
    return None if value is None or value == "" else float(value)


def read_exercise(job: Job) -> None:
    read_logs(job, "exercises", "activity log", _log)


def _log(job: Job, rec: dict) -> tuple | None:
    log_id = str(int(rec["logId"]))
    if not job.first_time("exercise:" + log_id, "activity log repeated (stored once)"):
        return None
    text = str(rec["startTime"]).strip()
    if "T" in text and (text.endswith("Z") or text[-6] in "+-"):
        start = timeutil.parse_instant_ms(text)
        start_off = (parse_iso_wall(text[:19]) - start + start % 1000) // 1000
    else:
        start = parse_mdy(text) if "/" in text else parse_iso_wall(text)
        start_off = job.clock.instant(start)
    duration_ms = int(float(rec.get("duration") or rec.get("originalDuration") or 0))
    end = start + max(duration_ms, 0)
    end_off = job.clock.instant(end) if job.clock.zone.offset_at(end) != job.clock.zone.offset_at(start) \
        else start_off
    distance = _num(rec.get("distance"))
    if distance is not None:
        distance *= _DISTANCE_MM.get(str(rec.get("distanceUnit") or "kilometer").lower(), 1e6)
    azm = rec.get("activeZoneMinutes") or {}
    active = _num(rec.get("activeDuration"))
    session = (
        log_id, job.source, start, start_off, end, end_off, exercise_type(rec.get("activityName")),
        rec.get("activityName"), None if active is None else active / 1000.0,
        _num(rec.get("calories")), distance, None if rec.get("steps") is None else int(rec["steps"]), None, None,
        None if rec.get("averageHeartRate") is None else int(rec["averageHeartRate"]),
        None if azm.get("totalMinutes") is None else int(azm["totalMinutes"]), None, None, None,
        None, None, None, None, int(bool(rec.get("hasGps"))), None, None, None, rec.get("lastModified"),
    )
    start_day = date.fromisoformat(date_text((start + start_off * 1000) // DAY_MS))
    return (session, [], [], start_day)
