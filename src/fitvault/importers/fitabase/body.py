"""Fitabase ``weightLogInfo_merged.csv``
(``Id,Date,WeightKg,WeightPounds,Fat,BMI,IsManualReport,LogId``) -> ``weight`` and ``body_fat``.

The re-saved Kaggle copy writes ``Date`` as ``5-2-2016`` (no time) and has no ``LogId`` /
``IsManualReport``: such a log is placed at the local midnight of its date. A manual report is
stored with recording method ``MANUAL``. ``BMI`` and ``WeightPounds`` are derived values and are
not stored.
"""

from __future__ import annotations

from fitvault.importers._base import FITBIT, Job
from fitvault.importers._text import cell, number
from fitvault.importers.fitabase._rows import parse_time, rows

MANUAL = ("FITBIT", "", "", "", "MANUAL", "")


def read_weight(job: Job) -> None:
    roles = {"time": ("Date",), "kg": ("WeightKg",), "lb": ("WeightPounds",), "fat": ("Fat",),
             "manual": ("IsManualReport",), "log": ("LogId",)}
    for row, c in rows(job, roles, optional=("lb", "fat", "manual", "log")):
        try:
            wall = parse_time(cell(row, c["time"]))
            kg = number(cell(row, c["kg"]))
            if kg is None and (lb := number(cell(row, c.get("lb")))) is not None:
                kg = lb * 0.45359237
            fat = number(cell(row, c.get("fat")))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not kg:
            job.drop("no weight (blank or 0)")
            continue
        utc, off = job.clock.local(wall)
        key = MANUAL if cell(row, c.get("manual")).lower() == "true" else FITBIT
        log_id = cell(row, c.get("log")) or None
        if job.check(kg, 0.5, 700, "weight (kg)", row):
            job.emit("weight", (utc, key, off, log_id, round(kg * 1000, 1), None))
        if fat and job.check(fat, 1, 80, "body fat (%)", row):
            job.emit("body_fat", (utc, key, off, log_id, fat))
