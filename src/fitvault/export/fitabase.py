"""The vault in the layout of a Fitabase research export (the Kaggle "FitBit Fitness Tracker
Data"), so analysis code written for that dataset runs on your own data.

One participant (``Id``, default ``1``); times are each record's own local wall time written as
Fitabase does (``4/12/2016 2:47:30 AM``; daily files ``4/12/2016``). Files and their sources:

====================================  ============================================================
file                                  from
====================================  ============================================================
``heartrate_seconds_merged.csv``      ``heart_rate``
``minuteSleep_merged.csv``            sleep stages, one row per minute from each session's start
                                      (1 asleep, 2 restless, 3 awake; staged sleep: deep, light
                                      and REM are 1); ``logId`` the session id
``sleepDay_merged.csv``               sessions per night (the local date of their end)
``dailyActivity_merged.csv``          daily steps, distance, calories and active minutes
``dailySteps`` / ``dailyCalories`` /  the same values
``dailyIntensities_merged.csv``
``minuteStepsNarrow_merged.csv``      1-minute ``steps`` intervals
``hourlySteps_merged.csv``            ``steps`` summed per local hour
``minuteIntensitiesNarrow_merged``    1-minute ``activity_level`` intervals (0 sedentary .. 3 very)
``hourlyIntensities_merged.csv``      those summed per local hour
``weightLogInfo_merged.csv``          ``weight`` and ``body_fat`` at the same instant
====================================  ============================================================

Columns fitvault has no value for (``TrackerDistance``, the per-intensity distances,
``SedentaryMinutes``, ``BMI``) are left blank, never 0. ``fitvault import`` reads every file back
into the same rows (the round trip of ``tests/integration/test_import_fitabase.py``).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from fitvault.export.common import ExportItem, ExportResult, prepare_out_dir

if TYPE_CHECKING:
    import pandas as pd

HEADERS: dict[str, tuple[str, ...]] = {
    "heartrate_seconds": ("Id", "Time", "Value"),
    "minuteSleep": ("Id", "date", "value", "logId"),
    "sleepDay": ("Id", "SleepDay", "TotalSleepRecords", "TotalMinutesAsleep", "TotalTimeInBed"),
    "dailyActivity": ("Id", "ActivityDate", "TotalSteps", "TotalDistance", "TrackerDistance",
                      "LoggedActivitiesDistance", "VeryActiveDistance", "ModeratelyActiveDistance",
                      "LightActiveDistance", "SedentaryActiveDistance", "VeryActiveMinutes", "FairlyActiveMinutes",
                      "LightlyActiveMinutes", "SedentaryMinutes", "Calories"),
    "dailySteps": ("Id", "ActivityDay", "StepTotal"),
    "dailyCalories": ("Id", "ActivityDay", "Calories"),
    "dailyIntensities": ("Id", "ActivityDay", "SedentaryMinutes", "LightlyActiveMinutes", "FairlyActiveMinutes",
                         "VeryActiveMinutes", "SedentaryActiveDistance", "LightActiveDistance",
                         "ModeratelyActiveDistance", "VeryActiveDistance"),
    "minuteStepsNarrow": ("Id", "ActivityMinute", "Steps"),
    "hourlySteps": ("Id", "ActivityHour", "StepTotal"),
    "minuteIntensitiesNarrow": ("Id", "ActivityMinute", "Intensity"),
    "hourlyIntensities": ("Id", "ActivityHour", "TotalIntensity", "AverageIntensity"),
    "weightLogInfo": ("Id", "Date", "WeightKg", "WeightPounds", "Fat", "BMI", "IsManualReport", "LogId"),
}
SLEEP_VALUE = {"DEEP": 1, "LIGHT": 1, "REM": 1, "ASLEEP": 1, "RESTLESS": 2, "AWAKE": 3}
INTENSITY = {"SEDENTARY": 0, "LIGHTLY_ACTIVE": 1, "MODERATELY_ACTIVE": 2, "VERY_ACTIVE": 3}
_MINUTE = 60_000_000_000  # ns
#: ``daily()`` columns of a ``dailyActivity`` row (a day with none of them has no row).
ACTIVITY = ("steps", "distance_mm", "calories_kcal", "light_minutes", "moderate_minutes", "vigorous_minutes")


def stamp(local: pd.Series, with_time: bool = True) -> pd.Series:
    """tz-naive local times -> ``4/12/2016 2:47:30 AM`` (``4/12/2016``), vectorised."""
    dt = local.dt
    day = dt.month.astype(str) + "/" + dt.day.astype(str) + "/" + dt.year.astype(str)
    if not with_time:
        return day
    hour = dt.hour
    h12 = ((hour + 11) % 12 + 1).astype(str)
    half = (hour < 12).map({True: " AM", False: " PM"}).astype(str)
    return (day + " " + h12 + ":" + dt.minute.astype(str).str.zfill(2) + ":" + dt.second.astype(str).str.zfill(2)
            + half)


def _num(value: object) -> str:
    """A cell: blank for NA, integers without ``.0``."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    f = float(value)  # type: ignore[arg-type]
    return str(int(f)) if f.is_integer() else repr(f)


