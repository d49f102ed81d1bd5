"""exercise: recorded sessions with their summary, splits, events and GPS route (docs/facts/google-health-api.md#payload-shapes,
live fixture FIX-DGH ``exercise_walking.json``)::

    {"name": ".../dataTypes/exercise/dataPoints/6661252888799700001", "dataSource": {...},
     "exercise": {"interval": {...}, "exerciseType": "WALKING", "displayName": "Walk",
       "activeDuration": "1025s", "metricsSummary": {"caloriesKcal": 130, "distanceMillimeters": 1284300,
         "steps": "1606", "averagePaceSecondsPerMeter": 0.798, "averageHeartRateBeatsPerMinute": "80",
         "activeZoneMinutes": "0", "heartRateZoneDurations": {"lightTime": "1020s", ...}},
       "exerciseMetadata": {"hasGps": false}, "exerciseEvents": [{"eventTime", "eventUtcOffset",
         "exerciseEventType": "START"}, ...], "splits": [...], "splitSummaries": [...],
       "createTime": ..., "updateTime": ...}}

Exercise is a session type: filtered on ``exercise.interval.civil_start_time`` (civil dates,
docs/facts/google-health-api.md#filters), listed newest first by start, at most 25 per page. Sessions are identifiable and
can be edited in the app, so runs re-read a week and a session's splits and events are replaced
whole when they change. Live payloads carry no civil times on the interval (docs/facts/google-health-api.md#civil-times-on-sessions).

The GPS route comes from ``:exportExerciseTcx`` (activity + location scopes, docs/facts/google-health-api.md#methods)
for sessions with ``hasGps``; the sync fetches it once per session (see :meth:`wanted_details`),
archives the response like any page, and stores it with the session's page.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

from fitvault import timeutil
from fitvault.datatypes.base import (
    ACTIVITY_SCOPE,
    ParsedPage,
    SourceIds,
    Stream,
    instant_ms,
    offset_s,
    opt_str,
    parse_points,
    req_str,
    source_key,
)
from fitvault.datatypes.generic import duration, flag, integer, number, point_id, text
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.store import upsert

_SUMMARY = (
    ("calories_kcal", number("caloriesKcal")),
    ("distance_mm", number("distanceMillimeters")),
    ("steps", integer("steps")),
    ("avg_pace_s_per_m", number("averagePaceSecondsPerMeter")),
    ("avg_speed_mm_per_s", number("averageSpeedMillimetersPerSecond")),
    ("avg_hr_bpm", integer("averageHeartRateBeatsPerMinute")),
    ("active_zone_minutes", integer("activeZoneMinutes")),
    ("elevation_gain_mm", number("elevationGainMillimeters")),
    ("run_vo2_max_ml_kg_min", number("runVo2Max")),
    ("total_swim_lengths", integer("totalSwimLengths")),
    ("light_zone_s", duration("heartRateZoneDurations", "lightTime")),
    ("moderate_zone_s", duration("heartRateZoneDurations", "moderateTime")),
    ("vigorous_zone_s", duration("heartRateZoneDurations", "vigorousTime")),
    ("peak_zone_s", duration("heartRateZoneDurations", "peakTime")),
)
_SPLIT_SUMMARY = (
    ("calories_kcal", number("caloriesKcal")),
    ("distance_mm", number("distanceMillimeters")),
    ("steps", integer("steps")),
    ("avg_hr_bpm", integer("averageHeartRateBeatsPerMinute")),
    ("avg_pace_s_per_m", number("averagePaceSecondsPerMeter")),
    ("avg_speed_mm_per_s", number("averageSpeedMillimetersPerSecond")),
    ("elevation_gain_mm", number("elevationGainMillimeters")),
    ("active_zone_minutes", integer("activeZoneMinutes")),
    ("light_zone_s", duration("heartRateZoneDurations", "lightTime")),
    ("moderate_zone_s", duration("heartRateZoneDurations", "moderateTime")),
    ("vigorous_zone_s", duration("heartRateZoneDurations", "vigorousTime")),
    ("peak_zone_s", duration("heartRateZoneDurations", "peakTime")),
)
# Running dynamics, "only present in the advanced running exercises" (discovery document
# ``MobilityMetrics``; the vertical ratio is a percentage within [5, 11] there).
_MOBILITY = (
    ("avg_cadence_spm", number("mobilityMetrics", "avgCadenceStepsPerMinute")),
    ("avg_ground_contact_s", duration("mobilityMetrics", "avgGroundContactTimeDuration")),
    ("avg_stride_length_mm", integer("mobilityMetrics", "avgStrideLengthMillimeters")),
    ("avg_vertical_oscillation_mm", integer("mobilityMetrics", "avgVerticalOscillationMillimeters")),
    ("avg_vertical_ratio", number("mobilityMetrics", "avgVerticalRatio")),
)
COLUMNS = (
    "id", "source_id", "start_ms", "start_offset_s", "end_ms", "end_offset_s", "exercise_type",
    "display_name", "active_duration_s", *(c for c, _ in _SUMMARY), "has_gps", "pool_length_mm",
    "notes", "create_time", "update_time", *(c for c, _ in _MOBILITY),
)
_SPLIT_COLUMNS = (
    "exercise_id", "kind", "idx", "split_type", "start_ms", "start_offset_s", "end_ms", "end_offset_s",
    "active_duration_s", *(c for c, _ in _SPLIT_SUMMARY),
)
_EVENT_COLUMNS = ("exercise_id", "idx", "time_ms", "utc_offset_s", "event_type")
_GPS = COLUMNS.index("has_gps")  # the parsed session tuple has the columns' order
_has_gps = flag("exerciseMetadata", "hasGps")
_pool = integer("exerciseMetadata", "poolLengthMillimeters")
_active = duration("activeDuration")


def _span(obj: dict) -> tuple[int, int, int, int]:
    start, end = instant_ms(obj["startTime"]), instant_ms(obj["endTime"])
    if end < start:
        raise ValueError("ends before it starts")
    return start, offset_s(obj.get("startUtcOffset")), end, offset_s(obj.get("endUtcOffset"))


def _event_type(value: object) -> str:
    return req_str(value, "exerciseEventType")  # NOT NULL in the vault: a null would fail the whole page


class Exercise(Stream):
    name = data_type = "exercise"
    scopes = (ACTIVITY_SCOPE,)
    bound = "date"
    page_size = 25                      # sleep and exercise pages hold at most 25 (docs/facts/google-health-api.md#list-and-paging)
    overlap = timedelta(days=7)
    tables = ("exercises", "exercise_splits", "exercise_events", "exercise_tcx")
    table, time_column = "exercises", "start_ms"
    local_day_sql = "date"
    records_per_day_guess = 0.6
    table_info = TABLES_BY_NAME["exercises"]
    details_table, details_key = "exercise_tcx", "exercise_id"

    def filter_field(self) -> str:
        return "exercise.interval.civil_start_time"

    def parse(self, body: dict) -> ParsedPage:
        return parse_points(body, self._one, lambda row: row[3])

    @staticmethod
    def _one(point: dict) -> tuple:
        e = point["exercise"]
        start, start_off, end, end_off = _span(e["interval"])
        ex_id = point_id(point) or f"t{start}"
        summary = e.get("metricsSummary") or {}
        session = (
            ex_id, source_key(point.get("dataSource")), start, start_off, end, end_off,
            text("exerciseType")(e), text("displayName")(e), _active(e),
            *(get(summary) for _, get in _SUMMARY),
            _has_gps(e), _pool(e), text("notes")(e), opt_str(e.get("createTime"), "createTime"),
            opt_str(e.get("updateTime"), "updateTime"), *(get(summary) for _, get in _MOBILITY),
        )
        splits = []
        for key, kind in (("splits", "split"), ("splitSummaries", "summary")):
            for i, sp in enumerate(e.get(key) or ()):
                sm = sp.get("metricsSummary") or {}
                splits.append((kind, i, opt_str(sp.get("splitType"), "splitType"), *_span(sp), _active(sp),
                               *(get(sm) for _, get in _SPLIT_SUMMARY)))
        events = [
            (i, instant_ms(ev["eventTime"]), offset_s(ev.get("eventUtcOffset")), _event_type(ev["exerciseEventType"]))
            for i, ev in enumerate(e.get("exerciseEvents") or ())
        ]
        start_day: date = timeutil.local_date(start, start_off)  # position in the walk
        return (session, splits, events, start_day)

    # -- the GPS route ---------------------------------------------------------------------
    def page_ids(self, page: ParsedPage) -> list[str]:
        return [s[0] for s, _sp, _ev, _d in page.rows]

    def wanted_details(self, page: ParsedPage, have: set[str]) -> list[str]:
        """Ids of sessions on this page with a GPS route not yet in the vault."""
        return [s[0] for s, _sp, _ev, _d in page.rows if s[_GPS] and s[0] not in have]

    def detail_request(self, record_id: str) -> tuple[str, dict[str, str]]:
        """The TCX export. HTTP clients must ask with ``alt=media`` for the TCX document itself
        (DISC method text); the client adds it."""
        return f"/dataTypes/exercise/dataPoints/{record_id}:exportExerciseTcx", {}

    def parse_detail(self, exercise_id: str, body: bytes) -> tuple[str, str]:
        """The TCX XML of an ``alt=media`` export; the JSON ``{"tcxData": "<xml...>"}`` form
        (what the export answers without ``alt=media``; routes archived by earlier fitvault
        versions were asked that way) is read too."""
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
        if text.lstrip().startswith("{"):
            data = json.loads(text)
            tcx = data.get("tcxData") if isinstance(data, dict) else None
        else:
            tcx = text
        if not isinstance(tcx, str) or not tcx.strip().startswith("<"):
            raise ValueError("the TCX export holds no TCX document")
        return exercise_id, tcx

    # -- saving ----------------------------------------------------------------------------
    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        for session, splits, events, _day in rows:
            ex_id = session[0]
            upsert.write(conn, "exercises", [(ex_id, source_ids(session[1])) + session[2:]], COLUMNS)
            upsert.replace_children(conn, "exercise_splits", ex_id, splits, _SPLIT_COLUMNS)
            upsert.replace_children(conn, "exercise_events", ex_id, events, _EVENT_COLUMNS)

    def save_details(self, conn: sqlite3.Connection, details: list[tuple]) -> None:
        """Routes; one fetched again unchanged is not rewritten (``fetched_at`` is quiet)."""
        upsert.write(conn, "exercise_tcx",
                     ((ex_id, tcx, timeutil.format_instant(timeutil.utc_now_ms())) for ex_id, tcx in details))

