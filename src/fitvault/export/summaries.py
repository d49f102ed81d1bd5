"""The daily and sleep summaries, read through the pandas API (:class:`fitvault.query.reader.VaultReader`).

Both are small (one row per day or night), so they are read whole. The exporters reshape the
sleep summary's times to their own conventions: :func:`sleep_summary_frame` gives each of the
main sleep's start and end as a UTC instant, the offset in force and the wall clock, and
``style`` picks the columns a format writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from fitvault import timeutil

Style = Literal["csv", "excel", "arrow"]

_METRICS = (
    "efficiency_pct", "duration_min", "minutes_asleep", "minutes_awake", "awakenings", "time_in_bed_min",
    "deep_minutes", "light_minutes", "rem_minutes", "awake_minutes", "sessions", "total_minutes_asleep",
)

#: (unit, meaning) of the sleep summary's columns, for the Excel data dictionary and Parquet metadata.
SLEEP_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "date": ("", "the night: the local date the main sleep ends"),
    "main_start": ("", "start of the night's main sleep"),
    "main_end": ("", "end of the night's main sleep"),
    "main_start_local": ("", "start of the main sleep, local wall clock (no time zone)"),
    "main_end_local": ("", "end of the main sleep, local wall clock (no time zone)"),
    "main_start_utc_offset": ("±HH:MM", "UTC offset in force at the start"),
    "main_end_utc_offset": ("±HH:MM", "UTC offset in force at the end"),
    "main_start_utc_offset_s": ("s", "UTC offset in force at the start"),
    "main_end_utc_offset_s": ("s", "UTC offset in force at the end"),
    "efficiency_pct": ("%", "minutes asleep / time in bed × 100 (computed: the API has no efficiency score)"),
    "duration_min": ("min", "end − start of the main sleep"),
    "minutes_asleep": ("min", "minutes asleep in the main sleep"),
    "minutes_awake": ("min", "minutes awake during the main sleep"),
    "awakenings": ("", "AWAKE stages plus short awakenings outside them"),
    "time_in_bed_min": ("min", "time in bed (minutes in the sleep period)"),
    "deep_minutes": ("min", "deep sleep (staged sleep)"),
    "light_minutes": ("min", "light sleep (staged sleep)"),
    "rem_minutes": ("min", "REM sleep (staged sleep)"),
    "awake_minutes": ("min", "awake stage minutes"),
    "sessions": ("", "sleep sessions that night, naps included"),
    "total_minutes_asleep": ("min", "minutes asleep over every session of the night"),
}
#: (unit, meaning) of the daily summary's columns.
DAILY_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "date": ("", "local civil date"),
    "steps": ("steps", "steps in the local day"),
    "distance_mm": ("mm", "distance in the local day"),
    "floors": ("floors", "floors climbed"),
    "calories_kcal": ("kcal", "total energy burned (BMR included)"),
    "resting_hr_bpm": ("bpm", "resting heart rate"),
    "hrv_ms": ("ms", "nightly HRV (RMSSD)"),
    "spo2_pct": ("%", "nightly average SpO2"),
    "breathing_rate_breaths_per_min": ("breaths/min", "nightly breathing rate"),
    "skin_temp_nightly_c": ("°C", "nightly skin temperature"),
    "skin_temp_relative_c": ("°C", "nightly skin temperature − personal baseline"),
    "vo2_max_ml_kg_min": ("ml/kg/min", "cardio fitness (VO2 max)"),
    "active_zone_minutes": ("min", "active zone minutes earned"),
    "light_minutes": ("min", "minutes of light activity"),
    "moderate_minutes": ("min", "minutes of moderate activity"),
    "vigorous_minutes": ("min", "minutes of vigorous activity"),
    "sleep_minutes_asleep": ("min", "minutes asleep in the night's main sleep"),
    "sleep_efficiency_pct": ("%", "efficiency of the night's main sleep"),
    "weight_g": ("g", "the day's last weight"),
    "body_fat_pct": ("%", "the day's last body-fat measurement"),
}


def _reader(vault_dir: Path | str):
    from fitvault.query import open as open_reader

    return open_reader(vault_dir)


def _dates(index: pd.Index) -> list[date]:
    return [d.date() for d in pd.DatetimeIndex(index)]


def sleep_summary_frame(
    vault_dir: Path | str, start: date | None, end: date | None, style: Style = "arrow",
) -> pd.DataFrame:
    """One row per night (:meth:`VaultReader.sleep_summary`), its times shaped for ``style``.

    ``csv``: ``main_start``/``main_end`` as ISO 8601 text with their own offset;
    ``excel``: ``main_start_local`` (wall clock) and ``main_start_utc_offset`` (``-05:00``), same for the end;
    ``arrow``: ``main_start`` (UTC), ``main_start_utc_offset_s``, ``main_start_local``, same for the end.
    """
    with _reader(vault_dir) as reader:
        raw = reader.sleep_summary(start, end, tz="UTC")
    out = pd.DataFrame({"date": _dates(raw.index)})
    for edge in ("start", "end"):
        utc = pd.DatetimeIndex(raw[f"main_{edge}"]).tz_convert("UTC")
        local = pd.DatetimeIndex(raw[f"main_{edge}_local"])
        offset_s = ((local - utc.tz_localize(None)) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)
        if style == "csv":
            out[f"main_{edge}"] = [_iso(w, o) for w, o in zip(local, offset_s)]
        elif style == "excel":
            out[f"main_{edge}_local"] = local.to_pydatetime()
            out[f"main_{edge}_utc_offset"] = [timeutil.format_offset(o) for o in offset_s]
        else:
            out[f"main_{edge}"] = utc.as_unit("ms")
            out[f"main_{edge}_utc_offset_s"] = offset_s.astype(np.int32)
            out[f"main_{edge}_local"] = local.as_unit("ms")
    for column in _METRICS:
        out[column] = raw[column].to_numpy() if column in raw else np.nan
    return out


def _iso(wall: pd.Timestamp, offset_s: int) -> str:
    text = wall.strftime("%Y-%m-%dT%H:%M:%S")
    if wall.microsecond:
        text += f".{wall.microsecond // 1000:03d}"
    return text + timeutil.format_offset(int(offset_s))


def daily_frame(vault_dir: Path | str, start: date | None, end: date | None) -> pd.DataFrame:
    """One row per local day with every daily metric (:meth:`VaultReader.daily`), ``date`` first."""
    with _reader(vault_dir) as reader:
        raw = reader.daily(start, end)
    out = raw.reset_index(drop=True)
    out.insert(0, "date", _dates(raw.index))
    return out


def summary_dictionary(key: str, frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(column, unit, meaning) of the columns of a summary frame (``sleep_summary`` or ``daily_summary``)."""
    known = SLEEP_DESCRIPTIONS if key == "sleep_summary" else DAILY_DESCRIPTIONS
    return [(str(c),) + known.get(str(c), ("", "")) for c in frame.columns]
