"""Weight and body-fat logs (``/1/user/-/body/log/{weight,fat}/date/{start}/{end}.json``).
See docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits, docs/facts/fitbit-legacy-api.md#response-shapes::

    {"weight": [{"logId": 1709337599000, "date": "2024-03-01", "time": "23:59:59", "weight": 72.4,
                 "bmi": 23.65, "fat": 18.2, "source": "Aria"}]}
    {"fat": [{"logId": 1709337599000, "date": "2024-03-01", "time": "23:59:59", "fat": 18.2, "source": "Aria"}]}

Range limits: 31 days for weight; 31 or 30 for body fat (sources disagree: 30 is asked). Weight
is in kg (METRIC), stored in grams; ``date`` + ``time`` are local (a log without a time is at
23:59:59) and read in the profile's zone. The log's ``source`` (``Aria``, ``Web``, ``API``)
names the record's source. ``id`` is the ``logId``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fitvault.datatypes.base import ParsedPage, plausible
from fitvault.datatypes.body import BodyFat, Weight
from fitvault.sources.fitbit.base import FitbitStream, Request, collect, decimal, device_source, zone_of
from fitvault.timeutil import wall_at


def _instant(log: dict, request: Request) -> tuple[int, int]:
    wall = wall_at(date.fromisoformat(log["date"]), log.get("time") or "23:59:59")
    return zone_of(request).resolve(wall)


class WeightLogs(FitbitStream):
    name = "fitbit:weight"
    data_type = "weight"
    scopes = ("weight",)
    max_days = 31
    overlap = timedelta(days=7)  # logs can be entered later for an earlier day

    path_template = "/1/user/-/body/log/weight/date/{first}/{last}.json"
    vault_type = Weight()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(log: dict) -> tuple:
            ms, off = _instant(log, request)
            grams = float(decimal(log["weight"], "weight") * 1000)
            plausible(grams, 500, 700_000, "weight (g)")
            return (ms, device_source(log.get("source")), off, str(log["logId"]), grams, None)

        return collect(self.entries(body, "weight"), one)


class BodyFatLogs(FitbitStream):
    name = "fitbit:body-fat"
    data_type = "body-fat"
    scopes = ("weight",)
    max_days = 30
    overlap = timedelta(days=7)

    path_template = "/1/user/-/body/log/fat/date/{first}/{last}.json"
    vault_type = BodyFat()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(log: dict) -> tuple:
            ms, off = _instant(log, request)
            pct = float(decimal(log["fat"], "fat"))
            plausible(pct, 1, 90, "body fat (%)")
            return (ms, device_source(log.get("source")), off, str(log["logId"]), pct)

        return collect(self.entries(body, "fat"), one)
