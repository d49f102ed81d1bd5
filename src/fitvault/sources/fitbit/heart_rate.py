"""Heart rate: every intraday sample at ``1sec`` (one local day per call) and the daily resting
heart rate from the heart-rate time series (a year per call). See docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits, docs/facts/fitbit-legacy-api.md#response-shapes::

    GET /1/user/-/activities/heart/date/2024-03-01/1d/1sec.json
    {"activities-heart": [...], "activities-heart-intraday": {"dataset": [{"time": "00:00:09", "value": 61}, ...],
     "datasetInterval": 1, "datasetType": "second"}}

    GET /1/user/-/activities/heart/date/2024-01-01/2024-12-30.json
    {"activities-heart": [{"dateTime": "2024-03-01", "value": {"heartRateZones": [...], "restingHeartRate": 58}}]}

Samples are listed in recording order under their local date without an offset; they are read in
the profile's zone, the repeated hour of a DST change by order (:mod:`fitvault.timeutil`). A day without
enough data has no ``restingHeartRate`` (missing, not zero).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fitvault.datatypes.base import ParsedPage, plausible
from fitvault.datatypes.heart_rate import MAX_BPM, MIN_BPM, HeartRate
from fitvault.datatypes.resting_heart_rate import RestingHeartRate
from fitvault.sources.fitbit.base import NO_DEVICE, FitbitStream, Request, collect, intraday_samples


class IntradayHeartRate(FitbitStream):
    name = "fitbit:heart-rate"
    data_type = "heart-rate"
    scopes = ("heartrate",)
    kind = "day"
    max_days = 1
    overlap = timedelta(days=2)  # a day is incomplete until the device syncs (docs/facts/fitbit-legacy-api.md#late-data)

    path_template = "/1/user/-/activities/heart/date/{first}/1d/1sec.json"
    vault_type = HeartRate()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        page, samples = intraday_samples(body, request, "activities-heart-intraday", MIN_BPM, MAX_BPM,
                                         "heart rate (bpm)")
        page.rows.extend((ms, NO_DEVICE, off, bpm) for ms, off, bpm in samples)
        return page


class DailyRestingHeartRate(FitbitStream):
    name = "fitbit:resting-heart-rate"
    data_type = "daily-resting-heart-rate"
    scopes = ("heartrate",)
    max_days = 365  # "1 year" (docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits)

    path_template = "/1/user/-/activities/heart/date/{first}/{last}.json"
    vault_type = RestingHeartRate()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple | None:
            value = entry.get("value")
            bpm = value.get("restingHeartRate") if isinstance(value, dict) else None
            if bpm is None:
                return None  # not enough data that day
            plausible(int(bpm), 20, 200, "resting heart rate (bpm)")
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, int(bpm), None)

        return collect(self.entries(body, "activities-heart"), one)
