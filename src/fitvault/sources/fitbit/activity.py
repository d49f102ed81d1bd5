"""Activity: per-minute steps (intraday, one local day per call) and daily totals of steps,
distance, floors and calories (time series, up to 1095 days per call). See docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits, docs/facts/fitbit-legacy-api.md#response-shapes::

    GET /1/user/-/activities/steps/date/2024-03-01/1d/1min.json
    {"activities-steps-intraday": {"dataset": [{"time": "00:00:00", "value": 0}, ...], ...}}

    GET /1/user/-/activities/distance/date/2024-01-01/2024-12-31.json
    {"activities-distance": [{"dateTime": "2024-03-01", "value": "8.412301"}, ...]}

Quirks: daily values are strings, intraday values numbers (docs/facts/fitbit-legacy-api.md#conventions). Units: METRIC
(no ``Accept-Language``): distance in km, converted to the vault's millimetres; calories are
total kcal (BMR included), whole numbers.

What is stored, and why:

* Intraday steps list *every* minute of the day, 0 where nothing was recorded, so a zero cannot
  be told from "not worn": only minutes with steps are stored (the ``steps`` table's 0 means
  "worn, no steps", which the legacy API cannot say).
* Daily totals are stored as sent, 0 included, for every date up to today. The ``daily_*``
  tables hold one value per date by design, written under the origin precedence rule of
  :mod:`fitvault.store.origins`: this source fills a date that has no value, replaces its own
  or a worse-ranked origin's (an archive's), never a better one's (the Google Health API's).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from fitvault.datatypes.base import ParsedPage, SourceIds, plausible
from fitvault.datatypes.steps import StepsMinutes
from fitvault.sources.fitbit.base import (
    NO_DEVICE,
    ORIGIN,
    FitbitStream,
    Request,
    collect,
    decimal,
    fitbit_ids,
    intraday_samples,
    zone_of,
)
from fitvault.store import upsert

_KM_TO_MM = 1_000_000


def _count(value: Any, what: str, upper: int, label: str) -> int:
    """A daily count (a numeric string): a whole number from 0 to ``upper``."""
    n = int(decimal(value, what))
    plausible(n, 0, upper, label)
    return n


class IntradaySteps(FitbitStream):
    name = "fitbit:steps"
    data_type = "steps"
    scopes = ("activity",)
    kind = "day"
    max_days = 1
    overlap = timedelta(days=2)

    path_template = "/1/user/-/activities/steps/date/{first}/1d/1min.json"
    vault_type = StepsMinutes()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        page, samples = intraday_samples(body, request, "activities-steps-intraday", 0, 100_000, "step count")
        zone = zone_of(request)
        for ms, off, n in samples:
            if n > 0:
                end = ms + 60_000
                page.rows.append((ms, NO_DEVICE, off, end, zone.offset_at(end), n))
        return page


class DailyActivity(FitbitStream):
    """One daily activity time series into one ``daily_*`` table (``date`` key)."""

    resource: str
    column: str
    scopes = ("activity",)
    max_days = 1095  # "1095 days for the standard resources" (docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits)
    time_column = "date"

    def path(self, first: date, last: date) -> str:
        return f"/1/user/-/activities/{self.resource}/date/{first.isoformat()}/{last.isoformat()}.json"

    def convert(self, value: Any) -> int | float:
        raise NotImplementedError

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple:
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, self.convert(entry["value"]))

        return collect(self.entries(body, f"activities-{self.resource}"), one)

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        """The table is ``ranked`` in the catalogue: a better-ranked origin's day is kept."""
        ids = fitbit_ids(source_ids)
        upsert.write(conn, self.table, ((d.isoformat(), ids(src), v) for d, src, v in rows),
                     ("date", "source_id", self.column), origin=ORIGIN)


class DailySteps(DailyActivity):
    name = "fitbit:steps:daily"
    data_type = "steps"
    resource, column = "steps", "count"
    tables = ("daily_steps",)
    table = "daily_steps"

    def convert(self, value: Any) -> int:
        return _count(value, "steps", 1_000_000, "daily steps")


class DailyDistance(DailyActivity):
    name = "fitbit:distance:daily"
    data_type = "distance"
    resource, column = "distance", "distance_mm"
    tables = ("daily_distance",)
    table = "daily_distance"

    def convert(self, value: Any) -> int:
        mm = int((decimal(value, "distance") * _KM_TO_MM).to_integral_value())
        plausible(mm, 0, 10**9, "daily distance (mm)")
        return mm


class DailyFloors(DailyActivity):
    name = "fitbit:floors:daily"
    data_type = "floors"
    resource, column = "floors", "floors"
    tables = ("daily_floors",)
    table = "daily_floors"

    def convert(self, value: Any) -> int:
        return _count(value, "floors", 10_000, "daily floors")


class DailyCalories(DailyActivity):
    name = "fitbit:calories:daily"
    data_type = "total-calories"
    resource, column = "calories", "calories_kcal"
    tables = ("daily_total_calories",)
    table = "daily_total_calories"

    def convert(self, value: Any) -> float:
        kcal = float(decimal(value, "calories"))
        plausible(kcal, 0, 50_000, "daily calories (kcal)")
        return kcal
