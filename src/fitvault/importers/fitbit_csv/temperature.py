"""``Temperature/Computed Temperature - *.csv`` (reference §4.3) → ``daily_skin_temperature``.

Header ``type,sleep_start,sleep_end,temperature_samples,nightly_temperature,
baseline_relative_sample_sum,baseline_relative_sample_sum_of_squares,
baseline_relative_nightly_standard_deviation,baseline_relative_sample_standard_deviation``, one
row per night, local times. The night is the local date of ``sleep_end`` (as the API dates
nightly values). ``nightly_c`` = ``nightly_temperature`` (absolute °C); ``baseline_c`` =
``nightly_temperature`` − ``baseline_relative_sample_sum`` / ``temperature_samples`` (the mean
deviation from the personal baseline); ``relative_stddev_30d_c`` =
``baseline_relative_nightly_standard_deviation``. Rows of another ``type`` than ``SKIN`` (or
blank) are not skin temperature: left out.
"""

from __future__ import annotations

from datetime import date

from fitvault.importers._base import Job, csv_records
from fitvault.importers._clock import DAY_MS, date_text, parse_iso_wall
from fitvault.importers._text import cell, number

_SKIN = (20.0, 45.0)


def read_computed(job: Job) -> None:
    roles = {"type": ("type",), "end": ("sleep_end",), "samples": ("temperature_samples",),
             "nightly": ("nightly_temperature",), "sum": ("baseline_relative_sample_sum",),
             "sd": ("baseline_relative_nightly_standard_deviation",)}
    for row, c in csv_records(job, roles, optional=("type", "samples", "sum", "sd")):
        kind = cell(row, c.get("type")).upper()
        if kind and kind != "SKIN":
            job.drop(f"not skin temperature ({kind})")
            continue
        try:
            day = date.fromisoformat(date_text(parse_iso_wall(cell(row, c["end"])) // DAY_MS))
            nightly = number(cell(row, c["nightly"]))
            samples, total = number(cell(row, c.get("samples"))), number(cell(row, c.get("sum")))
            sd = number(cell(row, c.get("sd")))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not nightly:
            job.drop("no reading (blank or 0)")
            continue
        if not job.check(nightly, *_SKIN, "skin temperature (°C)", row):
            continue
        baseline = nightly - total / samples if samples and total is not None else None
        job.emit("daily_skin_temperature", (day, job.source, nightly, baseline, sd))
