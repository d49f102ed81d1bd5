"""Fitabase ``heartrate_seconds_merged.csv`` (``Id,Time,Value``): heart rate every few seconds
(5-second steps in the real files), local wall times -> ``heart_rate`` samples."""

from __future__ import annotations

from fitvault.importers._base import FITBIT, Job
from fitvault.importers._text import cell
from fitvault.importers.fitabase._rows import parse_time, rows
from fitvault.importers.tutorial.per_day import heart_rate
from fitvault.timeutil import Sequence


def read_heart_rate(job: Job) -> None:
    seq = Sequence()
    seen: set[int] = set()
    for row, c in rows(job, {"time": ("Time",), "value": ("Value",)}):
        try:
            wall = parse_time(cell(row, c["time"]))
            bpm = float(cell(row, c["value"]) or 0)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        utc, off = job.clock.local(wall, seq)
        if utc in seen:
            job.drop("second row at one instant")
            continue
        value = heart_rate(job, bpm, row)
        if value is not None:
            seen.add(utc)
            job.emit("heart_rate", (utc, FITBIT, off, value))
