"""Heart rate: every intraday sample at ``1sec`` (one local day per call) and the daily resting
heart rate from the heart-rate time series (a year per call). Reference §1.1, §1.2::

    GET /1/user/-/activities/heart/date/2024-03-01/1d/1sec.json
    {"activities-heart": [...], "activities-heart-intraday": {"dataset": [{"time": "00:00:09", "value": 61}, ...],
     "datasetInterval": 1, "datasetType": "second"}}

    GET /1/user/-/activities/heart/date/2024-01-01/2024-12-30.json
    {"activities-heart": [{"dateTime": "2024-03-01", "value": {"heartRateZones": [...], "restingHeartRate": 58}}]}

Samples are listed in recording order under their local date without an offset; they are read in
the profile's zone, the repeated hour of a DST change by order (:mod:`.localtime`). A day without
enough data has no ``restingHeartRate`` (missing, not zero).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from fitvault.datatypes.base import ParsedPage, SourceIds, plausible
from fitvault.datatypes.heart_rate import MAX_BPM, MIN_BPM, HeartRate
from fitvault.datatypes.resting_heart_rate import RestingHeartRate
from fitvault.sources.fitbit.base import NO_DEVICE, FitbitStream, Request, collect, dates_of, fitbit_ids, zone_of
from fitvault.sources.fitbit.localtime import wall_seconds

_HR = HeartRate()
_RESTING = RestingHeartRate()


class IntradayHeartRate(FitbitStream):
    name = "fitbit:heart-rate"
    data_type = "heart-rate"
    scopes = ("heartrate",)
    kind = "day"
    max_days = 1
    overlap = timedelta(days=2)  # a day is incomplete until the device syncs (reference §5.4)
    tables = ("heart_rate",)
    table, time_column = "heart_rate", "time_ms"
    local_day_sql = "date(time_ms / 1000 + utc_offset_s, 'unixepoch')"

    def path(self, first: date, last: date) -> str:
        return f"/1/user/-/activities/heart/date/{first.isoformat()}/1d/1sec.json"

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        day, _ = dates_of(request)
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        dataset = (body.get("activities-heart-intraday") or {}).get("dataset") or []
        page = ParsedPage()
        walls, values = [], []
        for point in dataset:
            try:
                bpm = point["value"]
                if isinstance(bpm, bool) or not isinstance(bpm, (int, float)):
                    raise TypeError(f"value is not a number: {bpm!r}")
                plausible(bpm, MIN_BPM, MAX_BPM, "heart rate (bpm)")
                walls.append(wall_seconds(day, point["time"]))
                values.append(int(bpm))
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                page.bad.append((f"{type(exc).__name__}: {exc}", point if isinstance(point, dict) else {"point": point}))
        for (ms, off), bpm in zip(zone_of(request).sequence(walls), values):
            page.rows.append((ms, NO_DEVICE, off, bpm))
        return page

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        _HR.save(conn, rows, fitbit_ids(source_ids))


class DailyRestingHeartRate(FitbitStream):
    name = "fitbit:resting-heart-rate"
    data_type = "daily-resting-heart-rate"
    scopes = ("heartrate",)
    max_days = 365  # "1 year" (reference §1.1)
    tables = ("resting_heart_rate",)
    table, time_column = "resting_heart_rate", "date"

    def path(self, first: date, last: date) -> str:
        return f"/1/user/-/activities/heart/date/{first.isoformat()}/{last.isoformat()}.json"

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple | None:
            value = entry.get("value")
            bpm = value.get("restingHeartRate") if isinstance(value, dict) else None
            if bpm is None:
                return None  # not enough data that day
            plausible(int(bpm), 20, 200, "resting heart rate (bpm)")
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, int(bpm), None)

        return collect(self.entries(body, "activities-heart"), one)

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        _RESTING.save(conn, rows, fitbit_ids(source_ids))
