"""One file per day, the date in its name: ``heartYYYYMMDD.csv`` (``Time,Heart Rate``), as the
seed tutorial saves intraday heart rate, and the other files of ``fitvault export csv --per-day``
(``stepsYYYYMMDD.csv`` ``Time,Steps``; ``spo2…`` ``Time,SpO2``; ``hrv…`` ``Time,RMSSD,SDNN,LF,HF``;
``azm…`` ``Time,Zone,Active Zone Minutes``), so an export can be imported back.

``Time`` is the local wall-clock time ``HH:MM:SS`` (``.mmm`` optional) on the file's date. In a
fall-back night's repeated hour, rows that step back in time are the second pass.
"""

from __future__ import annotations

from collections.abc import Mapping

from fitvault.importers._base import Job, csv_records
from fitvault.importers._text import FileProblem, cell, number
from fitvault.importers.global_export._minutes import DUPLICATE
from fitvault.timeutil import DAY_MS, Sequence, parse_clock

MINUTE_MS = 60_000


def _readings(job: Job, roles: Mapping[str, tuple[str, ...]], numbers: tuple[str, ...],
              optional: tuple[str, ...] = ()):
    """(row, cols, UTC ms, offset s, values) of each row of a per-day file, ``values`` the numbers
    in its ``numbers`` columns (None when blank); a row whose time or numbers cannot be read is a
    problem, a second row on one instant a duplicate."""
    if job.file_day is None:
        raise FileProblem("no date in the file name (expected NAMEYYYYMMDD.csv)")
    seq = Sequence()
    base = job.file_day * DAY_MS
    seen: set[int] = set()  # one day's instants: a wall time in a spring-forward gap lands on a real one
    for row, c in csv_records(job, {"time": ("Time",), **roles}, optional=optional):
        try:
            wall = base + parse_clock(cell(row, c["time"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        utc, off = job.clock.local(wall, seq)
        if utc in seen:
            job.drop(DUPLICATE)
            continue
        seen.add(utc)
        try:
            values = tuple(number(cell(row, c.get(k))) for k in numbers)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        yield row, c, utc, off, values


def heart_rate(job: Job, bpm: float | None, row: list[str]) -> int | None:
    """A tutorial heart-rate reading in whole bpm, or None: a blank or 0 is dropped, an impossible
    value quarantined."""
    if not bpm:
        job.drop("no reading (blank or 0)")
        return None
    value = int(round(bpm))
    return value if job.check(value, 20, 250, "heart rate (bpm)", row) else None


def read_heart(job: Job) -> None:
    for row, _c, utc, off, (bpm,) in _readings(job, {"bpm": ("Heart Rate", "value", "bpm")}, ("bpm",)):
        value = heart_rate(job, bpm, row)
        if value is not None:
            job.emit("heart_rate", (utc, job.source, off, value))


def read_steps(job: Job) -> None:
    clock = job.clock
    for row, _c, utc, off, (steps,) in _readings(job, {"steps": ("Steps",)}, ("steps",)):
        if steps is None:
            job.drop("blank")
            continue
        if job.check(steps, 0, 1000, "steps in a minute", row):
            end = utc + MINUTE_MS
            job.emit("steps", (utc, job.source, off, end, clock.instant(end), int(round(steps))))


def read_spo2(job: Job) -> None:
    for row, _c, utc, off, (value,) in _readings(job, {"spo2": ("SpO2",)}, ("spo2",)):
        if not value or value == 50.0:
            job.drop("no reading (blank, 0 or the 50.0 sentinel)")
            continue
        if job.check(value, 40, 100, "SpO2 (%)", row):
            job.emit("spo2", (utc, job.source, off, value))


def read_hrv(job: Job) -> None:
    roles = {"rmssd": ("RMSSD",), "sdnn": ("SDNN",), "lf": ("LF",), "hf": ("HF",)}
    for _row, _c, utc, off, values in _readings(job, roles, tuple(roles), optional=("sdnn", "lf", "hf")):
        if all(v is None for v in values):
            job.drop("blank")
            continue
        job.emit("hrv", (utc, job.source, off, *values))


def read_azm(job: Job) -> None:
    clock = job.clock
    for row, c, utc, off, (azm,) in _readings(job, {"zone": ("Zone",), "azm": ("Active Zone Minutes",)}, ("azm",)):
        if not azm:
            job.drop("no zone minutes (blank or 0)")
            continue
        end = utc + MINUTE_MS
        job.emit("active_zone_minutes", (utc, job.source, off, end, clock.instant(end),
                                         cell(row, c["zone"]).upper() or None, int(azm)))
