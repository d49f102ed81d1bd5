"""Declarative streams for the simple record shapes of docs/facts/google-health-api.md#record-shapes.

Most data types are one union key around a time container plus a few scalar values. A type
module then only says which JSON field goes to which column::

    class OxygenSaturation(SampleStream):
        name = data_type = "oxygen-saturation"
        key = "oxygenSaturation"
        scopes = (HEALTH_METRICS_SCOPE,)
        table_info = TABLES_BY_NAME["spo2"]
        fields = (("spo2_pct", number("percentage", required=True)),)

and the base class parses pages, quarantines bad points, and saves through the table's generated
upsert (``store/upsert.py``: only rows whose values changed are written, so re-reading an overlap
window rewrites nothing).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar, Literal

from fitvault.datatypes.base import (
    POINT_ERRORS,
    ROLLUP_SOURCE,
    ParsedPage,
    SourceIds,
    Stream,
    civil_date,
    flag_value,
    instant_ms,
    int64,
    offset_s,
    opt_str,
    page_items,
    parse_points,
    plausible,
    req_str,
    source_key,
)
from fitvault.datatypes.tables import Table
from fitvault.store import upsert

Getter = Callable[[dict], Any]


# -- field getters: JSON body of the union key -> column value --------------------------------
def _dig(body: dict, path: tuple[str, ...]) -> Any:
    """The value at ``path``; None when a part is absent. A part that is there but not an object
    (``"metadata": 5``) makes the point malformed, not "omitted" (which would store a default)."""
    value: Any = body
    for part in path:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise TypeError(f"{'.'.join(path)}: found a {type(value).__name__} where an object belongs")
        value = value.get(part)
    return value


def number(*path: str, required: bool = False, default: float | None = None,
           valid: tuple[float, float] | None = None, zero_is_missing: bool = False) -> Getter:
    """A JSON number (double) at ``path``; ``default`` when omitted (unless required); outside
    ``valid`` (inclusive) the point is impossible and is quarantined.

    proto3 JSON sends a double the service could not compute as the string ``"NaN"`` (also
    ``"Infinity"``/``"-Infinity"``): live skin-temperature baselines do so for the first ~30
    nights and sporadically after (docs/facts/google-health-api.md#settled-by-captured-payloads; mcp-fitbit-air capture, kkdev92
    ``HealthDataJson.cs``). In an optional field that is a missing value (None) and the point
    is kept; in a required one (or one whose omission means a default, a true zero) the point
    has nothing to store and is quarantined.
    ``zero_is_missing``: a 0 the API or peers document as "not measured" is stored as None.
    """
    where = ".".join(path)

    def get(body: dict) -> float | None:
        value = _dig(body, path)
        if value is None:
            if required:
                raise KeyError(where)
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"{where} is not a number: {value!r}")
        result = float(value)
        if not math.isfinite(result):  # "NaN", "Infinity" (proto3 JSON spellings) or 1e999
            if required or default is not None:  # a value must be stored: nothing to keep
                raise ValueError(f"{where} is not a finite number: {value!r}")
            return None
        if zero_is_missing and result == 0:
            return None
        if valid is not None:
            plausible(result, *valid, where)
        return result

    return get


def integer(*path: str, required: bool = False, default: int | None = None,
            valid: tuple[float, float] | None = None) -> Getter:
    """A proto3-JSON int64 (a string on the wire, docs/facts/google-health-api.md#service-basics) or int32 at ``path``; outside
    ``valid`` (inclusive) the point is impossible and is quarantined."""

    def get(body: dict) -> int | None:
        value = _dig(body, path)
        if value is None:
            if required and default is None:
                raise KeyError(".".join(path))
            return default
        if isinstance(value, bool):
            raise TypeError(f"{'.'.join(path)} is not an integer: {value!r}")
        result = int64(value)
        if valid is not None:
            plausible(result, *valid, ".".join(path))
        return result

    return get


def text(*path: str, required: bool = False) -> Getter:
    """A string (enums included) at ``path``."""

    def get(body: dict) -> str | None:
        value = _dig(body, path)
        if value is None and required:
            raise KeyError(".".join(path))
        return opt_str(value, ".".join(path))

    return get


def duration(*path: str) -> Getter:
    """A proto3 duration (``"1025s"``, ``"1576.800s"``) as float seconds; None when omitted."""

    def get(body: dict) -> float | None:
        value = _dig(body, path)
        if value is None:
            return None
        if not isinstance(value, str) or not value.endswith("s"):
            raise ValueError(f"{'.'.join(path)} is not a duration: {value!r}")
        seconds = float(value[:-1])
        if not math.isfinite(seconds):
            raise ValueError(f"{'.'.join(path)} is not a finite duration: {value!r}")
        return seconds

    return get


def flag(*path: str) -> Getter:
    """A boolean as 0/1 (proto3 omits false); a non-boolean makes the point malformed."""
    return lambda body: flag_value(_dig(body, path), ".".join(path))


def point_id(point: dict) -> str | None:
    """The last segment of an identifiable point's ``name`` (``dataPointName`` when reconciled)."""
    name = opt_str(point.get("name") or point.get("dataPointName"), "name")
    return name.rsplit("/", 1)[-1] if name else None


# -- the bases ----------------------------------------------------------------------------
class _Declared(Stream):
    """Shared by the declarative bases: the union key, the fields and the upsert."""

    key: ClassVar[str]                                  # JSON union key (camelCase)
    table_info: ClassVar[Table]
    fields: ClassVar[tuple[tuple[str, Getter], ...]] = ()
    lead_columns: ClassVar[tuple[str, ...]]             # key and time columns, in row order
    with_id: ClassVar[bool] = False                     # identifiable: store the point's id

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        info = cls.__dict__.get("table_info")
        if info is not None:
            cls.table = info.name
            cls.tables = (info.name,)

    def value_columns(self) -> tuple[str, ...]:
        return (("id",) if self.with_id else ()) + tuple(c for c, _ in self.fields)

    def _values(self, point: dict, body: dict) -> tuple:
        head = (point_id(point),) if self.with_id else ()
        return head + tuple(get(body) for _, get in self.fields)

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        columns = self.lead_columns + self.value_columns()
        upsert.write(conn, self.table, (self._bind(row, source_ids) for row in rows), columns)

    def _bind(self, row: tuple, source_ids: SourceIds) -> tuple:
        """Row as parsed (source key at index 1) -> SQL parameters (source id)."""
        return (row[0], source_ids(row[1])) + row[2:]


class SampleStream(_Declared):
    """Sample types (``sampleTime``): key ``(time_ms, source_id)``."""

    lead_columns = ("time_ms", "source_id", "utc_offset_s")
    time_column = "time_ms"
    local_day_sql = "date(time_ms / 1000 + utc_offset_s, 'unixepoch')"

    def filter_field(self) -> str:
        return f"{self.data_type.replace('-', '_')}.sample_time.physical_time"

    def parse(self, body: dict) -> ParsedPage:
        parse_instant, parse_offset = instant_ms, offset_s

        def one(point: dict) -> tuple:
            b = point[self.key]
            st = b["sampleTime"]
            return (parse_instant(st["physicalTime"]), source_key(point.get("dataSource")),
                    parse_offset(st.get("utcOffset"))) + self._values(point, b)

        return parse_points(body, one, lambda row: row[0])


class IntervalStream(_Declared):
    """Interval types (``interval``): key ``(start_ms, source_id)``, filtered on the start."""

    lead_columns = ("start_ms", "source_id", "start_offset_s", "end_ms", "end_offset_s")
    time_column = "start_ms"
    local_day_sql = "date(start_ms / 1000 + start_offset_s, 'unixepoch')"

    def filter_field(self) -> str:
        return f"{self.data_type.replace('-', '_')}.interval.start_time"

    def parse(self, body: dict) -> ParsedPage:
        parse_instant, parse_offset = instant_ms, offset_s

        def one(point: dict) -> tuple:
            b = point[self.key]
            iv = b["interval"]
            start, end = parse_instant(iv["startTime"]), parse_instant(iv["endTime"])
            if end < start:
                raise ValueError("interval ends before it starts")
            return (start, source_key(point.get("dataSource")), parse_offset(iv.get("startUtcOffset")),
                    end, parse_offset(iv.get("endUtcOffset"))) + self._values(point, b)

        return parse_points(body, one, lambda row: row[0])


class DailyStream(_Declared):
    """Daily types (``date`` only, docs/facts/google-health-api.md#record-shapes): key ``(date, source_id)``.

    Daily summaries can appear late, the next morning (docs/facts/google-health-api.md#late-data-and-change-detection), so runs re-read 3 days.
    """

    bound = "date"
    overlap = timedelta(days=3)
    lead_columns = ("date", "source_id")
    time_column = "date"

    def filter_field(self) -> str:
        return f"{self.data_type.replace('-', '_')}.date"

    def parse(self, body: dict) -> ParsedPage:
        def one(point: dict) -> tuple:
            b = point[self.key]
            return (civil_date(b["date"]), source_key(point.get("dataSource"))) + self._values(point, b)

        return parse_points(body, one, lambda row: row[0])

    def _bind(self, row: tuple, source_ids: SourceIds) -> tuple:
        return (row[0].isoformat(), source_ids(row[1])) + row[2:]


class RollupDailyStream(_Declared):
    """Reconciled daily totals from ``dailyRollUp`` (docs/facts/google-health-api.md#daily-rollups): key ``date``.

    Buckets are keyed by their own ``civilStartTime.date``: the range end is closed-open per the
    discovery document but "inclusive" per one peer (docs/facts/google-health-api.md#dailyrollup-range-end), and keying by the
    bucket's date is right under both readings. An absent bucket means no worn data; a value
    field omitted in a present bucket is a true zero (proto3 drops zeros; ZEROS).
    """

    operation = "dailyRollUp"
    bound = "date"
    page_size = 90             # dailyRollUp default and maximum (14 for the capped types)
    max_window_days = 90
    overlap = timedelta(days=3)
    lead_columns = ("date", "source_id")
    time_column = "date"

    def parse(self, body: dict) -> ParsedPage:
        page = ParsedPage()
        for bucket in page_items(body, "rollupDataPoints", page):
            try:
                day = civil_date(bucket["civilStartTime"]["date"])
                value = bucket.get(self.key) or {}
                page.rows.append((day, ROLLUP_SOURCE) + tuple(get(value) for _, get in self.fields))
            except POINT_ERRORS as exc:
                page.bad.append((f"{type(exc).__name__}: {exc}", bucket))
        if page.rows:
            page.oldest = min(r[0] for r in page.rows)
            page.newest = max(r[0] for r in page.rows)
        return page

    def _bind(self, row: tuple, source_ids: SourceIds) -> tuple:
        return (row[0].isoformat(), source_ids(row[1])) + row[2:]


def names(*path: str, required: bool = False) -> Getter:
    """A repeated enum (``["HAPPY", "CALM"]``) as comma-separated text, in the order sent; None
    when omitted or empty (a required one makes the point malformed)."""

    def get(body: dict) -> str | None:
        value = _dig(body, path)
        if value is not None and not isinstance(value, list):
            raise TypeError(f"{'.'.join(path)} is not a list: {value!r}")
        text = ",".join(req_str(v, ".".join(path)) for v in value or ()) or None
        if text is None and required:
            raise KeyError(f"{'.'.join(path)} is missing or empty")
        return text

    return get


class SessionStream(_Declared):
    """Identifiable session types (hydration and nutrition logs, ECG, IRN; docs/facts/google-health-api.md#record-shapes
    ``SessionTimeInterval``): key ``id`` (the point name's last segment: two logs may share a
    minute). Filtered on ``{t}.interval.civil_start_time`` with civil dates (docs/facts/google-health-api.md#filters);
    manual logs may be entered days late, so runs re-read a week."""

    bound: ClassVar[Literal["instant", "date"]] = "date"  # ECG sessions are on the instant axis
    overlap = timedelta(days=7)
    lead_columns = ("id", "source_id", "start_ms", "start_offset_s", "end_ms", "end_offset_s")
    time_column = "start_ms"
    local_day_sql = "date(start_ms / 1000 + start_offset_s, 'unixepoch')"

    def filter_field(self) -> str:
        return f"{self.data_type.replace('-', '_')}.interval.civil_start_time"

    def parse(self, body: dict) -> ParsedPage:
        def one(point: dict) -> tuple:
            b = point[self.key]
            iv = b["interval"]
            start, end = instant_ms(iv["startTime"]), instant_ms(iv["endTime"])
            if end < start:
                raise ValueError("interval ends before it starts")
            return (point_id(point) or f"t{start}", source_key(point.get("dataSource")), start,
                    offset_s(iv.get("startUtcOffset")), end, offset_s(iv.get("endUtcOffset"))) + self._values(point, b)

        return parse_points(body, one, lambda row: self.axis.of_instant(row[2], row[3]))
