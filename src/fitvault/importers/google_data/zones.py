"""``Physical Activity_GoogleData`` per-minute families of the 2026 Takeout with an API twin
(UTC stamps; docs/facts/archives.md#verified-on-real-exports, docs/facts/archives.md#fact-15):

==================================  ==========================================  ==================================
family (file name)                  columns used                                table
==================================  ==========================================  ==================================
``time_in_heart_rate_zone``         ``heart rate zone type``                    ``time_in_heart_rate_zone``
``calories_in_heart_rate_zone``     ``heart rate zone type``, ``kcal``          ``calories_in_heart_rate_zone``
``body_temperature``                ``temperature celsius``                     ``body_temperature`` (device)
``swim_lengths_data``               ``lap time``, ``stroke count``,             ``swim_lengths``
                                    ``stroke type``
==================================  ==========================================  ==================================

A row is one minute (``swim_lengths_data``: one length, from its stamp for ``lap time``
``HH:MM:SS.fff``). ``HEART_RATE_ZONE_TYPE_UNSPECIFIED`` (time below the zones) is stored as sent;
``body_temperature`` is the device's per-minute skin-side reading (°C), not a core temperature.
"""

from __future__ import annotations

from collections.abc import Mapping

from fitvault import timeutil
from fitvault.importers._base import Job
from fitvault.importers._text import after_2008, cell, number
from fitvault.importers.google_data.physical_activity import _rows
from fitvault.timeutil import parse_clock

MINUTE_MS = 60_000


def _minutes(job: Job, table: str, roles: Mapping[str, tuple[str, ...]], values) -> None:
    """One 1-minute interval (``sample`` for body temperature) per row: ``values(row, c)`` -> the
    value columns, or None to leave the row out."""
    instant = job.clock.instant
    sample = table == "body_temperature"
    for row, c, key in _rows(job, roles):
        try:
            utc = after_2008(timeutil.parse_instant_ms(cell(row, c["time"])))
            columns = values(row, c)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if columns is None:
            continue
        if sample:
            job.emit(table, (utc, key, instant(utc), *columns))
        else:
            job.emit(table, (utc, key, instant(utc), utc + MINUTE_MS, instant(utc + MINUTE_MS), *columns))


def _zone(row: list[str], c: dict[str, int]) -> str:
    zone = cell(row, c["zone"]).upper()
    if not zone:
        raise ValueError("no heart rate zone type")
    return zone


def read_time_in_zone(job: Job) -> None:
    _minutes(job, "time_in_heart_rate_zone", {"zone": ("heart rate zone type",)}, lambda row, c: (_zone(row, c),))


def read_calories_in_zone(job: Job) -> None:
    def values(row, c):
        kcal = number(cell(row, c["kcal"]))
        if kcal is None:
            job.drop("no value (blank)")
            return None
        return (_zone(row, c), kcal) if job.check(kcal, 0, 100, "kcal in a minute", row) else None
    _minutes(job, "calories_in_heart_rate_zone", {"zone": ("heart rate zone type",), "kcal": ("kcal",)}, values)


def read_body_temperature(job: Job) -> None:
    def values(row, c):
        t = number(cell(row, c["t"]))
        if t is None:
            job.drop("no value (blank)")
            return None
        return (t,) if job.check(t, 0, 50, "device temperature (°C)", row) else None
    _minutes(job, "body_temperature", {"t": ("temperature celsius",)}, values)


def read_swim_lengths(job: Job) -> None:
    instant = job.clock.instant
    roles = {"lap": ("lap time",), "strokes": ("stroke count",), "type": ("stroke type",)}
    for row, c, key in _rows(job, roles, optional=("type",)):
        try:
            start = after_2008(timeutil.parse_instant_ms(cell(row, c["time"])))
            lap_ms = parse_clock(cell(row, c["lap"]))
            strokes = number(cell(row, c["strokes"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not lap_ms or strokes is None or not job.check(strokes, 0, 100_000, "strokes in a length", row):
            job.drop("no lap time or stroke count")
            continue
        end = start + lap_ms
        job.emit("swim_lengths", (start, key, instant(start), end, instant(end), int(strokes),
                                  cell(row, c.get("type")) or None))
