"""``Active Zone Minutes (AZM)/Active Zone Minutes - YYYY-MM-DD.csv`` (docs/facts/archives.md#csv-families).

``date_time,heart_zone_id,total_minutes``: one row per minute in a zone, ``YYYY-MM-DDTHH:MM``
local → ``active_zone_minutes`` one-minute intervals (``heart_rate_zone`` FAT_BURN | CARDIO |
PEAK, ``active_zone_minutes`` as given: 1 per fat-burn minute, 2 per cardio/peak minute).
"""

from __future__ import annotations

from fitvault.importers._base import Job, csv_records
from fitvault.importers._text import cell, number
from fitvault.timeutil import Sequence, parse_iso_wall

MINUTE_MS = 60_000


def read_azm(job: Job) -> None:
    seq = Sequence()
    roles = {"time": ("date_time", "timestamp"), "zone": ("heart_zone_id", "heart rate zone"),
             "minutes": ("total_minutes", "total minutes")}
    clock = job.clock
    for row, c in csv_records(job, roles):
        try:
            minutes = number(cell(row, c["minutes"]))
            zone = cell(row, c["zone"]).upper().replace(" ", "_")
            if not minutes:
                job.drop("no zone minutes (blank or 0)")
                continue
            wall = parse_iso_wall(cell(row, c["time"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not job.check(minutes, 0, 2, "active zone minutes in a minute", row):
            continue
        start, off = clock.local(wall, seq)
        end = start + MINUTE_MS
        job.emit("active_zone_minutes", (start, job.source, off, end, clock.instant(end) if clock.zone.offset_at(end)
                                         != clock.zone.offset_at(start) else off, zone or None, int(minutes)))
