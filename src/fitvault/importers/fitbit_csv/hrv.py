"""Heart Rate Variability folder (docs/facts/archives.md#csv-families).

``Heart Rate Variability Details - YYYY-MM-DD.csv``: ``timestamp,rmssd,coverage,low_frequency,
high_frequency``, 5-minute samples during sleep, local time without ``Z`` → ``hrv``
(``rmssd_ms``, ``lf_power_ms2``, ``hf_power_ms2``; the export has no SDNN).

``Daily Heart Rate Variability Summary - YYYY-MM-(DD).csv`` (odd names: ``2024-07-(21)``,
``2024-07-``): ``timestamp,rmssd,nremhr,entropy``, one row per night → ``daily_hrv``
(``average_hrv_ms``, ``non_rem_hr_bpm``, ``entropy``), dated by its timestamp, never by the name.
``rmssd`` ``0.0`` means no value (docs/facts/archives.md#fact-10): it stays missing and the night's ``nremhr``
and ``entropy`` are kept; a row with none of the three is left out.
"""

from __future__ import annotations

from fitvault.importers._base import Job, csv_records, day_of, placed
from fitvault.importers._text import cell, number
from fitvault.timeutil import Sequence

_MS = (0.0, 1000.0)


def read_details(job: Job) -> None:
    seq = Sequence()
    roles = {"time": ("timestamp",), "rmssd": ("rmssd",), "lf": ("low_frequency",), "hf": ("high_frequency",)}
    for row, c in csv_records(job, roles, optional=("lf", "hf")):
        try:
            rmssd = number(cell(row, c["rmssd"]))
            lf, hf = number(cell(row, c.get("lf"))), number(cell(row, c.get("hf")))
            if rmssd is None and lf is None and hf is None:
                job.drop("blank values")
                continue
            utc, off = placed(job, cell(row, c["time"]), seq)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if rmssd is not None and not job.check(rmssd, *_MS, "RMSSD (ms)", row):
            continue
        job.emit("hrv", (utc, job.source, off, rmssd, None, lf, hf))


def read_daily(job: Job) -> None:
    roles = {"time": ("timestamp",), "rmssd": ("rmssd",), "nremhr": ("nremhr",), "entropy": ("entropy",)}
    for row, c in csv_records(job, roles, optional=("nremhr", "entropy")):
        try:
            day = day_of(cell(row, c["time"]))
            rmssd = number(cell(row, c["rmssd"]))
            nremhr = number(cell(row, c.get("nremhr")))
            entropy = number(cell(row, c.get("entropy")))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if rmssd is not None and rmssd <= 0:
            rmssd = None
        if rmssd is None and not nremhr and not entropy:
            job.drop("no reading (blank or 0)")
            continue
        if rmssd is not None and not job.check(rmssd, *_MS, "RMSSD (ms)", row):
            continue
        job.emit("daily_hrv", (day, job.source, rmssd, None if not nremhr else int(round(nremhr)), entropy, None))
