"""Fitabase activity files: daily totals, minute and hourly steps, calories and intensities.

=============================================  ===============================================
file                                           stored as
=============================================  ===============================================
``dailyActivity`` ``TotalSteps``               ``daily_steps``
``dailyActivity`` ``TotalDistance`` (km)       ``daily_distance``
``dailyActivity`` / ``dailyCalories``          ``daily_total_calories``
``dailyActivity`` / ``dailyIntensities``       ``active_minutes``: one interval per local day
(``Lightly``/``Fairly``/``VeryActiveMinutes``)  (light, moderate, vigorous)
``dailySteps`` ``StepTotal``                   ``daily_steps``
``minuteStepsNarrow`` ``Steps``                ``steps`` (1-minute intervals, zero minutes left out)
``hourlySteps`` ``StepTotal``                  ``steps`` (1-hour intervals), only when the import
                                               has no ``minuteStepsNarrow`` file
``minuteCaloriesNarrow`` / ``hourlyCalories``  ``daily_total_calories`` of days no daily file gives
``minuteIntensitiesNarrow`` ``Intensity`` 0-3  ``activity_level`` (1-minute intervals)
=============================================  ===============================================

A ``dailyActivity`` / ``dailyIntensities`` day with no steps, no active minute and 1440
sedentary minutes is a day the tracker was not worn: nothing of it is stored (so a view never
starts on it); so is a ``minuteIntensitiesNarrow`` day of 1440 sedentary minutes. Distances other than ``TotalDistance``, ``SedentaryMinutes`` and the hourly
intensity sums have no vault column.
"""

from __future__ import annotations

from collections.abc import Mapping

from fitvault.importers._base import FITBIT, Job
from fitvault.importers._clock import date_text
from fitvault.importers._text import cell, number
from fitvault.importers._writer import save_rollups
from fitvault.importers.fitabase._rows import local_day, parse_time, rows
from fitvault.timeutil import DAY_MS, Sequence

MINUTE_MS, HOUR_MS = 60_000, 3_600_000
PLACEHOLDER = "day not worn (0 steps, no active minute, 1440 sedentary minutes)"
LEVELS = {0: "SEDENTARY", 1: "LIGHTLY_ACTIVE", 2: "MODERATELY_ACTIVE", 3: "VERY_ACTIVE"}
#: Files whose presence in the import makes a coarser file of the same measure redundant.
DAILY_CALORIES = ("fitabase/dailyActivity", "fitabase/dailyCalories")


def _covered(job: Job, finer: tuple[str, ...]) -> str | None:
    for key in finer:
        if job.state.participant in job.state.fitabase_kinds.get(key, ()) and key != job.family.key:
            return f"covered by {key.split('/')[1]}_merged.csv of this import"
    return None


def _rollups(job: Job, table: str, values: dict[int, float], fill_only: bool = False) -> None:
    """Day values into a rollup table (origin precedence as for every import); ``fill_only``
    writes only days the vault holds no value for."""
    writer = job.writer
    if writer is None or not values:
        return
    days = sorted(values)
    if fill_only:
        held = {d for (d,) in writer.conn.execute(f"SELECT date FROM {table}")}  # noqa: S608 - fixed names
        days = [d for d in days if date_text(d) not in held]
    save_rollups(writer.vault, writer.conn, table, job.origin, [(date_text(d), FITBIT, values[d]) for d in days])
    writer.stored += len(days)


def _day(job: Job, row: list[str], c: dict[str, int], role: str = "day") -> int:
    return parse_time(cell(row, c[role])) // DAY_MS


def _day_minutes(job: Job, day: int, light, moderate, very, sedentary, steps=None) -> bool:
    """Emit a day's active minutes (none when all three are blank); False when the day is a
    not-worn placeholder."""
    active = [int(round(v or 0)) for v in (light, moderate, very)]
    if not any(active) and not steps and sedentary is not None and sedentary >= 1440:
        job.drop(PLACEHOLDER)
        return False
    if light is None and moderate is None and very is None:
        return True
    start, off, end, end_off = local_day(job, day)
    job.emit("active_minutes", (start, FITBIT, off, end, end_off, *active))
    return True


def _day_rows(job: Job, roles: Mapping[str, tuple[str, ...]]):
    """(row, day number, {role: number or None}) of a daily file's participant rows."""
    for row, c in rows(job, roles):
        try:
            yield row, _day(job, row, c), {k: number(cell(row, c[k])) for k in roles if k != "day"}
        except ValueError as exc:
            job.problem(exc, row)


def read_daily_activity(job: Job) -> None:
    roles = {"day": ("ActivityDate", "ActivityDay"), "steps": ("TotalSteps",), "distance": ("TotalDistance",),
             "very": ("VeryActiveMinutes",), "fairly": ("FairlyActiveMinutes",), "light": ("LightlyActiveMinutes",),
             "sedentary": ("SedentaryMinutes",), "calories": ("Calories",)}
    steps, distance, calories = {}, {}, {}
    for row, day, v in _day_rows(job, roles):
        if not _day_minutes(job, day, v["light"], v["fairly"], v["very"], v["sedentary"], v["steps"]):
            continue
        if v["steps"] is not None and job.check(v["steps"], 0, 200_000, "steps in a day", row):
            steps[day] = v["steps"]
        if v["distance"] and job.check(v["distance"], 0, 500, "distance in a day (km)", row):
            distance[day] = v["distance"] * 1_000_000  # km -> mm
        if v["calories"] and job.check(v["calories"], 0, 50_000, "calories in a day", row):
            calories[day] = v["calories"]
    _rollups(job, "daily_steps", steps)
    _rollups(job, "daily_distance", distance)
    _rollups(job, "daily_total_calories", calories)


