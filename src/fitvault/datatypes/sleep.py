"""sleep: sessions with stages, short awakenings, out-of-bed segments and a summary.

Wire shape: docs/facts/google-health-api.md#payload-shapes "Sleep with stages" (live fixture FIX-DGH ``sleep_stages.json``):
interval with UTC instants + offsets and *no* civil times; ``stages[]`` contiguous;
``shortAwakenings[]`` may overlap stages; ``summary`` values are int64 strings;
``metadata.processed`` is false while stages are pending, and the same session (same ``name``)
comes back later re-processed (docs/facts/google-health-api.md#late-data-and-change-detection) — so a session's parts are replaced whole.

The night a session belongs to is the local date of its end (legacy ``dateOfSleep`` rule,
docs/facts/google-health-api.md#payload-shapes notes); the store derives it from end instant + end offset.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from fitvault import timeutil
from fitvault.datatypes.base import (
    SLEEP_SCOPE,
    Bound,
    ParsedPage,
    SourceIds,
    Stream,
    flag_value,
    instant_ms,
    int64,
    offset_s,
    opt_str,
    parse_points,
    req_str,
    source_key,
)
from fitvault.store import upsert

_PART_LISTS = (("stages", "stage"), ("shortAwakenings", "short_awakening"), ("outOfBedSegments", "out_of_bed"))
#: The parsed session tuple's columns; stages and the stage summary are written per session.
SESSION_COLUMNS = (
    "id", "source_id", "start_ms", "start_offset_s", "end_ms", "end_offset_s", "sleep_type",
    "main_sleep", "nap", "processed", "stages_status", "manually_edited",
    "minutes_in_sleep_period", "minutes_asleep", "minutes_awake", "minutes_to_fall_asleep",
    "minutes_after_wake_up", "create_time", "update_time",
)
STAGE_COLUMNS = ("session_id", "kind", "start_ms", "start_offset_s", "end_ms", "end_offset_s", "stage")
_SUMMARY_COLUMNS = ("session_id", "stage", "minutes", "count")


def _span(obj: dict) -> tuple[int, int, int, int]:
    start, end = instant_ms(obj["startTime"]), instant_ms(obj["endTime"])
    if end < start:
        raise ValueError(f"a sleep {obj.get('type', 'part')} ends before it starts")
    return start, offset_s(obj.get("startUtcOffset")), end, offset_s(obj.get("endUtcOffset"))


def _stage(value: object) -> str:
    return req_str(value, "stagesSummary.type")  # part of the key: a null would fail the whole page


class Sleep(Stream):
    name = "sleep"
    data_type = "sleep"
    scopes = (SLEEP_SCOPE,)
    bound = "date"
    page_size = 25  # sleep and exercise pages hold at most 25 (docs/facts/google-health-api.md#list-and-paging)
    # Stages are re-processed after the night (docs/facts/google-health-api.md#late-data-and-change-detection): re-read a week.
    overlap = timedelta(days=7)
    tables = ("sleep_sessions", "sleep_stages", "sleep_stage_summary")
    table, time_column = "sleep_sessions", "end_ms"  # a session is dated by its end
    records_per_day_guess = 1.2

    def filter_field(self) -> str:
        return "sleep.interval.civil_end_time"

    def alternative_filters(self, lower: Bound, upper: Bound) -> list[str]:
        """Filters to try in order. DISC documents both ``civil_end_time`` and ``end_time``;
        peers use ``civil_end_time`` live, and one peer saw sleep filters refused (docs/facts/google-health-api.md#filters, docs/facts/google-health-api.md#sleep-filter-fields)
        — so if the first is refused, the physical one is tried."""
        lo = timeutil.utc_midnight_ms(lower) - timeutil.ZONE_PAD_MS  # type: ignore[arg-type]
        hi = timeutil.utc_midnight_ms(upper) + timeutil.ZONE_PAD_MS  # type: ignore[arg-type]
        physical = (
            f'sleep.interval.end_time >= "{timeutil.format_instant(lo)}" AND '
            f'sleep.interval.end_time < "{timeutil.format_instant(hi)}"'
        )
        return [self.filter_text(lower, upper), physical]

    def parse(self, body: dict) -> ParsedPage:
        return parse_points(body, self._one, lambda row: row[3])

    def resume_upper(self, oldest: Bound) -> Bound:
        """The API orders sleep by *start* time, newest first (docs/facts/google-health-api.md#list-and-paging), while the filter
        is on the end date. A session not yet seen starts before the oldest start seen, so it
        ends at most a day or so later: resume two days above that start date."""
        return oldest + timedelta(days=2)  # type: ignore[operator]

    @staticmethod
    def _one(point: dict) -> tuple:
        s = point["sleep"]
        name = opt_str(point.get("name") or point.get("dataPointName"), "name")
        start_ms, start_off, end_ms, end_off = _span(s["interval"])
        if end_ms < start_ms:
            raise ValueError("sleep session ends before it starts")
        session_id = name.rsplit("/", 1)[-1] if name else f"t{start_ms}"
        meta = s.get("metadata") or {}
        summary = s.get("summary") or {}
        parts = []
        for key, kind in _PART_LISTS:
            for part in s.get(key) or ():
                p_start, p_start_off, p_end, p_end_off = _span(part)
                parts.append((kind, p_start, p_start_off, p_end, p_end_off,
                              opt_str(part.get("type"), f"{key}.type") or "UNKNOWN"))
        stage_summary = [
            (_stage(x["type"]), int64(x.get("minutes"), 0), int64(x.get("count"), 0))
            for x in summary.get("stagesSummary") or ()
        ]
        # Every value is checked for its JSON type here: a dict or a null where SQLite needs a
        # scalar would otherwise fail the page's transaction and stop the sync on every run.
        session = (
            session_id, source_key(point.get("dataSource")), start_ms, start_off, end_ms, end_off,
            opt_str(s.get("type"), "sleep.type"), flag_value(meta.get("mainSleep"), "mainSleep"),
            flag_value(meta.get("nap"), "nap"), flag_value(meta.get("processed"), "processed"),
            opt_str(meta.get("stagesStatus"), "stagesStatus"), flag_value(meta.get("manuallyEdited"), "manuallyEdited"),
            int64(summary.get("minutesInSleepPeriod")), int64(summary.get("minutesAsleep")),
            int64(summary.get("minutesAwake")), int64(summary.get("minutesToFallAsleep")),
            int64(summary.get("minutesAfterWakeUp")), opt_str(s.get("createTime"), "createTime"),
            opt_str(s.get("updateTime"), "updateTime"),
        )
        start_day: date = timeutil.local_date(start_ms, start_off)  # position in the walk
        return (session, sorted(parts), sorted(stage_summary), start_day)

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        for session, parts, stage_summary, _start_day in rows:
            sid = session[0]
            upsert.write(conn, "sleep_sessions", [(sid, source_ids(session[1])) + session[2:]], SESSION_COLUMNS)
            upsert.replace_children(conn, "sleep_stages", sid, parts, STAGE_COLUMNS)
            upsert.replace_children(conn, "sleep_stage_summary", sid, stage_summary, _SUMMARY_COLUMNS)
