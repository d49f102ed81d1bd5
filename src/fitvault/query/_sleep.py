"""Sleep: sessions with derived measures, their stages, and a per-night summary.

Definitions (the Google Health API has no efficiency score and no awakening count):

* ``efficiency_pct`` = minutes_asleep / minutes_in_sleep_period × 100.
* ``awakenings`` = the session's AWAKE stages plus its short awakenings that do not start
  inside an AWAKE stage (a short awakening within a wake stage is the same awakening); from the
  stage summary's AWAKE count when the stages themselves are missing; NA without either.
* stage minutes: the API's stage summary (``sleep_stage_summary``), else the stages summed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from fitvault.query import _sql, _time
from fitvault.query._frames import build, read_ranked, spec, table_frame, where
from fitvault.query.reader import InvalidQuery

if TYPE_CHECKING:
    from fitvault.query.reader import VaultReader

STAGE_MINUTES = {"DEEP": "deep_minutes", "LIGHT": "light_minutes", "REM": "rem_minutes", "AWAKE": "awake_minutes",
                 "ASLEEP": "asleep_minutes", "RESTLESS": "restless_minutes"}
_NOT_FOR = {"STAGES": ("asleep_minutes", "restless_minutes"), "CLASSIC": ("deep_minutes", "light_minutes", "rem_minutes")}
SESSION_COLUMNS = (
    "id", "end", "date", "sleep_type", "main_sleep", "nap", "processed", "minutes_in_sleep_period",
    "minutes_asleep", "minutes_awake", "minutes_to_fall_asleep", "minutes_after_wake_up", "efficiency_pct",
    "awakenings", *STAGE_MINUTES.values(), "utc_offset_s", "end_offset_s", "local_time", "local_end", "device",
)
KINDS = ("stage", "short_awakening", "out_of_bed")


def _sessions(r: VaultReader, start: Any, end: Any, tz: Any) -> pd.DataFrame:
    """Every column of :meth:`VaultReader.sleep_sessions` plus ``source_id``."""
    s = spec(r, "sleep_sessions")
    rng = _time.parse_range(start, end)
    tz = _time.check_tz(tz)
    with r._snapshot() as conn:
        a = read_ranked(r, s, rng)
        clauses, params = where(r, s, rng)
        chosen = "SELECT id FROM sleep_sessions" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        summary = _sql.execute(conn, "SELECT session_id, stage, minutes, count FROM sleep_stage_summary "
                                     f"WHERE session_id IN ({chosen})", params).fetchall()
        parts = _sql.execute(conn, "SELECT session_id, kind, start_ms, end_ms, stage FROM sleep_stages "
                                   f"WHERE kind IN ('stage', 'short_awakening') AND session_id IN ({chosen})",
                             params).fetchall()
    zone = _time.choose_tz(tz, r.home_zone, (a["start_ms"], a["start_offset_s"]), (a["end_ms"], a["end_offset_s"]))
    df = build(r, s, a, zone, source_id=True)
    ids = pd.Index(df["id"])
    summary_df = pd.DataFrame(summary, columns=["session_id", "stage", "minutes", "count"])
    parts_df = pd.DataFrame(parts, columns=["session_id", "kind", "start_ms", "end_ms", "stage"])
    asleep, period = df["minutes_asleep"].astype("float64"), df["minutes_in_sleep_period"].astype("float64")
    df["efficiency_pct"] = (asleep / period.where(period > 0) * 100).to_numpy()
    df["awakenings"] = _awakenings(ids, summary_df, parts_df)
    minutes = _stage_minutes(ids, summary_df, parts_df)
    for sleep_type, columns in _NOT_FOR.items():
        minutes.loc[(df["sleep_type"] == sleep_type).to_numpy(), list(columns)] = np.nan
    for column in STAGE_MINUTES.values():
        df[column] = minutes[column].to_numpy()
    return df[[*SESSION_COLUMNS, "source_id"]]


def _stage_minutes(ids: pd.Index, summary: pd.DataFrame, parts: pd.DataFrame) -> pd.DataFrame:
    columns = list(STAGE_MINUTES.values())
    from_summary = summary.pivot_table(index="session_id", columns="stage", values="minutes", aggfunc="sum")
    stages = parts[parts["kind"] == "stage"]
    from_stages = (stages.assign(minutes=(stages["end_ms"] - stages["start_ms"]) / 60_000)
                   .pivot_table(index="session_id", columns="stage", values="minutes", aggfunc="sum"))
    merged = from_summary.combine_first(from_stages.loc[~from_stages.index.isin(from_summary.index)])
    merged = merged.rename(columns=STAGE_MINUTES).reindex(columns=columns).astype("float64")
    # A session with stage data has 0 minutes of a stage it lacks; one without stays NaN.
    return merged.fillna(0.0).reindex(ids).reset_index(drop=True)


def _awakenings(ids: pd.Index, summary: pd.DataFrame, parts: pd.DataFrame) -> pd.array:
    stages = parts[parts["kind"] == "stage"]
    awake = stages[stages["stage"] == "AWAKE"]
    shorts = parts[parts["kind"] == "short_awakening"]
    within = shorts.reset_index().merge(awake[["session_id", "start_ms", "end_ms"]], on="session_id",
                                        suffixes=("", "_awake"))
    inside = within[(within["start_ms_awake"] <= within["start_ms"]) & (within["start_ms"] < within["end_ms_awake"])]
    lone = shorts[~shorts.index.isin(inside["index"])]
    counted = (awake.groupby("session_id").size().reindex(stages["session_id"].unique(), fill_value=0)
               .add(lone.groupby("session_id").size(), fill_value=0))
    from_summary = summary[summary["stage"] == "AWAKE"].set_index("session_id")["count"]
    has_summary = summary["session_id"].unique()
    fallback = from_summary.reindex(has_summary, fill_value=0)
    result = counted.combine_first(fallback).reindex(ids)
    return pd.array(result.to_numpy(dtype="float64", na_value=np.nan), dtype="Int64")


def sessions(r: VaultReader, start: Any, end: Any, tz: Any) -> pd.DataFrame:
    return _sessions(r, start, end, tz).drop(columns="source_id")


def stages(r: VaultReader, start: Any, end: Any, tz: Any, kinds: Sequence[str] | None) -> pd.DataFrame:
    if isinstance(kinds, str):
        kinds = (kinds,)
    extra: tuple[list[str], list[Any]] = ([], [])
    if kinds is not None:
        unknown = set(kinds) - set(KINDS)
        if unknown or not kinds:
            raise InvalidQuery(f"kinds must be a non-empty subset of {KINDS}, not {tuple(kinds)!r}")
        extra = ([f"c.kind IN ({', '.join('?' * len(kinds))})"], list(kinds))
    df = table_frame(r, "sleep_stages", start, end, tz, False, extra=extra)
    seconds = (df["end"].array - df.index.array) / pd.Timedelta(1, "s")
    df.insert(df.columns.get_loc("stage") + 1, "seconds", np.asarray(seconds, dtype=np.float64))
    return df


SUMMARY_COLUMNS = (
    "main_start", "main_end", "efficiency_pct", "duration_min", "minutes_asleep", "minutes_awake", "awakenings",
    "time_in_bed_min", "deep_minutes", "light_minutes", "rem_minutes", "awake_minutes", "sessions",
    "total_minutes_asleep", "main_start_local", "main_end_local",
)


def summary(r: VaultReader, start: Any, end: Any, tz: Any) -> pd.DataFrame:
    tz = _time.check_tz(tz)
    df = _sessions(r, start, end, "UTC")
    start_ms = df.index.as_unit("ms").asi8
    end_ms = df["end"].array.as_unit("ms").asi8
    df = df.reset_index(drop=True).assign(
        _start_ms=start_ms, _end_ms=end_ms, duration_min=(end_ms - start_ms) / 60_000,
        _not_main=~df["main_sleep"].to_numpy(dtype=bool),
    )
    ordered = df.sort_values(["date", "_not_main", "nap", "duration_min", "_start_ms"],
                             ascending=[True, True, True, False, True], kind="stable")
    main = ordered.drop_duplicates("date", keep="first").set_index("date")
    same_source = df.merge(main.reset_index()[["date", "source_id"]], on=["date", "source_id"])
    grouped = same_source.groupby("date")
    zone = _time.choose_tz(tz, r.home_zone, (main["_start_ms"].to_numpy(), main["utc_offset_s"].to_numpy()),
                           (main["_end_ms"].to_numpy(), main["end_offset_s"].to_numpy()))
    out = pd.DataFrame({
        "main_start": _time.aware(main["_start_ms"].to_numpy(), zone).array,
        "main_end": _time.aware(main["_end_ms"].to_numpy(), zone).array,
        "efficiency_pct": main["efficiency_pct"].to_numpy(),
        "duration_min": main["duration_min"].to_numpy(dtype="float64"),
        "minutes_asleep": main["minutes_asleep"].array,
        "minutes_awake": main["minutes_awake"].array,
        "awakenings": main["awakenings"].array,
        "time_in_bed_min": main["minutes_in_sleep_period"].array,
        **{c: main[c].to_numpy() for c in ("deep_minutes", "light_minutes", "rem_minutes", "awake_minutes")},
        "sessions": grouped.size().reindex(main.index, fill_value=0).to_numpy(dtype=np.int64),
        "total_minutes_asleep": grouped["minutes_asleep"].sum(min_count=1).reindex(main.index).astype("Int64").array,
        "main_start_local": main["local_time"].to_numpy(),
        "main_end_local": main["local_end"].to_numpy(),
    }, index=pd.DatetimeIndex(main.index, name="date"))
    return out[list(SUMMARY_COLUMNS)]
