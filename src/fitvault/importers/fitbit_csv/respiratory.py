"""Breathing rate CSVs of the Heart Rate Variability folder (reference §4.3).

``Daily Respiratory Rate Summary - YYYY-MM-DD.csv``: ``timestamp,daily_respiratory_rate``
(breaths/min) → ``daily_breathing_rate``.

``Respiratory Rate Summary - *.csv``: ``timestamp,full_sleep_breathing_rate,
full_sleep_standard_deviation,full_sleep_signal_to_noise,deep_sleep_breathing_rate,...,
rem_sleep_signal_to_noise`` (blanks allowed), one row per sleep, local time →
``breathing_rate_sleep``.
"""

from __future__ import annotations

from fitvault.importers._base import Job, csv_records, day_of, placed
from fitvault.importers._text import cell, number

_BR = (1.0, 80.0)


def read_daily(job: Job) -> None:
    for row, c in csv_records(job, {"time": ("timestamp",), "rate": ("daily_respiratory_rate",)}):
        try:
            day = day_of(cell(row, c["time"]))
            rate = number(cell(row, c["rate"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not rate:
            job.drop("no reading (blank or 0)")
            continue
        if job.check(rate, *_BR, "breathing rate", row):
            job.emit("daily_breathing_rate", (day, job.source, rate))


_SUMMARY = {
    "full": ("full_sleep_breathing_rate",), "full_sd": ("full_sleep_standard_deviation",),
    "full_snr": ("full_sleep_signal_to_noise",), "deep": ("deep_sleep_breathing_rate",),
    "light": ("light_sleep_breathing_rate",), "rem": ("rem_sleep_breathing_rate",),
}


def read_summary(job: Job) -> None:
    roles = {"time": ("timestamp",), **_SUMMARY}
    for row, c in csv_records(job, roles, optional=tuple(k for k in _SUMMARY if k != "full")):
        try:
            values = [number(cell(row, c.get(k))) for k in _SUMMARY]
            if all(v is None or v == 0 for v in values):
                job.drop("blank values")
                continue
            utc, off = placed(job, cell(row, c["time"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        rates = [v for k, v in zip(_SUMMARY, values) if k in ("full", "deep", "light", "rem") and v]
        if any(not _BR[0] <= v <= _BR[1] for v in rates):
            job.bad(f"impossible breathing rate: {rates}", row)
            continue
        job.emit("breathing_rate_sleep", (utc, job.source, off, *[v if v else None for v in values]))
