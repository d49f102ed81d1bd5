"""Oxygen Saturation (SpO2) folder (docs/facts/archives.md#csv-families).

``Minute SpO2 - YYYY-MM-DD.csv``: ``timestamp,value`` with ``Z`` (UTC) → ``spo2``. The value
50.0 is the export's "invalid" sentinel (about 15 % of rows, docs/facts/archives.md#sentinels): not stored.

``Daily SpO2 - <start>-<end>.csv``: ``timestamp,average_value,lower_bound,upper_bound``, the
timestamp's date (``...T00:00:00Z``) being the calendar day → ``daily_spo2``.
"""

from __future__ import annotations

from fitvault.importers._base import Job, csv_records, day_of, placed
from fitvault.importers._text import cell, number

SENTINEL = 50.0
_PCT = (40.0, 100.0)


def read_minutes(job: Job) -> None:
    for row, c in csv_records(job, {"time": ("timestamp",), "value": ("value", "spo2")}):
        try:
            value = number(cell(row, c["value"]))
            if value is None or value == SENTINEL or value == 0:
                job.drop("invalid reading (50.0 sentinel, 0 or blank)")
                continue
            utc, off = placed(job, cell(row, c["time"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if job.check(value, *_PCT, "SpO2 (%)", row):
            job.emit("spo2", (utc, job.source, off, value))


def read_daily(job: Job) -> None:
    roles = {"time": ("timestamp",), "avg": ("average_value",), "lo": ("lower_bound",), "hi": ("upper_bound",)}
    for row, c in csv_records(job, roles, optional=("lo", "hi")):
        try:
            day = day_of(cell(row, c["time"]))
            avg, lo, hi = (number(cell(row, c.get(k))) for k in ("avg", "lo", "hi"))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not avg or avg == SENTINEL:
            job.drop("invalid reading (50.0 sentinel, 0 or blank)")
            continue
        if job.check(avg, *_PCT, "SpO2 (%)", row):
            job.emit("daily_spo2", (day, job.source, avg, lo, hi, None))
