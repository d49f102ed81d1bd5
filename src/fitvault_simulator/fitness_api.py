"""List streams and wire shapes of the activity and fitness families (docs/facts/google-health-api.md#payload-shapes).

Shapes where the reference is silent or thin (the data comes from :mod:`.person.fitness`, which
documents the physiology and the arrival rules):

- 1-minute interval types carry civil times like steps (docs/facts/google-health-api.md#record-shapes "interval types with them"),
  except ``activeZoneMinutes``, whose live fixture has none (docs/facts/google-health-api.md#payload-shapes).
- ``activeMinutes``: one point per active minute (the type's storage resolution, docs/facts/google-health-api.md#intraday-resolution) holding a
  single ``activeMinutesByActivityLevel`` entry with ``"activeMinutes": "1"``.
- ``activityLevel``: merged runs of one level; ``sedentaryPeriod``: just the interval.
- ``dailyHeartRateZones``: the four ``heartRateZoneType`` values LIGHT, MODERATE, VIGOROUS, PEAK
  of DISC's ``HeartRateZone`` enum; the live payload is unverified (docs/facts/google-health-api.md#payload-shapes cites DISC only), so the
  thresholds (heart-rate reserve 30/40/60/85 %) and "max = next min - 1" are this simulator's.
- ``dailyVo2Max`` always sends ``estimated`` (the docs/facts/google-health-api.md#payload-shapes example shows ``false``).
- ``exercise``: docs/facts/google-health-api.md#payload-shapes (no civil times on the interval, as live). ``metricsSummary`` gives a pace for
  runs and walks and a speed for rides; ``heartRateZoneDurations`` always has all four members;
  ``exerciseMetadata`` is absent on manual logs; ``splits``/``splitSummaries`` per
  :mod:`.person.fitness`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from . import wire
from .person import SyntheticPerson
from .person.devices import DEVICES
from .person.fitness import HR_ZONES, Exercise, Fitness, Metrics, Split, fitness_of

_SOURCES = {(method, i): wire.data_source(method, d.display_name, d.form_factor)
            for i, d in enumerate(DEVICES) for method in ("PASSIVELY_MEASURED", "DERIVED", "ACTIVELY_MEASURED")}
_PASSIVE_TEXT = [wire.dumps(_SOURCES["PASSIVELY_MEASURED", i]) for i in range(len(DEVICES))]


def _source(method: str, dev: int) -> dict:
    return dict(_SOURCES[method, dev])


def _interval(s: int, so: int, e: int, eo: int, civil: bool = True) -> dict:
    out: dict[str, Any] = {"startTime": wire.timestamp(s), "startUtcOffset": wire.duration(so),
           "endTime": wire.timestamp(e), "endUtcOffset": wire.duration(eo)}
    if civil:
        out["civilStartTime"] = wire.civil(s, so)
        out["civilEndTime"] = wire.civil(e, eo)
    return out


def _sample_time(t: int, off: int) -> dict:
    return {"physicalTime": wire.timestamp(t), "utcOffset": wire.duration(off), "civilTime": wire.civil(t, off)}


# -- serializers ---------------------------------------------------------------------------------

def distance_text(rec: tuple, reconciled: bool) -> str:
    """One 1-minute ``distance`` interval; a zero is sometimes omitted, as for steps."""
    s, so, e, eo, mm, omitted, dev = rec
    value = "" if omitted else f',"millimeters":"{mm}"'
    return wire.point_text("distance", f'{{"interval":{wire.interval_text(s, so, e, eo)}{value}}}', reconciled,
                           _PASSIVE_TEXT[dev])


def floors_text(rec: tuple, reconciled: bool) -> str:
    """One 1-minute ``floors`` interval (served only if ``list`` is not refused for floors)."""
    s, so, e, eo, n, omitted, dev = rec
    value = "" if omitted else f',"count":"{n}"'
    return wire.point_text("floors", f'{{"interval":{wire.interval_text(s, so, e, eo)}{value}}}', reconciled,
                           _PASSIVE_TEXT[dev])


def azm_text(rec: tuple, reconciled: bool) -> str:
    """One 1-minute ``activeZoneMinutes`` point, civil times on the interval as live (FIX-DGH
    ``active_zone_minutes.json``, mcp-fitbit-air ``list_azm_nofilter.json``)."""
    s, so, e, eo, zone, n, dev = rec
    body = (f'{{"interval":{wire.interval_text(s, so, e, eo)},"heartRateZone":"{zone}",'
            f'"activeZoneMinutes":"{n}"}}')
    return wire.point_text("activeZoneMinutes", body, reconciled, _PASSIVE_TEXT[dev])


def active_minutes_text(rec: tuple, reconciled: bool) -> str:
    """One active minute: ``activeMinutesByActivityLevel`` with its single level."""
    s, so, e, eo, level, dev = rec
    body = (f'{{"interval":{wire.interval_text(s, so, e, eo)},'
            f'"activeMinutesByActivityLevel":[{{"activityLevel":"{level}","activeMinutes":"1"}}]}}')
    return wire.point_text("activeMinutes", body, reconciled, _PASSIVE_TEXT[dev])


def activity_level_text(rec: tuple, reconciled: bool) -> str:
    """One run of equal ``activityLevelType``."""
    s, so, e, eo, level, dev = rec
    body = f'{{"interval":{wire.interval_text(s, so, e, eo)},"activityLevelType":"{level}"}}'
    return wire.point_text("activityLevel", body, reconciled, _PASSIVE_TEXT[dev])


def sedentary_text(rec: tuple, reconciled: bool) -> str:
    """One ``sedentaryPeriod``: the interval only."""
    s, so, e, eo, _level, dev = rec
    return wire.point_text("sedentaryPeriod", f'{{"interval":{wire.interval_text(s, so, e, eo)}}}', reconciled,
                           _PASSIVE_TEXT[dev])


def daily_zones_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyHeartRateZones``: LIGHT..PEAK with int64-string bounds (max = next min - 1)."""
    d, bounds, dev = rec
    zones = [{"heartRateZoneType": HR_ZONES[i + 1], "minBeatsPerMinute": str(bounds[i]),
              "maxBeatsPerMinute": str(bounds[i + 1] - (1 if i < 3 else 0))} for i in range(4)]
    body = {"date": wire.date_json(d), "heartRateZones": zones}
    return wire.point("dailyHeartRateZones", body, reconciled, _source("DERIVED", dev))