class _Out:
    def __init__(self, out: Path, participant: str, start: date | None = None, end: date | None = None) -> None:
        self.out, self.pid, self.result = out, participant, ExportResult("fitabase", out)
        self.start, self.end = start, end
        self._inside: dict[str, bool] = {}  # the window verdict per M/D/YYYY day cell

    def within(self, first_cell: object) -> bool:
        """Whether a row is in the window: every file's first column is a local time or date."""
        if self.start is None and self.end is None:
            return True
        day = str(first_cell).split(" ", 1)[0]
        inside = self._inside.get(day)
        if inside is None:
            month, dom, year = (int(x) for x in day.split("/"))
            local = date(year, month, dom)
            inside = (self.start is None or local >= self.start) and (self.end is None or local <= self.end)
            self._inside[day] = inside
        return inside

    def write(self, name: str, rows: Iterable[Iterable[object]]) -> None:
        path = self.out / f"{name}_merged.csv"
        n = 0
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(HEADERS[name])
            for row in rows:
                cells = tuple(row)
                if not self.within(cells[0]):
                    continue
                w.writerow((self.pid, *cells))
                n += 1
        self.result.items.append(ExportItem(name, n, path))


def export_fitabase(vault_dir: Path | str, out_dir: Path | str, participant: str = "1", *,
                    start: date | None = None, end: date | None = None) -> ExportResult:
    """Write the vault as Fitabase ``*_merged.csv`` files into ``out_dir`` (module docstring);
    with ``start`` / ``end`` only the rows of those local days (inclusive): the local date of
    each row's first column (a sleep night is the local date of its end)."""
    import fitvault

    out = _Out(prepare_out_dir(out_dir), str(participant), start, end)
    with fitvault.open(vault_dir) as r:
        out.write("heartrate_seconds", _heart(r))
        sessions = r.sleep_sessions()
        out.write("minuteSleep", _minute_sleep(r, sessions))
        out.write("sleepDay", _sleep_day(sessions))
        daily = r.daily()
        out.write("dailyActivity", _daily_activity(daily))
        worn = daily[daily["steps"].notna()]
        out.write("dailySteps", zip(stamp(worn.index.to_series(), False), worn["steps"].map(_num)))
        cal = daily[daily["calories_kcal"].notna()]
        out.write("dailyCalories", zip(stamp(cal.index.to_series(), False), cal["calories_kcal"].map(_num)))
        out.write("dailyIntensities", _daily_intensities(daily))
        steps = r.steps()
        out.write("minuteStepsNarrow", _minutes(steps, "steps"))
        out.write("hourlySteps", _hourly(steps, "steps"))
        levels = r.activity_level()
        levels = levels.assign(intensity=levels["level"].map(INTENSITY))
        out.write("minuteIntensitiesNarrow", _minutes(levels, "intensity"))
        out.write("hourlyIntensities", ((t, total, _num(total / 60)) for t, total in _hourly(levels, "intensity")))
        out.write("weightLogInfo", _weight(r))
    out.result.notes.append("columns fitvault has no value for are blank (docs/exports.md, Fitabase layout)")
    return out.result


