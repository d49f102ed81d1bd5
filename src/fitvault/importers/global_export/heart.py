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
from operator import attrgetter

import msgspec
import numpy as np

from fitvault.importers._base import Job
from fitvault.importers._bulk import stamped_records
from fitvault.importers._clock import date_text, parse_mdy
from fitvault.importers.global_export._minutes import first_of_each_instant, place
from fitvault.timeutil import DAY_MS

MIN_BPM, MAX_BPM = 20, 250
NO_READING = "no reading (bpm 0 or confidence 0)"


class _Reading(msgspec.Struct, gc=False):
    bpm: float
    confidence: int | None = None


class _HeartRecord(msgspec.Struct, gc=False):
    dateTime: str
    value: _Reading


_BPM, _CONFIDENCE = attrgetter("value.bpm"), attrgetter("value.confidence")


def read_heart_rate(job: Job) -> None:
    found = _readings_at_once(job)
    if found is None:
        found = _readings_one_by_one(job)
    walls, values = found
    utc, offs = place(job, "heart_rate", walls, values)
    keep = first_of_each_instant(job, utc)
    job.emit_samples("heart_rate", [job.source], np.zeros(len(keep), np.int64), utc[keep], offs[keep], values[keep])


def _readings_at_once(job: Job) -> tuple[np.ndarray, np.ndarray] | None:
    """(wall ms, bpm) of a well-formed file whose readings are all plausible, or None."""
    found = stamped_records(job, _HeartRecord)
    if found is None:
        return None
    records, walls = found
    raw = np.fromiter(map(_BPM, records), dtype=np.float64, count=len(records))
    if not np.isfinite(raw).all():
        return None
    bpm = np.rint(raw).astype(np.int64)  # round half to even, as round()
    reading = bpm != 0
    if 0 in map(_CONFIDENCE, records):
        reading &= np.array([c != 0 for c in map(_CONFIDENCE, records)], dtype=bool)
    if ((bpm[reading] < MIN_BPM) | (bpm[reading] > MAX_BPM)).any():
        return None  # one by one: each such record is quarantined with its reason
    job.records += len(records)
    if not reading.all():
        job.drop(NO_READING, int(len(bpm) - np.count_nonzero(reading)))
    return walls[reading], bpm[reading]


def _readings_one_by_one(job: Job) -> tuple[np.ndarray, np.ndarray]:
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
            job.drop(NO_READING)
            continue
        if not job.check(bpm, MIN_BPM, MAX_BPM, "heart rate (bpm)", rec):
            continue
        walls.append(wall)
        bpms.append(bpm)
    return np.array(walls, dtype=np.int64), np.array(bpms, dtype=np.int64)


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
