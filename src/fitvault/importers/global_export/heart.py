"""``heart_rate-YYYY-MM-DD.json`` and ``resting_heart_rate-YYYY-MM-DD.json`` (docs/facts/archives.md#global-export-json).

::

    {"dateTime": "03/01/24 00:00:05", "value": {"bpm": 64, "confidence": 2}}
    {"dateTime": "03/01/24 00:00:00", "value": {"date": "03/01/24", "value": 53.01, "error": 6.9}}

Sentinels (docs/facts/archives.md#sentinels) are missing values, not data: a heart-rate reading with
``confidence`` 0 or ``bpm`` 0, and resting-heart-rate placeholder rows (``date`` null, value 0 —
also the future-dated padding).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from fitvault.importers._base import Job
from fitvault.importers._clock import date_text, parse_mdy
from fitvault.importers.global_export._minutes import first_of_each_instant, place
from fitvault.timeutil import DAY_MS

MIN_BPM, MAX_BPM = 20, 250


def read_heart_rate(job: Job) -> None:
    walls: list[int] = []
    bpms: list[int] = []
    for rec in job.json():
        try:
            value = rec["value"]
            bpm = int(round(float(value["bpm"])))
            confidence = value.get("confidence")
            wall = parse_mdy(rec["dateTime"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        if bpm == 0 or confidence == 0:
            job.drop("no reading (bpm 0 or confidence 0)")
            continue
        if not job.check(bpm, MIN_BPM, MAX_BPM, "heart rate (bpm)", rec):
            continue
        walls.append(wall)
        bpms.append(bpm)
    values = np.array(bpms, dtype=np.int64)
    utc, offs = place(job, "heart_rate", np.array(walls, dtype=np.int64), values)
    keep = first_of_each_instant(job, utc)
    src = job.source
    for t, off, bpm in zip(utc[keep].tolist(), offs[keep].tolist(), values[keep].tolist()):
        job.emit("heart_rate", (t, src, off, bpm))


def read_resting(job: Job) -> None:
    for rec in job.json():
        try:
            value = rec["value"]
            day_text = value.get("date")
            bpm = float(value.get("value") or 0)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        if not day_text or bpm <= 0:
            job.drop("placeholder (no date or resting heart rate 0)")
            continue
        try:
            day = date.fromisoformat(date_text(parse_mdy(day_text) // DAY_MS))
        except ValueError as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        rounded = int(round(bpm))
        if job.check(rounded, 20, 200, "resting heart rate (bpm)", rec):
            job.emit("resting_heart_rate", (day, job.source, rounded, None))
