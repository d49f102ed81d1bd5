"""``Physical Activity_GoogleData`` ``activity_level`` (``timestamp,level``: one minute at that
level, UTC) -> ``activity_level`` 1-minute intervals, and ``sedentary_period``
(``start time,end time``, UTC) -> ``sedentary_periods``: the API's ``activity-level`` and
``sedentary-period`` types."""

from __future__ import annotations

from fitvault import timeutil
from fitvault.importers._base import Job
from fitvault.importers._text import after_2008, cell
from fitvault.importers.google_data.physical_activity import _rows

MINUTE_MS = 60_000
LEVELS = ("SEDENTARY", "LIGHTLY_ACTIVE", "MODERATELY_ACTIVE", "VERY_ACTIVE")


def read_activity_level(job: Job) -> None:
    instant = job.clock.instant
    for row, c, key in _rows(job, {"level": ("level",)}):
        level = cell(row, c["level"]).upper()
        if level not in LEVELS:
            job.bad(f"unknown activity level {level!r}", row)
            continue
        try:
            utc = after_2008(timeutil.parse_instant_ms(cell(row, c["time"])))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        job.emit("activity_level", (utc, key, instant(utc), utc + MINUTE_MS, instant(utc + MINUTE_MS), level))


def read_sedentary_period(job: Job) -> None:
    instant = job.clock.instant
    for row, c, key in _rows(job, {"time": ("start time",), "end": ("end time",)}):
        try:
            start = after_2008(timeutil.parse_instant_ms(cell(row, c["time"])))
            end = timeutil.parse_instant_ms(cell(row, c["end"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if end <= start or end - start > 86_400_000:
            job.bad("impossible sedentary period (end before start, or longer than a day)", row)
            continue
        job.emit("sedentary_periods", (start, key, instant(start), end, instant(end)))
