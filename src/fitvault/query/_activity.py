"""Activity: steps, zone minutes, active minutes, sedentary periods; per interval or per day.

Daily sums count each interval on the local date of its start, per source, and keep the
best-ranked source of each day (one device's minutes are never added to another's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fitvault.query import _sql, _time
from fitvault.query._frames import best_per_day, spec, table_frame, where
from fitvault.query.reader import InvalidQuery

if TYPE_CHECKING:
    from fitvault.query.reader import VaultReader

_MINUTE = {"1min", "min", "1T", "T"}
_DAY = {"1D", "D", "1d", "d"}
STEP_SOURCES = pd.CategoricalDtype(["rollup", "minutes"])
_AZM = {
    "active_zone_minutes": "sum(active_zone_minutes)",
    "fat_burn_azm": "sum(CASE WHEN heart_rate_zone = 'FAT_BURN' THEN active_zone_minutes ELSE 0 END)",
    "cardio_azm": "sum(CASE WHEN heart_rate_zone = 'CARDIO' THEN active_zone_minutes ELSE 0 END)",
    "peak_azm": "sum(CASE WHEN heart_rate_zone = 'PEAK' THEN active_zone_minutes ELSE 0 END)",
}
_ACTIVE = {c: f"sum({c})" for c in ("light_minutes", "moderate_minutes", "vigorous_minutes")}


def _freq(freq: str) -> str:
    if freq in _MINUTE:
        return "1min"
    if freq in _DAY:
        return "1D"
    raise InvalidQuery(f"freq must be '1min' (every interval) or '1D' (per local day), not {freq!r}")


def daily_sums(r: VaultReader, table: str, sums: dict[str, str], start: Any, end: Any) -> pd.DataFrame:
    """Per local day of the interval starts: ``sums`` (name -> SQL aggregate), best source."""
    s = spec(r, table)
    clauses, params = where(r, s, _time.parse_range(start, end))
    day = "date(start_ms / 1000 + start_offset_s, 'unixepoch')"
    sql = (f"SELECT {day} AS day, source_id, {', '.join(sums.values())} FROM {table}"
           + (" WHERE " + " AND ".join(clauses) if clauses else "") + " GROUP BY day, source_id ORDER BY day, source_id")
    rows = _sql.execute(r._conn, sql, params).fetchall()
    columns = list(sums)
    df = pd.DataFrame(rows, columns=["date", "source_id", *columns])
    df = df.astype({"source_id": "int64", **{c: "int64" for c in columns}})
    df.index = _time.day_index(df.pop("date").tolist())
    return best_per_day(r, df).drop(columns="source_id")


def steps(r: VaultReader, start: Any, end: Any, tz: Any, freq: str) -> pd.DataFrame:
    if _freq(freq) == "1min":
        return table_frame(r, "steps", start, end, tz, False).rename(columns={"count": "steps"})
    with r._snapshot():
        rollup = table_frame(r, "daily_steps", start, end, None, False)
        minutes = daily_sums(r, "steps", {"steps": "sum(count)"}, start, end)
    minutes = minutes[~minutes.index.isin(rollup.index)]
    out = pd.concat([
        pd.DataFrame({"steps": rollup["count"].to_numpy(np.int64), "source": "rollup"}, index=rollup.index),
        pd.DataFrame({"steps": minutes["steps"].to_numpy(np.int64), "source": "minutes"}, index=minutes.index),
    ]).sort_index(kind="stable")
    out["source"] = out["source"].astype(STEP_SOURCES)
    out["steps"] = out["steps"].astype("int64")
    out.index.name = "date"
    return out


def active_zone_minutes(r: VaultReader, start: Any, end: Any, tz: Any, freq: str) -> pd.DataFrame:
    if _freq(freq) == "1min":
        return table_frame(r, "active_zone_minutes", start, end, tz, False)
    return daily_sums(r, "active_zone_minutes", _AZM, start, end)


def active_minutes(r: VaultReader, start: Any, end: Any, tz: Any, freq: str) -> pd.DataFrame:
    if _freq(freq) == "1min":
        return table_frame(r, "active_minutes", start, end, tz, False)
    return daily_sums(r, "active_minutes", _ACTIVE, start, end)


def sedentary_periods(r: VaultReader, start: Any, end: Any, tz: Any) -> pd.DataFrame:
    df = table_frame(r, "sedentary_periods", start, end, tz, False)
    minutes = (df["end"].array - df.index.array) / pd.Timedelta(1, "min")
    df.insert(1, "minutes", np.asarray(minutes, dtype=np.float64))
    return df
