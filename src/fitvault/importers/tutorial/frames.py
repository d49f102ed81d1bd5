"""Data frames saved with ``to_csv`` in the second seed tutorial: ``YYYY-MM-DD_intradata.csv``
(one day: ``time,value``) and multi-day frames such as ``all_intradata.csv`` (``time,value,date``;
after the tutorial's graphing step ``date`` may hold the full date and time).

A frame is intraday heart rate (``value`` in bpm) unless its file name contains ``sleep``: then
``value`` is the v1 sleep state (1 asleep, 2 restless, 3 awake) and each ``date`` is a night,
read as ``sleepYYYYMMDD.csv`` is (see ``tutorial/sleep.py``). Rows of a day keep file order.
"""

from __future__ import annotations

from fitvault.importers._base import Job, csv_records
from fitvault.importers._text import FileProblem, cell, number
from fitvault.importers.tutorial.per_day import heart_rate
from fitvault.importers.tutorial.sleep import night, state_of
from fitvault.timeutil import DAY_MS, Sequence, parse_clock, parse_iso_wall

_ROLES = {"time": ("time", "Time", "dateTime"), "value": ("value", "Heart Rate", "bpm", "State"),
          "date": ("date", "Date")}


def _rows(job: Job):
    """(wall ms or None, day or None, time of day ms, value text) per row."""
    for row, c in csv_records(job, _ROLES, optional=("date", "time")):
        day_text, time_text = cell(row, c.get("date")), cell(row, c.get("time"))
        try:
            if len(day_text) > 10:  # the tutorial's date + time column
                wall = parse_iso_wall(day_text)
                yield wall, wall // DAY_MS, wall % DAY_MS, cell(row, c["value"]), row
                continue
            if day_text:
                day = parse_iso_wall(day_text[:10]) // DAY_MS
            elif job.file_day is not None:
                day = job.file_day
            else:
                raise FileProblem("no date column and no date in the file name")
            if not time_text:
                raise ValueError("no time")
            clock_ms = parse_clock(time_text[-12:] if "T" in time_text or " " in time_text else time_text)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        yield day * DAY_MS + clock_ms, day, clock_ms, cell(row, c["value"]), row


def read_frame(job: Job) -> None:
    if "sleep" in job.entry.basename.lower():
        _sleep(job)
        return
    seq = Sequence()
    for wall, _day, _ms, value, row in _rows(job):
        try:
            bpm = number(value)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        reading = heart_rate(job, bpm, row)
        if reading is not None:
            utc, off = job.clock.local(wall, seq)
            job.emit("heart_rate", (utc, job.source, off, reading))


def _sleep(job: Job) -> None:
    """Nights in file order; a night is complete when the date changes (memory: one night)."""
    current: int | None = None
    minutes: list[tuple[int, int]] = []
    for _wall, day, clock_ms, value, row in _rows(job):
        try:
            state = state_of(value, "")
        except ValueError:
            state = None
        if state is None:
            job.bad(f"unknown sleep state {value!r}", row)
            continue
        if day != current:
            if current is not None:
                night(job, current, minutes)
            current, minutes = day, []
        minutes.append((clock_ms, state))
    if current is not None:
        night(job, current, minutes)
