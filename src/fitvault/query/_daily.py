"""``daily()``: every daily metric side by side, one row per local day with any of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fitvault.query import _activity, _sleep, _time
from fitvault.query._frames import best_per_day, convert_units, ranks_of, table_frame

if TYPE_CHECKING:
    from fitvault.query.reader import VaultReader

#: column -> dtype; also the column order.
COLUMNS = {
    "steps": "Int64", "distance_mm": "Int64", "floors": "Int64", "calories_kcal": "float64",
    "resting_hr_bpm": "Int64", "hrv_ms": "float64", "spo2_pct": "float64",
    "breathing_rate_breaths_per_min": "float64", "skin_temp_nightly_c": "float64",
    "skin_temp_relative_c": "float64", "vo2_max_ml_kg_min": "float64", "active_zone_minutes": "Int64",
    "light_minutes": "Int64", "moderate_minutes": "Int64", "vigorous_minutes": "Int64",
    "sleep_minutes_asleep": "Int64", "sleep_efficiency_pct": "float64", "weight_g": "float64",
    "body_fat_pct": "float64",
}
# daily table -> {its column: our column}; one row per day from the best-ranked source.
_PER_SOURCE = {
    "resting_heart_rate": {"bpm": "resting_hr_bpm"},
    "daily_hrv": {"average_hrv_ms": "hrv_ms"},
    "daily_spo2": {"average_pct": "spo2_pct"},
    "daily_breathing_rate": {"breaths_per_min": "breathing_rate_breaths_per_min"},
    "daily_skin_temperature": {"nightly_c": "skin_temp_nightly_c", "baseline_c": "_baseline_c"},
    "daily_vo2_max": {"vo2_max_ml_kg_min": "vo2_max_ml_kg_min"},
}
_ROLLUPS = {"daily_distance": "distance_mm", "daily_floors": "floors", "daily_total_calories": "calories_kcal"}


def daily(r: VaultReader, start: Any, end: Any, convert: bool) -> pd.DataFrame:
    pieces: list[pd.Series | pd.DataFrame] = []
    with r._snapshot():
        pieces.append(_activity.steps(r, start, end, None, "1D")["steps"])
        for table, column in _ROLLUPS.items():
            pieces.append(table_frame(r, table, start, end, None, False)[column])
        for table, names in _PER_SOURCE.items():
            best = best_per_day(r, table_frame(r, table, start, end, None, False, source_id=True))
            pieces.append(best[list(names)].rename(columns=names))
        pieces.append(_activity.daily_sums(r, "active_zone_minutes", {"active_zone_minutes": "sum(active_zone_minutes)"},
                                           start, end))
        pieces.append(_activity.daily_sums(r, "active_minutes", _activity._ACTIVE, start, end))
        sleep = _sleep.summary(r, start, end, "UTC")
        pieces.append(sleep[["minutes_asleep", "efficiency_pct"]].rename(
            columns={"minutes_asleep": "sleep_minutes_asleep", "efficiency_pct": "sleep_efficiency_pct"}))
        for table, column in (("weight", "weight_g"), ("body_fat", "body_fat_pct")):
            pieces.append(_last_of_day(r, table_frame(r, table, start, end, "UTC", False, source_id=True), column))
    pieces = [p for p in pieces if len(p)]
    if pieces:
        df = pd.concat(pieces, axis=1, join="outer", sort=True)
    else:
        df = pd.DataFrame(index=_time.day_index([]))
    if "_baseline_c" in df:
        df["skin_temp_relative_c"] = df["skin_temp_nightly_c"] - df.pop("_baseline_c")
    df = df.reindex(columns=list(COLUMNS)).astype(COLUMNS)
    # Zone and active minutes come as records of the minutes that earned them: a worn day (one
    # with steps) without any is a true 0 — once the vault holds that type at all.
    worn = df["steps"].notna()
    for table, columns in (("active_zone_minutes", ["active_zone_minutes"]),
                           ("active_minutes", ["light_minutes", "moderate_minutes", "vigorous_minutes"])):
        if r._conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            for column in columns:
                df.loc[worn & df[column].isna(), column] = 0
    df.index = pd.DatetimeIndex(df.index, name="date").as_unit("ms")
    return convert_units(df, ["distance_mm", "weight_g"]) if convert else df


def _last_of_day(r: VaultReader, df: pd.DataFrame, column: str) -> pd.Series:
    """The last measurement of each local day (the best-ranked source's on a tie)."""
    if df.empty:
        return df[column]
    ordered = pd.DataFrame({
        "day": df["local_time"].dt.floor("D").to_numpy(),
        "instant": df.index.as_unit("ms").asi8,
        "rank": -ranks_of(r, df["source_id"].to_numpy()),
        column: df[column].to_numpy(np.float64),
    }).sort_values(["day", "instant", "rank"], kind="stable")
    last = ordered.drop_duplicates("day", keep="last")
    return pd.Series(last[column].to_numpy(), index=pd.DatetimeIndex(last["day"], name="date"), name=column)
