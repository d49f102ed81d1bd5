"""Per-minute ``steps-``, ``distance-``, ``calories-`` and daily ``*_minutes-`` JSON (docs/facts/archives.md#global-export-json).

::

    {"dateTime": "03/01/24 08:01:00", "value": "87"}      steps per minute (a string)
    {"dateTime": "03/01/24 08:01:00", "value": "6410.0"}  distance per minute, centimetres
    {"dateTime": "03/01/24 08:01:00", "value": "1.23"}    calories per minute, kcal, BMR included
    {"dateTime": "03/01/24 00:00:00", "value": "763"}     sedentary / lightly / moderately / very active minutes

* steps go to ``steps`` as one-minute intervals. Zero-step minutes are not stored: the export
  cannot tell a worn minute from an unworn one, and they add nothing to a day's sum.
* distance and calories are summed per local day into the reconciled daily totals
  ``daily_distance`` (mm) and ``daily_total_calories`` (kcal).
* the four activity-minute families are joined per day into one ``active_minutes`` interval
  covering the local day (light, moderate, vigorous = lightly, moderately, very). A day with
  1440 sedentary minutes and no active minute is the export's placeholder padding (also into
  the future): not stored.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter

import msgspec
import numpy as np

from fitvault.importers._base import Job
from fitvault.importers._bulk import stamped_records
from fitvault.importers._clock import date_text, parse_mdy
from fitvault.importers.global_export._minutes import first_of_each_instant, place
from fitvault.timeutil import DAY_MS

_ACTIVITY_INDEX = {"sedentary_minutes": 0, "lightly_active_minutes": 1, "moderately_active_minutes": 2,
                   "very_active_minutes": 3}
MINUTE_MS = 60_000


# Per-minute ceilings of the families summed per day: far above anything a body does (600 km/h,
# 1,000 kcal a minute), low enough that a damaged value cannot overflow a day's sum to infinity.
_DISTANCE_CM_PER_MIN_MAX = 1e6
_CALORIES_KCAL_PER_MIN_MAX = 1e3
_STEPS_PER_MIN_MAX = 1e9  # only garbage here: read_steps reports counts over 1,000 itself


class _MinuteRecord(msgspec.Struct, gc=False):
    dateTime: str
    value: str


_VALUE = attrgetter("value")


def _minutes(job: Job, scale: float, ceiling: float) -> tuple[np.ndarray, np.ndarray]:
    """(wall ms, value × scale) of a file's minute records."""
    found = _minutes_at_once(job, ceiling)
    if found is not None:
        return found[0], found[1] * scale
    return _minutes_one_by_one(job, scale, ceiling)


def _minutes_at_once(job: Job, ceiling: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(wall ms, value) of a well-formed file whose values are all possible, or None."""
    found = stamped_records(job, _MinuteRecord)
    if found is None:
        return None
    records, walls = found
    try:
        values = np.array(list(map(float, map(_VALUE, records))), dtype=np.float64)
    except ValueError:
        return None
    if not ((values >= 0) & (values <= ceiling)).all():  # NaN fails too
        return None  # one by one: each such record is quarantined with its reason
    job.records += len(records)
    return walls, values


def _minutes_one_by_one(job: Job, scale: float, ceiling: float) -> tuple[np.ndarray, np.ndarray]:
    walls: list[int] = []
    values: list[float] = []
    for rec in job.json():
        try:
            wall = parse_mdy(rec["dateTime"])
            value = float(rec["value"])
        except (KeyError, TypeError, ValueError) as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        if not 0 <= value <= ceiling:  # NaN, Infinity and negatives too
            job.bad(f"impossible value: {value}", rec)
            continue
        walls.append(wall)
        values.append(value * scale)
    return np.array(walls, dtype=np.int64), np.array(values, dtype=np.float64)


def read_steps(job: Job) -> None:
    walls, values = _minutes(job, 1.0, _STEPS_PER_MIN_MAX)
    counts = np.rint(values).astype(np.int64)
    nonzero = counts > 0
    job.drop("zero-step minute (not stored)", int(len(counts) - np.count_nonzero(nonzero)))
    walls, counts = walls[nonzero], counts[nonzero]
    too_many = counts > 1000
    if too_many.any():
        for wall, count in zip(walls[too_many].tolist(), counts[too_many].tolist()):
            job.bad(f"impossible step count in a minute: {count}", {"wall_ms": wall, "value": count})
        walls, counts = walls[~too_many], counts[~too_many]
    utc, offs = place(job, "steps", walls, counts)
    keep = first_of_each_instant(job, utc)
    clock = job.clock
    start, off = utc[keep], offs[keep]
    end = start + MINUTE_MS
    end_off = off.copy()
    moved = np.flatnonzero(clock.zone_offsets(end) != clock.zone_offsets(start))  # the zone's clock changed
    end_off[moved] = [clock.instant(t) for t in end[moved].tolist()]
    job.emit_many("steps", list(zip(start.tolist(), repeat(job.source), off.tolist(), end.tolist(), end_off.tolist(),
                                    counts[keep].tolist())))


def _daily_total(job: Job, family: str, table: str, scale: float, fingerprint_scale: float,
                 ceiling: float) -> None:
    walls, values = _minutes(job, scale, ceiling)
    keys = np.rint(values * fingerprint_scale / scale).astype(np.int64)
    utc, offs = place(job, family, walls, keys)
    if not len(utc):
        return
    days = (utc + offs * 1000) // DAY_MS
    order = np.argsort(days, kind="stable")
    days, values = days[order], values[order]
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    sums = np.add.reduceat(values, starts)
    for day, total in zip(days[starts].tolist(), sums.tolist()):
        job.total(table, date_text(day), total)


def read_distance(job: Job) -> None:
    # centimetres -> millimetres; fingerprints compare whole centimetres
    _daily_total(job, "distance", "daily_distance", 10.0, 1.0, _DISTANCE_CM_PER_MIN_MAX)


def read_calories(job: Job) -> None:
    # kcal; fingerprints compare tenths of a kcal
    _daily_total(job, "calories", "daily_total_calories", 1.0, 10.0, _CALORIES_KCAL_PER_MIN_MAX)


def read_activity_minutes(job: Job, family: str) -> None:
    index = _ACTIVITY_INDEX[family]
    for rec in job.json():
        try:
            day = date_text(parse_mdy(rec["dateTime"]) // DAY_MS)
            minutes = float(rec["value"])
        except (KeyError, TypeError, ValueError) as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        if not 0 <= minutes <= 1440:
            job.bad(f"impossible minutes in a day: {minutes}", rec)
            continue
        job.activity.setdefault((job.origin, day), [None, None, None, None])[index] = minutes
