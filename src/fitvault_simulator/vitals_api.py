"""List streams and wire shapes of vital signs and body measurements (docs/facts/google-health-api.md#payload-shapes).

Shapes follow the docs/facts/google-health-api.md#payload-shapes examples: HRV, SpO2 and respiratory-rate samples carry ``physicalTime``
and ``utcOffset`` only; weight, body fat and height also ``civilTime`` (the weight fixture), a
``name`` (identifiable types, docs/facts/google-health-api.md#get) and millisecond instants. Optional members are omitted, not
null (proto3 JSON). Samples, sleep summaries and daily records come from
:mod:`.person.vitals`, which documents the physiology and the arrival rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from . import wire
from .person import SyntheticPerson
from .person.devices import DEVICES
from .person.vitals import SCALE_NAME, Vitals, vitals_of

if TYPE_CHECKING:
    from .streams import DailyStream, TimedStream

_SOURCES = {(method, i): wire.data_source(method, d.display_name, d.form_factor)
            for i, d in enumerate(DEVICES) for method in ("PASSIVELY_MEASURED", "DERIVED")}
_PASSIVE_TEXT = [wire.dumps(_SOURCES["PASSIVELY_MEASURED", i]) for i in range(len(DEVICES))]


def _source(method: str, dev: int) -> dict:
    return dict(_SOURCES[method, dev])


def _sample_time(t: int, off: int, civil: bool = False) -> dict:
    out: dict[str, Any] = {"physicalTime": wire.timestamp(t), "utcOffset": wire.duration(off)}
    if civil:
        out["civilTime"] = wire.civil(t, off)
    return out


def _put(body: dict, key: str, value: object) -> None:
    if value is not None:
        body[key] = wire.number(value) if isinstance(value, float) else value


# -- serializers ---------------------------------------------------------------------------------

def hrv_text(rec: tuple, reconciled: bool) -> str:
    """One ``heartRateVariability`` sample."""
    t, off, rmssd, sdnn, lf, hf, dev = rec
    body = f'{{"sampleTime":{wire.sample_time_text(t, off)}'  # civilTime as live (haelan field map)
    if rmssd is not None:
        body += f',"rootMeanSquareOfSuccessiveDifferencesMilliseconds":{wire.number_text(rmssd)}'
    if sdnn is not None:
        body += f',"standardDeviationMilliseconds":{wire.number_text(sdnn)}'
    if lf is not None or hf is not None:
        meta = [f'"{k}":{wire.number_text(v)}' for k, v in (("lowFrequencyPower", lf), ("highFrequencyPower", hf))
                if v is not None]
        body += f',"metadata":{{{",".join(meta)}}}'
    return wire.point_text("heartRateVariability", body + "}", reconciled, _PASSIVE_TEXT[dev])


def spo2_text(rec: tuple, reconciled: bool) -> str:
    """One ``oxygenSaturation`` sample."""
    t, off, pct, dev = rec
    body = f'{{"sampleTime":{wire.sample_time_text(t, off)},"percentage":{wire.number_text(pct)}}}'
    return wire.point_text("oxygenSaturation", body, reconciled, _PASSIVE_TEXT[dev])


def breathing_json(rec: tuple, reconciled: bool) -> dict:
    """One ``respiratoryRateSleepSummary``; stage stats only for staged sleep."""
    t, off, full, sd, snr, deep, light, rem, dev = rec
    stats: dict = {}
    _put(stats, "breathsPerMinute", full)
    _put(stats, "standardDeviation", sd)
    _put(stats, "signalToNoise", snr)
    body: dict = {"sampleTime": _sample_time(t, off), "fullSleepStats": stats}
    for key, value in (("deepSleepStats", deep), ("lightSleepStats", light), ("remSleepStats", rem)):
        if value is not None:
            body[key] = {"breathsPerMinute": wire.number(value)}
    return wire.point("respiratoryRateSleepSummary", body, reconciled, _source("DERIVED", dev))


def daily_hrv_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyHeartRateVariability``."""
    d, avg, bpm, entropy, deep, dev = rec
    body: dict = {"date": wire.date_json(d)}
    _put(body, "averageHeartRateVariabilityMilliseconds", avg)
    if bpm is not None:
        body["nonRemHeartRateBeatsPerMinute"] = str(bpm)
    _put(body, "entropy", entropy)
    _put(body, "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds", deep)
    return wire.point("dailyHeartRateVariability", body, reconciled, _source("DERIVED", dev))


def daily_spo2_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyOxygenSaturation``."""
    d, avg, low, up, sd, dev = rec
    body: dict = {"date": wire.date_json(d)}
    _put(body, "averagePercentage", avg)
    _put(body, "lowerBoundPercentage", low)
    _put(body, "upperBoundPercentage", up)
    _put(body, "standardDeviationPercentage", sd)
    return wire.point("dailyOxygenSaturation", body, reconciled, _source("DERIVED", dev))


def daily_breathing_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyRespiratoryRate``."""
    d, bpm, dev = rec
    body = {"date": wire.date_json(d), "breathsPerMinute": wire.number(bpm)}
    return wire.point("dailyRespiratoryRate", body, reconciled, _source("DERIVED", dev))