def daily_vo2_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyVo2Max``."""
    d, vo2, level, estimated, cov, dev = rec
    body = {"date": wire.date_json(d), "vo2Max": wire.number(vo2), "cardioFitnessLevel": level,
            "estimated": estimated, "vo2MaxCovariance": wire.number(cov)}
    return wire.point("dailyVo2Max", body, reconciled, _source("DERIVED", dev))


def vo2_json(rec: tuple, reconciled: bool) -> dict:
    """One ``vo2Max`` sample."""
    t, off, vo2, method, dev = rec
    body = {"sampleTime": _sample_time(t, off), "vo2Max": wire.number(vo2), "measurementMethod": method}
    return wire.point("vo2Max", body, reconciled, _source("DERIVED", dev))


def run_vo2_json(rec: tuple, reconciled: bool) -> dict:
    """One ``runVo2Max`` sample (at the end of a GPS run)."""
    t, off, vo2, dev = rec
    body = {"sampleTime": _sample_time(t, off), "runVo2Max": wire.number(vo2)}
    return wire.point("runVo2Max", body, reconciled, _source("DERIVED", dev))


def metrics_json(m: Metrics) -> dict:
    """A ``MetricsSummary``: doubles as numbers, int64 as strings, absent members omitted."""
    out: dict = {}
    if m.calories_kcal is not None:
        out["caloriesKcal"] = wire.number(m.calories_kcal)
    if m.distance_mm is not None:
        out["distanceMillimeters"] = wire.number(m.distance_mm)
    if m.steps is not None:
        out["steps"] = str(m.steps)
    if m.avg_pace_s_per_m is not None:
        out["averagePaceSecondsPerMeter"] = wire.number(m.avg_pace_s_per_m)
    if m.avg_speed_mm_per_s is not None:
        out["averageSpeedMillimetersPerSecond"] = wire.number(m.avg_speed_mm_per_s)
    if m.avg_hr_bpm is not None:
        out["averageHeartRateBeatsPerMinute"] = str(m.avg_hr_bpm)
    if m.active_zone_minutes is not None:
        out["activeZoneMinutes"] = str(m.active_zone_minutes)
    if m.zone_s is not None:
        out["heartRateZoneDurations"] = {k: wire.duration(v) for k, v in
                                         zip(("lightTime", "moderateTime", "vigorousTime", "peakTime"), m.zone_s)}
    if m.elevation_gain_mm is not None:
        out["elevationGainMillimeters"] = wire.number(m.elevation_gain_mm)
    if m.run_vo2_max is not None:
        out["runVo2Max"] = wire.number(m.run_vo2_max)
    if m.mobility is not None:
        cadence, contact, stride, oscillation, ratio = m.mobility
        out["mobilityMetrics"] = {"avgCadenceStepsPerMinute": wire.number(cadence),
                                  "avgGroundContactTimeDuration": f"{contact:.3f}s",
                                  "avgStrideLengthMillimeters": str(stride),
                                  "avgVerticalOscillationMillimeters": str(oscillation),
                                  "avgVerticalRatio": wire.number(ratio)}
    return out


def split_json(sp: Split) -> dict:
    """A ``SplitSummary`` (an element of ``splits`` or ``splitSummaries``)."""
    return {"startTime": wire.timestamp(sp.start_ms), "startUtcOffset": wire.duration(sp.start_offset_s),
            "endTime": wire.timestamp(sp.end_ms), "endUtcOffset": wire.duration(sp.end_offset_s),
            "activeDuration": wire.duration(sp.active_s), "splitType": sp.split_type,
            "metricsSummary": metrics_json(sp.metrics)}


def exercise_json(ex: Exercise, reconciled: bool) -> dict:
    """One ``exercise`` session (docs/facts/google-health-api.md#payload-shapes)."""
    body: dict = {
        "interval": _interval(ex.start_ms, ex.start_offset_s, ex.end_ms, ex.end_offset_s, civil=False),
        "exerciseType": ex.exercise_type, "displayName": ex.display_name,
        "activeDuration": wire.duration(ex.active_s), "metricsSummary": metrics_json(ex.metrics),
    }
    # Live exercises always carry "exerciseMetadata": {} (FIX-DGH exercise_walking.json, the
    # google-health-cli Pixel Watch page): proto3 JSON leaves hasGps out when false.
    body["exerciseMetadata"] = {"hasGps": True} if ex.has_gps else {}
    if ex.events:
        body["exerciseEvents"] = [{"eventTime": wire.timestamp(t), "eventUtcOffset": wire.duration(off),
                                   "exerciseEventType": kind} for t, off, kind in ex.events]
    if ex.splits:
        body["splits"] = [split_json(sp) for sp in ex.splits]
    if ex.split_summaries:
        body["splitSummaries"] = [split_json(sp) for sp in ex.split_summaries]
    if ex.notes:
        body["notes"] = ex.notes
    body["createTime"] = wire.timestamp_us(ex.create_us)
    body["updateTime"] = wire.timestamp_us(ex.update_us)
    source = wire.data_source(ex.recording_method, ex.device, ex.form_factor)
    return wire.point("exercise", body, reconciled, source, ex.name)


# -- streams -------------------------------------------------------------------------------------

def _timed(walk: Callable[[Fitness], Callable[..., Iterator[tuple]]],
           to_json: Callable[[Fitness], Callable[[tuple, bool], dict]],
           manual: Callable[[tuple], bool] | None = None) -> Callable:
    def factory(person: SyntheticPerson, as_of_ms: int) -> Any:
        from .streams import TimedStream  # late: streams imports this module to register STREAMS
        f = fitness_of(person)
        return TimedStream(walk(f), person.history_start_s * 1000, as_of_ms, to_json(f), manual)
    return factory


def _minutes(walk: Callable[[Fitness], Callable[..., Iterator[tuple]]], to_text: Callable[[tuple, bool], str]
             ) -> Callable:
    """A stream of minute records serialised as JSON text (the high-volume types, see .wire)."""
    def factory(person: SyntheticPerson, as_of_ms: int) -> Any:
        from .streams import TimedStream  # late, as above
        return TimedStream(walk(fitness_of(person)), person.history_start_s * 1000, as_of_ms, to_text=to_text)
    return factory


def _daily(fetch: Callable[[Fitness], Callable], to_json: Callable[[tuple, bool], dict]) -> Callable:
    def factory(person: SyntheticPerson, as_of_ms: int) -> Any:
        from .streams import DailyStream
        return DailyStream(fetch(fitness_of(person)), person.history_start, as_of_ms, to_json)
    return factory


def _fixed(to_json: Callable[[tuple, bool], dict]) -> Callable[[Fitness], Callable[[tuple, bool], dict]]:
    return lambda _f: to_json


def _exercise_json(f: Fitness) -> Callable[[tuple, bool], dict]:
    return lambda rec, reconciled: exercise_json(f.exercise(rec[2]), reconciled)


#: data type id -> stream factory (see ``streams.Stream``)
STREAMS: dict[str, Callable] = {
    "distance": _minutes(lambda f: f.iter_distance, distance_text),
    "floors": _minutes(lambda f: f.iter_floors, floors_text),
    "active-zone-minutes": _minutes(lambda f: f.iter_azm, azm_text),
    "active-minutes": _minutes(lambda f: f.iter_active_minutes, active_minutes_text),
    "activity-level": _minutes(lambda f: f.iter_activity_level, activity_level_text),
    "sedentary-period": _minutes(lambda f: f.iter_sedentary, sedentary_text),
    "exercise": _timed(lambda f: f.iter_sessions, _exercise_json, manual=lambda rec: rec[2].manual),
    "vo2-max": _timed(lambda f: f.iter_vo2, _fixed(vo2_json)),
    "run-vo2-max": _timed(lambda f: f.iter_run_vo2, _fixed(run_vo2_json)),
    "daily-heart-rate-zones": _daily(lambda f: f.iter_daily_zones, daily_zones_json),
    "daily-vo2-max": _daily(lambda f: f.iter_daily_vo2, daily_vo2_json),
}


def get_point(dtype: str, person: SyntheticPerson, point_id: str, as_of_ms: int) -> dict | None:
    """``get`` of an exercise (docs/facts/google-health-api.md#get); ``None`` if there is none."""
    if dtype != "exercise" or not point_id.isdigit():
        return None
    f = fitness_of(person)
    s = f.session_by_id(point_id, as_of_ms)
    return None if s is None else exercise_json(f.exercise(s), False)


#: data type ids whose ``get`` this module answers
GET_TYPES = frozenset({"exercise"})