def read_daily_intensities(job: Job) -> None:
    roles = {"day": ("ActivityDay", "ActivityDate"), "very": ("VeryActiveMinutes",),
             "fairly": ("FairlyActiveMinutes",), "light": ("LightlyActiveMinutes",), "sedentary": ("SedentaryMinutes",)}
    for _row, day, v in _day_rows(job, roles):
        _day_minutes(job, day, v["light"], v["fairly"], v["very"], v["sedentary"])


def _daily_value(job: Job, names: tuple[str, ...], table: str, hi: float, what: str) -> None:
    values = {}
    for row, c in rows(job, {"day": ("ActivityDay", "ActivityDate"), "value": names}):
        try:
            day, value = _day(job, row, c), number(cell(row, c["value"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not value:
            job.drop("zero or blank day total (not worn)")
        elif job.check(value, 0, hi, what, row):
            values[day] = value
    _rollups(job, table, values)


def read_daily_steps(job: Job) -> None:
    _daily_value(job, ("StepTotal",), "daily_steps", 200_000, "steps in a day")


def read_daily_calories(job: Job) -> None:
    _daily_value(job, ("Calories",), "daily_total_calories", 50_000, "calories in a day")


def _timed(job: Job, time_names: tuple[str, ...], value_names: tuple[str, ...]):
    """(row, wall ms, UTC ms, offset, value) of a minute or hourly file, in file order."""
    seq = Sequence()
    for row, c in rows(job, {"time": time_names, "value": value_names}):
        try:
            wall = parse_time(cell(row, c["time"]))
            value = number(cell(row, c["value"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        utc, off = job.clock.local(wall, seq)
        yield row, wall, utc, off, value


def _intervals(job: Job, length_ms: int, time_names: tuple[str, ...], hi: float) -> None:
    seen: set[int] = set()
    instant = job.clock.instant
    for row, _wall, utc, off, steps in _timed(job, time_names, ("Steps", "StepTotal")):
        if not steps:
            job.drop("zero-step interval (not stored)")
        elif utc in seen:
            job.drop("second row at one instant")
        elif job.check(steps, 0, hi, "steps in an interval", row):
            seen.add(utc)
            job.emit("steps", (utc, FITBIT, off, utc + length_ms, instant(utc + length_ms), int(round(steps))))


def read_minute_steps(job: Job) -> None:
    _intervals(job, MINUTE_MS, ("ActivityMinute",), 1000)


def read_hourly_steps(job: Job) -> None:
    why = _covered(job, ("fitabase/minuteStepsNarrow",))
    if why:
        for _row, _c in rows(job, {}):
            job.drop(why)
        return
    _intervals(job, HOUR_MS, ("ActivityHour",), 60_000)


def _calorie_sums(job: Job, time_names: tuple[str, ...], finer: tuple[str, ...]) -> None:
    why = _covered(job, DAILY_CALORIES + finer)
    sums: dict[int, float] = {}
    for row, wall, _utc, _off, kcal in _timed(job, time_names, ("Calories",)):
        if why:
            job.drop(why)
        elif kcal is not None and job.check(kcal, 0, 5_000, "calories in an interval", row):
            sums[wall // DAY_MS] = sums.get(wall // DAY_MS, 0.0) + kcal
    _rollups(job, "daily_total_calories", {d: v for d, v in sums.items() if v}, fill_only=True)


def read_minute_calories(job: Job) -> None:
    _calorie_sums(job, ("ActivityMinute",), ())


def read_hourly_calories(job: Job) -> None:
    _calorie_sums(job, ("ActivityHour",), ("fitabase/minuteCaloriesNarrow",))


def read_minute_intensities(job: Job) -> None:
    """One ``activity_level`` interval per minute; a local day of 1440 minutes all 0 is a not-worn
    placeholder (left out)."""
    instant = job.clock.instant
    day_rows: list[tuple] = []
    current: int | None = None

    def flush() -> None:
        if day_rows and (len(day_rows) < 1440 or any(r[5] != LEVELS[0] for r in day_rows)):
            for r in day_rows:
                job.emit("activity_level", r)
        elif day_rows:
            job.drop(PLACEHOLDER, len(day_rows))
        day_rows.clear()

    seen: set[int] = set()
    for row, wall, utc, off, level in _timed(job, ("ActivityMinute",), ("Intensity",)):
        if level is None or int(level) not in LEVELS:
            job.bad(f"unknown intensity {level!r}", row)
            continue
        if utc in seen:
            job.drop("second row at one instant")
            continue
        seen.add(utc)
        if wall // DAY_MS != current:
            flush()
            current = wall // DAY_MS
        day_rows.append((utc, FITBIT, off, utc + MINUTE_MS, instant(utc + MINUTE_MS), LEVELS[int(level)]))
    flush()