def daily_temperature_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailySleepTemperatureDerivations``. A baseline or deviation that cannot be computed
    (the first ~30 nights, and sporadically after) is sent as the string "NaN", as live
    (mcp-fitbit-air ``list_daily-sleep-temperature-derivations_nofilter.json``)."""
    d, nightly, base, sd, dev = rec
    body: dict = {"date": wire.date_json(d)}
    _put(body, "nightlyTemperatureCelsius", nightly)
    _put(body, "baselineTemperatureCelsius", "NaN" if base is None else base)
    _put(body, "relativeNightlyStddev30dCelsius", "NaN" if sd is None else sd)
    return wire.point("dailySleepTemperatureDerivations", body, reconciled, _source("DERIVED", dev))


def _body_source(scale: bool) -> dict:
    if scale:
        return wire.data_source("ACTIVELY_MEASURED", SCALE_NAME, "SCALE")
    return wire.data_source("MANUAL")  # a manual log has no device (docs/facts/google-health-api.md#payload-shapes weight)


def _body_json(key: str, path: str, user_id: str, rec: tuple, reconciled: bool,
               value: Callable[[dict, tuple], None]) -> dict:
    t, off, pid, _v, _notes, scale = rec
    body: dict = {"sampleTime": _sample_time(t, off, civil=True)}
    value(body, rec)
    return wire.point(key, body, reconciled, _body_source(scale), f"users/{user_id}/dataTypes/{path}/dataPoints/{pid}")


def _weight_value(body: dict, rec: tuple) -> None:
    body["weightGrams"] = wire.number(rec[3])
    if rec[4]:
        body["notes"] = rec[4]


def _body_fat_value(body: dict, rec: tuple) -> None:
    body["percentage"] = wire.number(rec[3])


def _height_value(body: dict, rec: tuple) -> None:
    body["heightMillimeters"] = str(rec[3])


_BODY = {"weight": ("weight", _weight_value), "body-fat": ("bodyFat", _body_fat_value),
         "height": ("height", _height_value)}


def body_json(dtype: str, user_id: str) -> Callable[[tuple, bool], dict]:
    """The serializer of identifiable body measurements of type ``dtype``."""
    key, value = _BODY[dtype]
    return lambda rec, reconciled: _body_json(key, dtype, user_id, rec, reconciled, value)


# -- streams -------------------------------------------------------------------------------------

def _samples(walk: Callable[[Vitals], Callable[..., Iterator[tuple]]], to_json: Callable[[tuple, bool], dict] | None
             = None, *, to_text: Callable[[tuple, bool], str] | None = None
             ) -> Callable[[SyntheticPerson, int], TimedStream]:
    """A sample stream serialised by ``to_json`` or, for the high-volume types, ``to_text`` (.wire)."""
    def factory(person: SyntheticPerson, as_of_ms: int) -> TimedStream:
        from .streams import TimedStream  # late: streams imports this module to register STREAMS

        return TimedStream(walk(vitals_of(person)), person.history_start_s * 1000, as_of_ms, to_json, to_text=to_text)
    return factory


def _daily(fetch: Callable[[Vitals], Callable[[date, date, int], list[tuple]]],
           to_json: Callable[[tuple, bool], dict]) -> Callable[[SyntheticPerson, int], DailyStream]:
    def factory(person: SyntheticPerson, as_of_ms: int) -> DailyStream:
        from .streams import DailyStream  # late, as above

        return DailyStream(fetch(vitals_of(person)), person.history_start, as_of_ms, to_json)
    return factory


def _body(dtype: str, walk: Callable[[Vitals], Callable[..., Iterator[tuple]]]
          ) -> Callable[[SyntheticPerson, int], TimedStream]:
    def factory(person: SyntheticPerson, as_of_ms: int) -> TimedStream:
        from .streams import TimedStream  # late: streams imports this module to register STREAMS

        return TimedStream(walk(vitals_of(person)), person.history_start_s * 1000, as_of_ms,
                        body_json(dtype, person.health_user_id), manual=lambda rec: not rec[5])
    return factory


#: data type id -> stream factory (see ``streams.Stream``)
STREAMS: dict[str, Callable] = {
    "heart-rate-variability": _samples(lambda v: v.iter_hrv, to_text=hrv_text),
    "oxygen-saturation": _samples(lambda v: v.iter_spo2, to_text=spo2_text),
    "respiratory-rate-sleep-summary": _samples(lambda v: v.iter_breathing, breathing_json),
    "daily-heart-rate-variability": _daily(lambda v: v.iter_daily_hrv, daily_hrv_json),
    "daily-oxygen-saturation": _daily(lambda v: v.iter_daily_spo2, daily_spo2_json),
    "daily-respiratory-rate": _daily(lambda v: v.iter_daily_breathing, daily_breathing_json),
    "daily-sleep-temperature-derivations": _daily(lambda v: v.iter_daily_temperature, daily_temperature_json),
    "weight": _body("weight", lambda v: v.iter_weight),
    "body-fat": _body("body-fat", lambda v: v.iter_body_fat),
    "height": _body("height", lambda v: v.iter_height),
}


def get_point(dtype: str, person: SyntheticPerson, point_id: str, as_of_ms: int) -> dict | None:
    """``get`` of a weight / body-fat / height log (docs/facts/google-health-api.md#get); ``None`` if there is none."""
    if dtype not in _BODY or not point_id.isdigit():
        return None
    rec = vitals_of(person).find_body(dtype, point_id, as_of_ms)
    return None if rec is None else body_json(dtype, person.health_user_id)(rec, False)


#: data type ids whose ``get`` this module answers
GET_TYPES = frozenset(_BODY)
