"""``Temperature/Computed Temperature - *.csv`` (docs/facts/archives.md#csv-families) → ``daily_skin_temperature``.

Header ``type,sleep_start,sleep_end,temperature_samples,nightly_temperature,
baseline_relative_sample_sum,baseline_relative_sample_sum_of_squares,
baseline_relative_nightly_standard_deviation,baseline_relative_sample_standard_deviation``, one
row per night, local times. The night is the local date of ``sleep_end`` (as the API dates
nightly values). ``nightly_c`` = ``nightly_temperature`` (absolute °C); ``baseline_c`` =
``nightly_temperature`` − ``baseline_relative_sample_sum`` / ``temperature_samples`` (the mean
deviation from the personal baseline); ``relative_stddev_30d_c`` =
``baseline_relative_nightly_standard_deviation``.

``type`` is ``SKIN`` or ``IDT``: every row of three real exports is ``IDT`` and carries the
nightly value (32–35 °C) with ``NaN`` baseline columns (docs/facts/archives.md#fact-8), so both are read and a
``NaN`` baseline stays missing. Another type is left out (counted). Two rows can end on the same
date (a nap and the night: 131 rows on 126 dates in one export): the longest sleep's row is the
night's, the other is counted, never written over it.
"""

from __future__ import annotations

from datetime import date

from fitvault.importers._base import Job, csv_records
from fitvault.importers._clock import date_text
from fitvault.importers._text import cell, number
from fitvault.timeutil import DAY_MS, parse_iso_wall

_SKIN = (20.0, 45.0)
_TYPES = ("SKIN", "IDT")


def read_computed(job: Job) -> None:
    roles = {"type": ("type",), "start": ("sleep_start",), "end": ("sleep_end",), "samples": ("temperature_samples",),
             "nightly": ("nightly_temperature",), "sum": ("baseline_relative_sample_sum",),
             "sd": ("baseline_relative_nightly_standard_deviation",)}
    nights: dict[date, tuple[int, tuple]] = {}
    for row, c in csv_records(job, roles, optional=("type", "start", "samples", "sum", "sd")):
        kind = cell(row, c.get("type")).upper()
        if kind and kind not in _TYPES:
            job.drop(f"not skin temperature ({kind})")
            continue
        try:
            end_wall = parse_iso_wall(cell(row, c["end"]))
            start_text = cell(row, c.get("start"))
            length = end_wall - parse_iso_wall(start_text) if start_text else 0
            day = date.fromisoformat(date_text(end_wall // DAY_MS))
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
        held = nights.get(day)
        if held is not None:
            job.drop("a shorter sleep ending on the same date (the longest sleep's value is kept)")
            if held[0] >= length:
                continue
        nights[day] = (length, (day, job.source, nightly, baseline, sd))
    for _length, night in nights.values():
        job.emit("daily_skin_temperature", night)
