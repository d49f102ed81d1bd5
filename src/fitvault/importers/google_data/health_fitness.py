"""``Health Fitness Data_GoogleData``: ``UserSleeps_*.csv``, ``UserSleepStages_*.csv``,
``UserExercises_*.csv`` (reference §4.3).

* ``UserSleeps``: ``sleep_id,sleep_type,minutes_in_sleep_period,minutes_after_wake_up,
  minutes_to_fall_asleep,minutes_asleep,minutes_awake,...,start_utc_offset,sleep_start,
  end_utc_offset,sleep_end,data_source,...,sleep_created,sleep_last_updated`` → ``sleep_sessions``
  (id = ``sleep_id``; it is not the legacy ``logId``).
* ``UserSleepStages``: ``sleep_id,sleep_stage_id,sleep_stage_type,start_utc_offset,
  sleep_stage_start,end_utc_offset,sleep_stage_end,...`` → ``sleep_stages`` of sessions already
  imported (the ``UserSleeps`` files are read first).
* ``UserExercises``: ``exercise_id,exercise_start,exercise_end,utc_offset,...,activity_name,...``
  → ``exercises``; of its 46 columns fitvault reads the id, times and name, and calories,
  steps, distance (metres), average heart rate and zone minutes when present.

Instants are UTC (``Z``) and exact. The ``*_utc_offset`` columns were ``+00:00`` for most rows
and wrong by more than an hour for most nights in one real export (reference §4.4), so they are
not trusted: offsets come from the zone and the evidence of the import, like every UTC source.
"""

from __future__ import annotations

from datetime import date

from fitvault import timeutil
from fitvault.importers._base import Job, csv_records
from fitvault.importers._clock import DAY_MS, date_text
from fitvault.importers._text import cell, number
from fitvault.importers.global_export.exercise import exercise_type
from fitvault.importers.google_data.physical_activity import source_of


def _int(text: str) -> int | None:
    value = number(text)
    return None if value is None or value < 0 else int(round(value))


def read_sleeps(job: Job) -> None:
    roles = {
        "id": ("sleep_id",), "type": ("sleep_type",), "period": ("minutes_in_sleep_period",),
        "after": ("minutes_after_wake_up",), "to_sleep": ("minutes_to_fall_asleep",), "asleep": ("minutes_asleep",),
        "awake": ("minutes_awake",), "start": ("sleep_start",), "end": ("sleep_end",),
        "source": ("data_source", "data source"), "created": ("sleep_created",), "updated": ("sleep_last_updated",),
    }
    optional = ("type", "period", "after", "to_sleep", "asleep", "awake", "source", "created", "updated")
    clock = job.clock
    for row, c in csv_records(job, roles, optional=optional):
        try:
            sid = cell(row, c["id"])
            start, end = timeutil.parse_instant_ms(cell(row, c["start"])), timeutil.parse_instant_ms(cell(row, c["end"]))
            if not sid or end < start:
                raise ValueError("no id, or the sleep ends before it starts")
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not job.first_time("sleep:" + sid, "sleep repeated in another file (stored once)"):
            continue
        start_off, end_off = clock.instant(start), clock.instant(end)
        session = (
            sid, source_of(cell(row, c.get("source"))), start, start_off, end, end_off,
            cell(row, c.get("type")).upper() or None, 0, 0, 1, None, 0,
            _int(cell(row, c.get("period"))), _int(cell(row, c.get("asleep"))), _int(cell(row, c.get("awake"))),
            _int(cell(row, c.get("to_sleep"))), _int(cell(row, c.get("after"))),
            cell(row, c.get("created")) or None, cell(row, c.get("updated")) or None,
        )
        job.emit("sleep_sessions_only", session)


def read_stages(job: Job) -> None:
    roles = {"id": ("sleep_id",), "type": ("sleep_stage_type",), "start": ("sleep_stage_start",),
             "end": ("sleep_stage_end",)}
    clock = job.clock
    for row, c in csv_records(job, roles):
        try:
            start, end = timeutil.parse_instant_ms(cell(row, c["start"])), timeutil.parse_instant_ms(cell(row, c["end"]))
            if end < start:
                raise ValueError("the stage ends before it starts")
        except ValueError as exc:
            job.problem(exc, row)
            continue
        job.emit("sleep_stages", (cell(row, c["id"]), "stage", start, clock.instant(start), end, clock.instant(end),
                                  cell(row, c["type"]).upper() or "UNKNOWN"))


def read_exercises(job: Job) -> None:
    roles = {"id": ("exercise_id",), "start": ("exercise_start",), "end": ("exercise_end",),
             "name": ("activity_name",), "calories": ("calories", "total_calories", "calories_burned"),
             "steps": ("steps",), "distance": ("distance", "distance_meters"),
             "hr": ("average_heart_rate", "avg_heart_rate"), "azm": ("active_zone_minutes",),
             "source": ("data_source", "data source")}
    clock = job.clock
    for row, c in csv_records(job, roles, optional=("name", "calories", "steps", "distance", "hr", "azm", "source")):
        try:
            eid = cell(row, c["id"])
            start, end = timeutil.parse_instant_ms(cell(row, c["start"])), timeutil.parse_instant_ms(cell(row, c["end"]))
            if not eid or end < start:
                raise ValueError("no id, or the exercise ends before it starts")
            calories, steps, distance = (number(cell(row, c.get(k))) for k in ("calories", "steps", "distance"))
            hr, azm = number(cell(row, c.get("hr"))), number(cell(row, c.get("azm")))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not job.first_time("exercise:" + eid, "exercise repeated in another file (stored once)"):
            continue
        name = cell(row, c.get("name")) or None
        start_off, end_off = clock.instant(start), clock.instant(end)
        session = (
            eid, source_of(cell(row, c.get("source"))), start, start_off, end, end_off, exercise_type(name), name,
            None, calories, None if distance is None else distance * 1000.0, None if steps is None else int(steps),
            None, None, None if not hr else int(round(hr)), None if azm is None else int(azm),
            None, None, None, None, None, None, None, 0, None, None, None, None,
        )
        day = date.fromisoformat(date_text((start + start_off * 1000) // DAY_MS))
        job.emit("exercises", (session, [], [], day))
