"""What each MCP tool computes, as plain functions of a read-only :class:`VaultReader`.

Every function returns a JSON-ready dict (:mod:`fitvault.mcp.results`) built from the pandas
API, so a person can check any answer with ``fitvault.open()`` or ``fitvault sql``. Dates are
local calendar days, both ends inclusive; without them a window ends on the last day the vault
holds that data. Rows are bounded; a cut result says so in ``note``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from fitvault.mcp.results import bounded, plain, records
from fitvault.query import InvalidQuery, VaultReader
from fitvault.timeutil import zone_info

#: The most rows a tool returns (``sql`` and ``heart_rate`` take a smaller ``max_rows``).
MAX_ROWS = 5000

Resolution = Literal["raw", "minute", "hour", "day"]
RESAMPLE = {"minute": "1min", "hour": "1h", "day": "1D"}
Metric = Literal["resting_heart_rate", "hrv", "spo2"]
#: The tables whose last day ends ``daily_summary``'s default window (an import may lack some).
DAILY_TABLES = ("daily_steps", "steps", "resting_heart_rate", "sleep_sessions", "daily_total_calories", "heart_rate")
#: metric -> (column of ``VaultReader.daily``, table that says where it ends, unit).
METRICS: dict[str, tuple[str, str, str]] = {
    "resting_heart_rate": ("resting_hr_bpm", "resting_heart_rate", "bpm"),
    "hrv": ("hrv_ms", "daily_hrv", "ms (nightly RMSSD)"),
    "spo2": ("spo2_pct", "daily_spo2", "% (nightly average)"),
}


def window(reader: VaultReader, tables: tuple[str, ...], start: str | None, end: str | None,
           days: int) -> tuple[str, str]:
    """``(start, end)`` as 'YYYY-MM-DD': a missing end is the last local day any of ``tables``
    has a measurement (when they are empty: today in the vault's home zone, else in UTC; never the
    host's), a missing start ``days - 1`` days before it."""
    if end is None:
        held = reader.tables()
        lasts = held.loc[held.index.intersection(list(tables)), "last_measured"].dropna()
        if len(lasts):
            end = lasts.max().date().isoformat()
        else:
            end = datetime.now(zone_info(reader.home_zone or "UTC") or timezone.utc).date().isoformat()
    first = start or (_day(end, "end") - timedelta(days=days - 1)).isoformat()
    if _day(first, "start") > _day(end, "end"):
        raise InvalidQuery(f"start {first} is after end {end}")
    return first, end


def window_day(text: str | None, what: str) -> date | None:
    """``text`` ('YYYY-MM-DD') as a date, None for None."""
    return None if text is None else _day(text, what)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidQuery(f"{what} {text!r} is not a date: use YYYY-MM-DD") from None


def overview(reader: VaultReader, status: dict[str, Any]) -> dict[str, Any]:
    """What the vault holds: per type records, local first/last day, days, gaps, last sync."""
    tables = reader.tables()
    types = {}
    for type_id, entry in status["types"].items():
        if not entry.get("records") and not entry.get("other_origins"):
            continue
        gaps = entry.get("gaps", {})
        types[type_id] = {
            "records": entry["records"], "first_utc": entry.get("first"), "last_utc": entry.get("last"),
            "days_with_data": entry.get("days"), "days_without_data": gaps.get("days_without_data", 0),
            "first_missing_days": gaps.get("first_missing_days", []),
            "unfinished_sync_windows": gaps.get("unfinished_windows", []),
            "last_sync_utc": entry.get("last_sync"), "last_error": entry.get("last_error"),
        }
    empty = sorted(t for t, e in status["types"].items() if t not in types)
    held = tables[tables["rows"] > 0]
    return {
        "vault": status["vault"], "time_zone": status.get("time_zone"),
        "paired_devices": [{k: d.get(k) for k in ("device", "type", "battery_status", "last_sync_time")}
                           for d in status.get("devices") or ()],
        "types": types, "types_without_data": empty,
        "tables": [{"table": name, "rows": int(row["rows"]), "first_local_day": plain(row["first"], True),
                    "last_local_day": plain(row["last"], True)} for name, row in held.iterrows()],
        "note": "first_utc/last_utc/last_sync_utc are UTC instants; local days are each record's own clock",
    }


def daily_summary(reader: VaultReader, start: str | None, end: str | None) -> dict[str, Any]:
    """One row per local day: steps, distance (km), calories, resting HR, HRV, SpO2, sleep ..."""
    first, last = window(reader, DAILY_TABLES, start, end, 7)
    frame = reader.daily(first, last, convert=True)
    return bounded(records(frame), 366, "ask for a shorter range", start=first, end=last)


def heart_rate(reader: VaultReader, start: str | None, end: str | None, resolution: Resolution,
               max_rows: int) -> dict[str, Any]:
    """Samples (raw) or buckets of the local wall clock with mean/min/max and sample counts."""
    first, last = window(reader, ("heart_rate",), start, end, 1)
    limit = max(1, min(max_rows, MAX_ROWS))
    if resolution == "raw":
        frame = reader.heart_rate(first, last)
        rows = records(frame.iloc[:limit], ["local_time", "bpm", "utc_offset_s", "device"])
        advice = "ask for resolution 'minute' or 'hour', or a shorter range"
        return bounded(rows, limit, advice, len(frame), start=first, end=last, resolution=resolution,
                       samples=len(frame))
    if resolution not in RESAMPLE:
        raise InvalidQuery(f"unknown resolution {resolution!r}: use raw, minute, hour or day")
    frame = reader.heart_rate(first, last, resample=RESAMPLE[resolution])
    return bounded(records(frame.iloc[:limit]), limit, "ask for a coarser resolution or a shorter range", len(frame),
                   start=first, end=last, resolution=resolution, samples=int(frame["samples"].sum()))


SLEEP_COLUMNS = ["date", "main_start_local", "main_end_local", "minutes_asleep", "minutes_awake", "time_in_bed_min",
                 "efficiency_pct", "awakenings", "deep_minutes", "light_minutes", "rem_minutes", "awake_minutes",
                 "sessions", "total_minutes_asleep"]


def sleep(reader: VaultReader, start: str | None, end: str | None, stages: bool) -> dict[str, Any]:
    """One row per night (the local date it ends): main sleep, stage minutes, naps counted;
    with ``stages`` each night's stage timeline (local start, end, stage, minutes)."""
    first, last = window(reader, ("sleep_sessions",), start, end, 7)
    nights = records(reader.sleep_summary(first, last), SLEEP_COLUMNS)
    if stages:
        timeline = reader.sleep_stages(first, last)
        sessions = reader.sleep_sessions(first, last)
        night_of = dict(zip(sessions["id"], (plain(d, True) for d in sessions["date"])))
        by_night: dict[str | None, list] = {}
        for local, local_end, stage, seconds, sid in zip(timeline["local_time"], timeline["local_end"],
                                                         timeline["stage"], timeline["seconds"],
                                                         timeline["session_id"]):
            by_night.setdefault(night_of.get(sid), []).append(
                [plain(local), plain(local_end), stage, plain(seconds / 60)])
        for night in nights:
            night["stages"] = by_night.get(night["date"], [])
    extra: dict[str, Any] = {"stage_columns": ["local_start", "local_end", "stage", "minutes"]} if stages else {}
    return bounded(nights, 92, "ask for a shorter range", start=first, end=last, **extra)


EXERCISE_COLUMNS = ["local_time", "local_end", "date", "exercise_type", "display_name", "active_duration_s",
                    "distance_km", "steps", "calories_kcal", "avg_hr_bpm", "active_zone_minutes", "light_zone_s",
                    "moderate_zone_s", "vigorous_zone_s", "peak_zone_s", "elevation_gain_km", "has_gps", "id",
                    "device"]


def exercises(reader: VaultReader, start: str | None, end: str | None) -> dict[str, Any]:
    """Workouts by local start: type, duration, distance (km), calories, average HR, zone time."""
    first, last = window(reader, ("exercises",), start, end, 30)
    frame = reader.exercises(first, last, convert=True)
    return bounded(records(frame, EXERCISE_COLUMNS), 500, "ask for a shorter range", start=first, end=last)


def trend(reader: VaultReader, metric: Metric, start: str | None, end: str | None) -> dict[str, Any]:
    """A daily vital over time: each day's value (best-ranked source), weekly means, summary."""
    if metric not in METRICS:
        raise InvalidQuery(f"unknown metric {metric!r}: use {', '.join(METRICS)}")
    column, table, unit = METRICS[metric]
    first, last = window(reader, (table,), start, end, 90)
    values = reader.daily(first, last)[column].dropna().astype("float64")
    weekly = values.groupby(values.index.to_period("W-SUN").start_time).agg(["mean", "count"])
    summary = {
        "days": len(values), "mean": plain(values.mean()), "min": plain(values.min()), "max": plain(values.max()),
        "first_day": plain(values.index.min(), True), "last_day": plain(values.index.max(), True),
        "change_first_to_last_week": plain(weekly["mean"].iloc[-1] - weekly["mean"].iloc[0]) if len(weekly) > 1
        else None,
    }
    daily_rows = [{"date": plain(d, True), "value": plain(v)} for d, v in values.items()]
    weekly_rows = [{"week_of": plain(d, True), "mean": plain(r["mean"]), "days": int(r["count"])}
                   for d, r in weekly.iterrows()]
    result = bounded(daily_rows, 1000, "ask for a shorter range", metric=metric, unit=unit, start=first, end=last,
                     summary=summary)
    result["weekly"] = weekly_rows[:200]
    return result


def empty_note(result: dict[str, Any]) -> dict[str, Any]:
    """Say so when a window holds nothing (an assistant should not read [] as zero)."""
    if result.get("row_count") == 0 and "note" not in result:
        result["note"] = f"no data between {result.get('start')} and {result.get('end')}"
    return result


def sql_rows(rows: list[tuple]) -> list[list[Any]]:
    """SQL rows as lists, values exactly as SQLite gave them (a BLOB as its size)."""
    return [[f"<{len(v)} bytes>" if isinstance(v, bytes) else v for v in row] for row in rows]
