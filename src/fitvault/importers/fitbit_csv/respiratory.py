"""Breathing rate CSVs of the Heart Rate Variability folder (docs/facts/archives.md#csv-families).

``Daily Respiratory Rate Summary - YYYY-MM-DD.csv``: ``timestamp,daily_respiratory_rate``
(breaths/min) → ``daily_breathing_rate``.

``Respiratory Rate Summary - *.csv``: ``timestamp,full_sleep_breathing_rate,
full_sleep_standard_deviation,full_sleep_signal_to_noise,deep_sleep_breathing_rate,...,
rem_sleep_signal_to_noise`` (blanks allowed), one row per sleep, local time (the sleep's end) →
``breathing_rate_sleep``.

``-1.0`` in a stage's rate means that stage has no rate (usually REM or deep, docs/facts/archives.md#fact-9):
that value is missing, the night's other rates are kept. So is a stage rate outside 1–80
breaths/min (one export has REM rates of 0.4 and 0.6): missing, counted. A night whose full-sleep
rate is impossible is quarantined whole.
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


_STAGES = ("deep", "light", "rem")


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
        full = values[0]
        if full is not None and full > 0 and not _BR[0] <= full <= _BR[1]:
            job.bad(f"impossible breathing rate: {full}", row)
            continue
        kept = []
        for key, v in zip(_SUMMARY, values):
            if v is not None and v < 0:
                job.missing(f"breathing rate per sleep: a stage rate of {v:g} (no rate for that stage)")
                v = None
            elif v is not None and key in _STAGES and v and not _BR[0] <= v <= _BR[1]:
                job.missing("breathing rate per sleep: an impossible stage rate (outside 1-80 breaths/min)")
                v = None
            kept.append(v if v else None)
        if all(v is None for v in kept):
            job.drop("blank values")
            continue
        job.emit("breathing_rate_sleep", (utc, job.source, off, *kept))
