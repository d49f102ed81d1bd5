"""Activity logs (exercises): ``/1/user/-/activities/list.json``, walked newest first.
See docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits, docs/facts/fitbit-legacy-api.md#response-shapes::

    GET /1/user/-/activities/list.json?beforeDate=2024-03-02&sort=desc&offset=0&limit=100
    {"activities": [{"logId": 29017505997, "activityName": "Run", "startTime": "2020-02-18T11:16:47.000-06:00",
      "duration": 2166000, "activeDuration": 2166000, "calories": 236, "steps": 1271, "distance": 3.2,
      "distanceUnit": "Kilometer", "averageHeartRate": 132, "logType": "auto_detected", ...}],
     "pagination": {"beforeDate": "2024-03-02", "limit": 100, "next": "<url>", "offset": 0, "sort": "desc"}}

``limit`` is at most 100; the walk follows ``pagination.next`` (only its query is used: the
token is never sent to a host named in a response). Unlike every other legacy time,
``startTime`` carries its offset, so exercises are exact even when travelling. The end is start
+ ``duration``; its offset is the zone's at the end when the start offset is the zone's (home),
else the start's (away). Into ``exercises`` with id = ``logId``; the type comes from the
activity name (``Run`` → ``RUNNING`` ...). Splits, events and GPS routes are not in the list.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fitvault.datatypes.base import ParsedPage, plausible
from fitvault.datatypes.exercise import COLUMNS, Exercise
from fitvault.sources.fitbit.base import FitbitStream, Request, collect, dates_of, device_source, zone_of
from fitvault.timeutil import local_date

_TYPES = {
    "run": "RUNNING", "treadmill": "RUNNING", "walk": "WALKING", "hike": "HIKING", "outdoor bike": "BIKING",
    "bike": "BIKING", "spinning": "BIKING", "swim": "SWIMMING", "yoga": "YOGA", "weights": "STRENGTH_TRAINING",
    "elliptical": "ELLIPTICAL", "sport": "OTHER", "aerobic workout": "AEROBIC_WORKOUT", "pilates": "PILATES",
}
_DISTANCE_MM = {"kilometer": 1_000_000, "mile": 1_609_344, "meter": 1_000}
PAGE_LIMIT = 100


def exercise_type(name: str) -> str:
    """The vault's exercise type of a legacy activity name."""
    key = name.strip().lower()
    return _TYPES.get(key) or key.upper().replace(" ", "_") or "OTHER"


class ActivityLogs(FitbitStream):
    name = "fitbit:exercise"
    data_type = "exercise"
    scopes = ("activity",)
    kind = "list"
    overlap = timedelta(days=7)  # logs can be edited in the app
    tables = ("exercises",)  # no splits, events or routes from the legacy list

    path_template = "/1/user/-/activities/list.json"
    vault_type = Exercise()

    def params(self, first: date, last: date) -> dict[str, Any]:
        """The first page of activities that start before ``last + 1 day``, newest first."""
        return {"beforeDate": (last + timedelta(days=1)).isoformat(), "sort": "desc", "offset": 0, "limit": PAGE_LIMIT}

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        """Logs that start on a local date in the window [first, last] (a page reaches further back)."""
        zone = zone_of(request)
        first, last = dates_of(request)

        def one(log: dict) -> tuple | None:
            start = datetime.fromisoformat(log["startTime"])
            offset = start.utcoffset()
            if offset is None:  # not seen, but then: the profile's zone
                start_ms, start_off = zone.resolve((start - datetime(1970, 1, 1)) // timedelta(milliseconds=1))
            else:
                start_ms, start_off = int(start.timestamp() * 1000), int(offset.total_seconds())
            end_ms = start_ms + int(log["duration"])
            end_off = zone.offset_at(end_ms) if zone.offset_at(start_ms) == start_off else start_off
            distance = None
            if log.get("distance") is not None:
                unit = str(log.get("distanceUnit") or "Kilometer").lower()
                distance = float(round(float(log["distance"]) * _DISTANCE_MM.get(unit, 1_000_000)))
            avg_hr = log.get("averageHeartRate")
            if avg_hr is not None:
                plausible(avg_hr, 20, 250, "average heart rate (bpm)")
            pace, speed = log.get("pace"), log.get("speed")
            azm = (log.get("activeZoneMinutes") or {}).get("totalMinutes")
            gain = log.get("elevationGain")
            values = {
                "id": str(log["logId"]), "source_id": device_source((log.get("source") or {}).get("name")),
                "start_ms": start_ms, "start_offset_s": start_off, "end_ms": end_ms, "end_offset_s": end_off,
                "exercise_type": exercise_type(str(log.get("activityName") or "")),
                "display_name": log.get("activityName"),
                "active_duration_s": None if log.get("activeDuration") is None else int(log["activeDuration"]) / 1000,
                "calories_kcal": None if log.get("calories") is None else float(log["calories"]),
                "distance_mm": distance, "steps": None if log.get("steps") is None else int(log["steps"]),
                "avg_pace_s_per_m": None if pace is None else round(float(pace) / 1000, 6),
                "avg_speed_mm_per_s": None if speed is None else round(float(speed) / 3.6e-3, 3),
                "avg_hr_bpm": None if avg_hr is None else int(avg_hr),
                "active_zone_minutes": None if azm is None else int(azm),
                "elevation_gain_mm": None if gain is None else float(round(float(gain) * 1000)),
                "has_gps": int(bool(log.get("hasGps") or log.get("tcxLink"))),
                "update_time": log.get("lastModified"),
            }
            start_day = local_date(start_ms, start_off)
            if not first <= start_day <= last:
                return None
            return (tuple(values.get(c) for c in COLUMNS), [], [], start_day)

        return collect(self.entries(body, "activities"), one)
