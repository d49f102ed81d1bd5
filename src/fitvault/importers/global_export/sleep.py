"""``sleep-YYYY-MM-DD.json``: 30-day chunks of API-v1.2-like sleep logs (docs/facts/archives.md#global-export-json).

A log becomes a ``sleep_sessions`` row (id = its ``logId``) with its stages (``levels.data``),
short awakenings (``levels.shortData``) and stage summary (``levels.summary``), exactly like an
API session. Logs near a chunk boundary appear in two chunks (docs/facts/archives.md#duplicate-sleep-logs): the second copy
is not stored again.

Times are naive local (``2024-03-01T23:05:30.000``, docs/facts/archives.md#fact-10). When a day of the night
has an inferred offset (travel, see ``_fingerprint``), that offset places the whole night; else
the zone places each time. (``sleep_score.csv`` is no evidence: its ``timestamp`` is this log's
local end with a ``Z`` added, not a UTC instant — docs/facts/archives.md#fact-1.)

Each log is remembered (local start, UTC start, end, main flag) so that GoogleData
``UserSleeps`` can find its twin (``google_data/health_fitness.py``).
"""

from __future__ import annotations

from datetime import date

from fitvault.importers._base import Job
from fitvault.importers._clock import date_text
from fitvault.importers.global_export._logs import read_logs
from fitvault.timeutil import DAY_MS, Sequence, parse_iso_wall

LEVELS = {"wake": "AWAKE", "awake": "AWAKE", "light": "LIGHT", "deep": "DEEP", "rem": "REM", "asleep": "ASLEEP",
          "restless": "RESTLESS", "unknown": "UNKNOWN"}


def _int(value) -> int | None:
    return None if value is None else int(value)


def _continuous_clock(job: Job, rec: dict, start_wall: int, end_wall: int) -> int | None:
    """One offset for a night across a DST change whose log runs on one continuous clock.

    Real logs keep ``duration`` equal to the wall-clock span even across a DST change, and their
    stages follow each other without a gap or an overlap in wall time (docs/facts/archives.md#fact-11; a
    Dublin spring-forward night of 2020-03-29 holds stages at 01:18 and 01:40, wall times that do
    not exist). Placed time by time, such a night loses or overlaps an hour; on one clock it
    keeps every stage and its length. Which offset that clock had is not in the log (unverified):
    the one in force when the night began is used (a tracker takes the new time at its next sync).
    Each time then keeps the offset in force at its instant, so local times stay the zone's.
    """
    zone = job.clock.zone
    if zone.steady(start_wall) and zone.steady(end_wall) and start_wall // DAY_MS == end_wall // DAY_MS:
        return None
    first, last = zone.wall_offset(start_wall, 0), zone.wall_offset(end_wall, 1)
    if first == last:
        return None
    duration = rec.get("duration")
    if duration is None or abs(float(duration) - (end_wall - start_wall)) > 60_000:
        return None  # the log counts real elapsed time: its times follow the zone
    return first


def read_sleep(job: Job) -> None:
    read_logs(job, "sleep_sessions", "sleep log", _log)


def _log(job: Job, rec: dict) -> tuple | None:
    log_id = str(int(rec["logId"]))
    if not job.first_time("sleep:" + log_id, "sleep log repeated in another chunk (stored once)"):
        return None
    start_wall, end_wall = parse_iso_wall(rec["startTime"]), parse_iso_wall(rec["endTime"])
    if end_wall < start_wall:
        raise ValueError("the sleep log ends before it starts")
    clock = job.clock
    # One offset for the whole night when the night's own evidence or its day's says the person
    # was away from the zone (a night placed half in one zone and half in another would be wrong).
    fixed = clock.evidence.override(end_wall // DAY_MS)
    if fixed is None:
        fixed = clock.evidence.override(start_wall // DAY_MS)
    continuous = _continuous_clock(job, rec, start_wall, end_wall) if fixed is None else None

    def at(wall: int, seq: Sequence) -> tuple[int, int]:
        if fixed is not None:
            return wall - fixed * 1000, fixed
        if continuous is not None:  # one clock for the instants; each keeps the offset in force
            utc = wall - continuous * 1000
            return utc, clock.instant(utc)
        return clock.local(wall, seq)

    seq = Sequence()
    start_ms, start_off = at(start_wall, seq)
    levels = rec.get("levels") or {}
    parts = []
    for key, kind in (("data", "stage"), ("shortData", "short_awakening")):
        part_seq = Sequence()
        for item in levels.get(key) or ():
            wall = parse_iso_wall(item["dateTime"])
            seconds = float(item.get("seconds") or 0)
            if seconds <= 0:
                continue
            p_start, p_off = at(wall, part_seq)
            p_end, p_end_off = at(wall + int(seconds * 1000), part_seq)
            level = str(item.get("level", "unknown")).lower()
            parts.append((kind, p_start, p_off, p_end, p_end_off, LEVELS.get(level, level.upper())))
    end_ms, end_off = at(end_wall, seq)
    summary = []
    for stage, values in (levels.get("summary") or {}).items():
        if isinstance(values, dict) and values.get("minutes") is not None:
            summary.append((LEVELS.get(stage.lower(), stage.upper()), int(values["minutes"]), int(values.get("count") or 0)))
    sleep_type = str(rec.get("type") or ("stages" if "deep" in (levels.get("summary") or {}) else "classic")).upper()
    main = rec.get("mainSleep", rec.get("isMainSleep"))
    job.state.sleep_logs.append((start_wall, start_ms, end_ms, bool(main)))
    session = (
        log_id, job.source, start_ms, start_off, end_ms, end_off, sleep_type, int(bool(main)), 0, 1, None,
        int(rec.get("logType") == "manual"), _int(rec.get("timeInBed")), _int(rec.get("minutesAsleep")),
        _int(rec.get("minutesAwake")), _int(rec.get("minutesToFallAsleep")), _int(rec.get("minutesAfterWakeup")),
        None, None,
    )
    start_day = date.fromisoformat(date_text((start_ms + start_off * 1000) // DAY_MS))
    return (session, unique_parts(job, parts), sorted(summary), start_day)


def unique_parts(job: Job, parts: list[tuple]) -> list[tuple]:
    """Parts sorted, one per (kind, start): two stages can land on one instant when a night's wall
    times fall in a spring-forward gap; the first is kept (a re-import then rewrites nothing)."""
    seen: dict[tuple, tuple] = {}
    for part in parts:
        key = (part[0], part[1])
        if key in seen:
            job.drop("stage on the same instant as an earlier one (a wall time the clock skipped)")
        else:
            seen[key] = part
    return sorted(seen.values())