def _heart(r) -> Iterable[tuple]:
    for chunk in r.iter_frames("heart_rate", tz="UTC"):
        yield from zip(stamp(chunk["local_time"]), chunk["bpm"])


def _minute_sleep(r, sessions: pd.DataFrame) -> Iterable[tuple]:
    import pandas as pd

    if sessions.empty:
        return
    stages = r.sleep_stages()
    for sid, session in zip(sessions["id"], sessions.itertuples()):
        log_id = sid[len("fitabase-"):] if sid.startswith("fitabase-") else sid
        own = stages[stages["session_id"] == sid]
        if own.empty:
            continue
        start = session.Index.value
        n = int(round((session.end.value - start) / _MINUTE))
        at = pd.Series([start + k * _MINUTE for k in range(n)])
        begins = own.index.as_unit("ns").asi8
        pos = begins.searchsorted(at.to_numpy(), side="right") - 1
        local = session.local_time + pd.to_timedelta(at - start, unit="ns")
        for when, p in zip(stamp(local), pos):
            if p >= 0:
                value = SLEEP_VALUE.get(own["stage"].iloc[p])
                if value is not None:
                    yield when, value, log_id


def _sleep_day(sessions: pd.DataFrame) -> Iterable[tuple]:
    if sessions.empty:
        return
    nights = sessions.groupby("date").agg(n=("id", "size"), asleep=("minutes_asleep", "sum"),
                                          bed=("minutes_in_sleep_period", "sum"))
    yield from zip(stamp(nights.index.to_series()), nights["n"], nights["asleep"].map(_num), nights["bed"].map(_num))


def _daily_activity(daily: pd.DataFrame) -> Iterable[tuple]:
    import pandas as pd

    daily = daily[daily[list(ACTIVITY)].notna().any(axis=1)]
    for day, row in zip(stamp(daily.index.to_series(), False), daily.itertuples()):
        km = "" if pd.isna(row.distance_mm) else _num(row.distance_mm / 1_000_000)
        yield (day, _num(row.steps), km, "", "", "", "", "", "", _num(row.vigorous_minutes),
               _num(row.moderate_minutes), _num(row.light_minutes), "", _num(row.calories_kcal))


def _daily_intensities(daily: pd.DataFrame) -> Iterable[tuple]:
    have = daily[daily[["light_minutes", "moderate_minutes", "vigorous_minutes"]].notna().any(axis=1)]
    for day, row in zip(stamp(have.index.to_series(), False), have.itertuples()):
        yield day, "", _num(row.light_minutes), _num(row.moderate_minutes), _num(row.vigorous_minutes), "", "", "", ""


def _minutes(frame: pd.DataFrame, column: str) -> Iterable[tuple]:
    if frame.empty:
        return
    one = frame[(frame["end"] - frame.index).dt.total_seconds() == 60]
    yield from zip(stamp(one["local_time"]), one[column])


def _hourly(frame: pd.DataFrame, column: str) -> Iterable[tuple]:
    if frame.empty:
        return
    hours = frame.groupby(frame["local_time"].dt.floor("h"))[column].sum()
    yield from zip(stamp(hours.index.to_series()), hours.to_numpy())


def _weight(r) -> Iterable[tuple]:
    weight = r.frame("weight")
    if weight.empty:
        return
    fat = r.frame("body_fat")
    fat_at = dict(zip(zip(fat.index.asi8, fat["source_id"]), fat["body_fat_pct"])) if not fat.empty else {}
    manual = set(r.sources().query("recording_method == 'MANUAL'").index)
    for when, row, t in zip(stamp(weight["local_time"]), weight.itertuples(), weight.index.asi8):
        kg = row.weight_g / 1000
        yield (when, _num(kg), _num(round(kg / 0.45359237, 6)), _num(fat_at.get((t, row.source_id))), "",
               "True" if row.source_id in manual else "False", row.id if isinstance(row.id, str) else "")
