"""Nightly vitals (docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits, docs/facts/fitbit-legacy-api.md#response-shapes), each belonging to the main sleep and dated by the
wake-up date:

* HRV summary (``/1/user/-/hrv/date/{start}/{end}.json``, 30 days): ``dailyRmssd`` and
  ``deepRmssd`` → ``daily_hrv`` (``average_hrv_ms``, ``deep_sleep_rmssd_ms``).
* HRV intraday (``.../all.json``, 30 days): 5-minute ``rmssd``, ``lf``, ``hf`` → ``hrv``
  (``coverage`` has no column; there is no SDNN).
* SpO2 summary (``/1/user/-/spo2/date/{start}/{end}.json``: no documented limit, 30 days asked):
  a top-level **array**; dates without data carry no ``value`` → ``daily_spo2``.
* SpO2 intraday (``.../all.json``, 30 days): an array of ``{"dateTime", "minutes": [...]}`` →
  ``spo2``.
* Breathing rate (``/1/user/-/br/date/{start}/{end}.json``, 30 days) → ``daily_breathing_rate``.
* Skin temperature (``/1/user/-/temp/skin/date/{start}/{end}.json``, 30 days): only
  ``nightlyRelative`` (°C from the personal baseline) → ``daily_skin_temperature_relative``
  (migration 003): the legacy API never sends the absolute values of ``daily_skin_temperature``.

"No data" is ``{"hrv": []}`` or an entry without ``value``: missing, not zero (docs/facts/fitbit-legacy-api.md#missing-is-not-zero).
Intraday ``minute`` times are local without an offset, in recording order per night.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from fitvault.datatypes.base import ParsedPage, SourceIds, plausible
from fitvault.datatypes.heart_rate_variability import DailyHeartRateVariability, HeartRateVariability
from fitvault.datatypes.oxygen_saturation import DailyOxygenSaturation, OxygenSaturation
from fitvault.datatypes.respiratory_rate import DailyRespiratoryRate
from fitvault.sources.fitbit.base import NO_DEVICE, FitbitStream, Request, collect, fitbit_ids, zone_of
from fitvault.store import upsert
from fitvault.timeutil import parse_iso_wall


def _number(value: Any, what: str, lo: float, hi: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"{what} is not a number: {value!r}")
    x = float(value)
    plausible(x, lo, hi, what)
    return x


def _spo2_entries(body: Any) -> list:
    """A SpO2 answer's entries: a top-level array, or a bare object for a single date (docs/facts/fitbit-legacy-api.md#response-shapes)."""
    if isinstance(body, dict):
        return [body]
    if not isinstance(body, list):
        raise ValueError("expected a JSON array")
    return body


def _nightly_samples(entries: list, request: Request, value_of) -> ParsedPage:
    """Samples of ``{"dateTime", "minutes": [{"minute", "value"}]}`` entries, resolved per night."""
    zone = zone_of(request)
    page = ParsedPage()
    for entry in entries:
        minutes = entry.get("minutes") if isinstance(entry, dict) else None
        if not isinstance(minutes, list):
            continue
        walls, values = [], []
        for m in minutes:
            try:
                walls.append(parse_iso_wall(m["minute"]))
                values.append(value_of(m["value"]))
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                page.bad.append((f"{type(exc).__name__}: {exc}", m if isinstance(m, dict) else {"minute": m}))
        for (ms, off), v in zip(zone.sequence(walls), values):
            page.rows.append((ms, NO_DEVICE, off) + v)
    return page


class DailyHrv(FitbitStream):
    name = "fitbit:hrv"
    data_type = "daily-heart-rate-variability"
    scopes = ("heartrate",)
    max_days = 30

    path_template = "/1/user/-/hrv/date/{first}/{last}.json"
    vault_type = DailyHeartRateVariability()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple | None:
            value = entry.get("value")
            if not isinstance(value, dict):
                return None
            avg = _number(value.get("dailyRmssd"), "dailyRmssd", 0, 1000)
            deep = _number(value.get("deepRmssd"), "deepRmssd", 0, 1000)
            if avg is None and deep is None:
                return None
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, avg, None, None, deep)

        return collect(self.entries(body, "hrv"), one)


class IntradayHrv(FitbitStream):
    name = "fitbit:heart-rate-variability"
    data_type = "heart-rate-variability"
    scopes = ("heartrate",)
    max_days = 30

    path_template = "/1/user/-/hrv/date/{first}/{last}/all.json"
    vault_type = HeartRateVariability()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def value_of(v: dict) -> tuple:
            rmssd = _number(v["rmssd"], "rmssd", 0, 1000)
            return (rmssd, None, _number(v.get("lf"), "lf", 0, 1e7), _number(v.get("hf"), "hf", 0, 1e7))

        return _nightly_samples(self.entries(body, "hrv"), request, value_of)


class DailySpo2(FitbitStream):
    name = "fitbit:spo2"
    data_type = "daily-oxygen-saturation"
    scopes = ("oxygen_saturation",)
    max_days = 30

    path_template = "/1/user/-/spo2/date/{first}/{last}.json"
    vault_type = DailyOxygenSaturation()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple | None:
            value = entry.get("value")
            if not isinstance(value, dict):
                return None  # no data that night
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, _number(value.get("avg"), "avg", 40, 100),
                    _number(value.get("min"), "min", 40, 100), _number(value.get("max"), "max", 40, 100), None)

        return collect(_spo2_entries(body), one)


class IntradaySpo2(FitbitStream):
    name = "fitbit:oxygen-saturation"
    data_type = "oxygen-saturation"
    scopes = ("oxygen_saturation",)
    max_days = 30

    path_template = "/1/user/-/spo2/date/{first}/{last}/all.json"
    vault_type = OxygenSaturation()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        return _nightly_samples(_spo2_entries(body), request, lambda v: (_number(v, "SpO2", 40, 100),))


class DailyBreathingRate(FitbitStream):
    name = "fitbit:breathing-rate"
    data_type = "daily-respiratory-rate"
    scopes = ("respiratory_rate",)
    max_days = 30

    path_template = "/1/user/-/br/date/{first}/{last}.json"
    vault_type = DailyRespiratoryRate()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple | None:
            rate = (entry.get("value") or {}).get("breathingRate")
            if rate is None:
                return None
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, _number(rate, "breathingRate", 1, 80))

        return collect(self.entries(body, "br"), one)


class SkinTemperature(FitbitStream):
    name = "fitbit:skin-temperature"
    data_type = "daily-sleep-temperature-derivations"
    scopes = ("temperature",)
    max_days = 30
    tables = ("daily_skin_temperature_relative",)
    table, time_column = "daily_skin_temperature_relative", "date"

    path_template = "/1/user/-/temp/skin/date/{first}/{last}.json"

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        def one(entry: dict) -> tuple | None:
            rel = (entry.get("value") or {}).get("nightlyRelative")
            if rel is None:
                return None
            return (date.fromisoformat(entry["dateTime"]), NO_DEVICE, _number(rel, "nightlyRelative", -10, 10),
                    entry.get("logType"))

        return collect(self.entries(body, "tempSkin"), one)

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        ids = fitbit_ids(source_ids)
        upsert.write(conn, "daily_skin_temperature_relative",
                     ((d.isoformat(), ids(src), rel, kind) for d, src, rel, kind in rows))
