"""List streams, rollups and wire shapes of the types added for issue #14 item 4: active energy,
altitude, time and calories in heart-rate zones, swim lengths (:mod:`.person.zones_energy`) and
the logs and heart-rhythm records (:mod:`.person.logs`).

Shapes follow the discovery document (``ActiveEnergyBurned``, ``Altitude``, ``TimeInHeartRateZone``,
``SwimLengthsData``, ``HydrationLog``, ``NutritionLog``, ``BloodGlucose``, ``CoreBodyTemperature``,
``Moods``, ``Symptoms``, ``Electrocardiogram``, ``IrregularRhythmNotification`` and their rollup
values); the active-energy point is the live one of django-google-health (1-minute interval
with civil times, DERIVED). Minute intervals carry civil times like steps; logs carry a ``name``
(identifiable) and a MANUAL source without device; ECG and IRN the watch. The rollups:
``activeEnergyBurned.kcalSum``, ``altitude.gainMillimetersSum`` (int64 string),
``timeInHeartRateZone.timeInHeartRateZones`` and ``caloriesInHeartRateZone.caloriesInHeartRateZones``
with all four zones, zeros included (believed: no live capture).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import wire
from .person import SyntheticPerson
from .person.devices import DEVICES
from .person.fitness import fitness_of
from .person.logs import ECG_HZ, ECG_SCALE, logs_of
from .person.zones_energy import (
    active_energy_minutes,
    altitude_minutes,
    by_local_date,
    iter_active_energy,
    iter_altitude,
    iter_swim_lengths,
    iter_time_in_zone,
    zone_minutes,
)

_DERIVED_TEXT = [wire.dumps(wire.data_source("DERIVED", d.display_name, d.form_factor)) for d in DEVICES]
_PASSIVE_TEXT = [wire.dumps(wire.data_source("PASSIVELY_MEASURED", d.display_name, d.form_factor)) for d in DEVICES]
_ZONES = ("LIGHT", "MODERATE", "VIGOROUS", "PEAK")
_obj = json.loads  # the wire module's JSON text (civil times included) as an object


def _active_device(dev: int) -> dict:
    d = DEVICES[dev]
    return wire.data_source("ACTIVELY_MEASURED", d.display_name, d.form_factor)


# -- serializers ---------------------------------------------------------------------------------

def active_energy_text(rec: tuple, reconciled: bool) -> str:
    s, so, e, eo, milli, dev = rec
    body = f'{{"interval":{wire.interval_text(s, so, e, eo)},"kcal":{wire.number_text(milli / 1000)}}}'
    return wire.point_text("activeEnergyBurned", body, reconciled, _DERIVED_TEXT[dev])


def altitude_text(rec: tuple, reconciled: bool) -> str:
    s, so, e, eo, mm, dev = rec
    body = f'{{"interval":{wire.interval_text(s, so, e, eo)},"gainMillimeters":"{mm}"}}'
    return wire.point_text("altitude", body, reconciled, _PASSIVE_TEXT[dev])


def time_in_zone_text(rec: tuple, reconciled: bool) -> str:
    s, so, e, eo, zone, dev = rec
    body = f'{{"interval":{wire.interval_text(s, so, e, eo)},"heartRateZoneType":"{zone}"}}'
    return wire.point_text("timeInHeartRateZone", body, reconciled, _PASSIVE_TEXT[dev])


def swim_length_json(rec: tuple, reconciled: bool) -> dict:
    s, so, e, eo, strokes, kind, dev = rec
    body = {"interval": _obj(wire.interval_text(s, so, e, eo)), "strokeCount": str(strokes),
            "swimStrokeType": kind}
    return wire.point("swimLengthsData", body, reconciled, _active_device(dev))


def _name(person: SyntheticPerson, dtype: str, pid: str) -> str:
    return f"users/{person.health_user_id}/dataTypes/{dtype}/dataPoints/{pid}"


def _session_interval(r: tuple) -> dict:
    return _obj(wire.interval_text(r[0], r[1], r[2], r[3]))


def _sample_time(t: int, off: int) -> dict:
    return _obj(wire.sample_time_text(t, off))


def _logs(dtype: str, key: str, body: Callable[[tuple], dict], *, identifiable: bool = True,
          session: bool = True) -> Callable[[SyntheticPerson], Callable[[tuple, bool], dict]]:
    def for_person(person: SyntheticPerson) -> Callable[[tuple, bool], dict]:
        def to_json(r: tuple, reconciled: bool) -> dict:
            head = {"interval": _session_interval(r)} if session else {"sampleTime": _sample_time(r[0], r[1])}
            pid = r[4] if session else r[2]
            name = _name(person, dtype, pid) if identifiable else None
            return wire.point(key, {**head, **body(r)}, reconciled, wire.data_source("MANUAL"), name)
        return to_json
    return for_person


def _nutrition(r: tuple) -> dict:
    return {"foodDisplayName": r[5], "mealType": r[6], "energy": {"kcal": wire.number(r[7])},
            "energyFromFat": {"kcal": wire.number(r[8])}, "totalCarbohydrate": {"grams": wire.number(r[9])},
            "totalFat": {"grams": wire.number(r[10])},
            "nutrients": [{"nutrient": "PROTEIN", "quantity": {"grams": wire.number(r[11])}}]}


def _ecg_json(person: SyntheticPerson) -> Callable[[tuple, bool], dict]:
    def to_json(r: tuple, reconciled: bool) -> dict:
        name = DEVICES[r[8]].display_name
        body = {"interval": _session_interval(r), "beatsPerMinuteAvg": str(r[5]), "resultClassification": r[6],
                "leadNumber": 1, "samplingFrequencyHertz": ECG_HZ, "millivoltsScalingFactor": ECG_SCALE,
                "waveformSamples": list(r[7]),
                "medicalDeviceInfo": {"deviceModel": name, "firmwareVersion": "1.0", "featureVersion": "1.3"}}
        return wire.point("electrocardiogram", body, reconciled, _active_device(r[8]),
                          _name(person, "electrocardiogram", r[4]))
    return to_json


def _irn_json(person: SyntheticPerson) -> Callable[[tuple, bool], dict]:
    def to_json(r: tuple, reconciled: bool) -> dict:
        windows = [{**_obj(wire.interval_text(*w[:4])), "positive": True,
                    "heartBeats": [{**_sample_time(t, off), "beatsPerMinute": bpm} for t, off, bpm in w[4]]}
                   for w in r[5]]
        body = {"interval": _session_interval(r), "alertWindows": windows,
                "medicalDeviceInfo": {"deviceModel": DEVICES[r[6]].display_name, "algorithmVersion": "1.0",
                                      "serviceVersion": "1.0"}}
        d = DEVICES[r[6]]
        return wire.point("irregularRhythmNotification", body, reconciled,
                          wire.data_source("PASSIVELY_MEASURED", d.display_name, d.form_factor),
                          _name(person, "irregular-rhythm-notification", r[4]))
    return to_json


_LOG_TYPES: dict[str, tuple[str, Callable[[SyntheticPerson], Callable[[tuple, bool], dict]]]] = {
    "hydration-log": ("hydration", _logs("hydration-log", "hydrationLog", lambda r: {
        "amountConsumed": {"milliliters": wire.number(r[5]), "userProvidedUnit": "MILLILITER"}})),
    "nutrition-log": ("nutrition", _logs("nutrition-log", "nutritionLog", _nutrition)),
    "blood-glucose": ("glucose", _logs("blood-glucose", "bloodGlucose", lambda r: {
        "bloodGlucoseMilligramsPerDeciliter": wire.number(r[3]), "measurementTiming": "FASTING",
        "measurementSource": "SELF_MONITORING_BLOOD_GLUCOSE", "specimen": "CAPILLARY_BLOOD"}, session=False)),
    "core-body-temperature": ("temperature", _logs("core-body-temperature", "coreBodyTemperature", lambda r: {
        "temperatureCelsius": wire.number(r[3]), "measurementLocation": "MOUTH"}, session=False)),
    "moods": ("moods", _logs("moods", "moods", lambda r: {"moods": list(r[2]), "valences": list(r[3])},
                             identifiable=False, session=False)),
    "symptoms": ("symptoms", _logs("symptoms", "symptoms", lambda r: {"symptoms": list(r[2])},
                                   identifiable=False, session=False)),
    "electrocardiogram": ("ecg", _ecg_json),
    "irregular-rhythm-notification": ("irn", _irn_json),
}


# -- streams -------------------------------------------------------------------------------------

def _minutes(walk: Callable, to_text: Callable[[tuple, bool], str]) -> Callable:
    def factory(person: SyntheticPerson, as_of_ms: int) -> Any:
        from .streams import TimedStream  # late: streams imports this module to register STREAMS
        f = fitness_of(person)
        return TimedStream(lambda lo, hi, as_of, descending=False: walk(f, lo, hi, as_of, descending=descending),
                           person.history_start_s * 1000, as_of_ms, to_text=to_text)
    return factory


def _swims(person: SyntheticPerson, as_of_ms: int) -> Any:
    from .streams import TimedStream
    f = fitness_of(person)
    return TimedStream(lambda lo, hi, as_of, descending=False: iter_swim_lengths(f, lo, hi, as_of,
                                                                                 descending=descending),
                       person.history_start_s * 1000, as_of_ms, swim_length_json)


def _log_stream(dtype: str) -> Callable:
    what, to_json = _LOG_TYPES[dtype]

    def factory(person: SyntheticPerson, as_of_ms: int) -> Any:
        from .streams import TimedStream
        manual = dtype not in ("electrocardiogram", "irregular-rhythm-notification")
        return TimedStream(logs_of(person).walker(what), person.history_start_s * 1000, as_of_ms,
                           to_json(person), manual=(lambda rec: True) if manual else None)
    return factory


def _empty(person: SyntheticPerson, as_of_ms: int) -> Any:
    """The person logs no menstrual periods or ovulation tests (see .person.logs)."""
    from .streams import TimedStream
    return TimedStream(lambda lo, hi, as_of, descending=False: iter(()), 0, as_of_ms, lambda r, c: {})


#: data type id -> stream factory (see ``streams.Stream``)
STREAMS: dict[str, Callable] = {
    "active-energy-burned": _minutes(iter_active_energy, active_energy_text),
    "altitude": _minutes(iter_altitude, altitude_text),
    "time-in-heart-rate-zone": _minutes(iter_time_in_zone, time_in_zone_text),
    "swim-lengths-data": _swims,
    **{dtype: _log_stream(dtype) for dtype in _LOG_TYPES},
    "menstrual-period": _empty,
    "ovulation-test": _empty,
}


# -- rollups (registered into rollups.AGGREGATES) ----------------------------------------------

def _series(fn: Callable) -> Callable:
    return lambda p, lo, hi, as_of: fn(fitness_of(p), lo, hi, as_of)


def _days(fn: Callable) -> Callable:
    return lambda p, first, stop, as_of: by_local_date(fitness_of(p), fn, first, stop, as_of)


def _zone_fn(what: str) -> Callable:
    return lambda f, lo, hi, as_of: zone_minutes(f, what, lo, hi, as_of)


def _add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _zone_time_value(a: tuple) -> dict:
    return {"timeInHeartRateZones": [{"heartRateZone": z, "duration": wire.duration(v)} for z, v in zip(_ZONES, a)]}


def _zone_kcal_value(a: tuple) -> dict:
    return {"caloriesInHeartRateZones": [{"heartRateZone": z, "kcal": wire.number(v / 1000)} for z, v in zip(_ZONES, a)]}


def aggregates() -> dict[str, Any]:
    """The rollups of these types, as :class:`.rollups.Aggregate` (built late: rollups imports this)."""
    from .rollups import Aggregate

    return {
        "active-energy-burned": Aggregate(_series(active_energy_minutes), _days(active_energy_minutes), _add,
                                          lambda a: {"kcalSum": wire.number(a[0] / 1000)}),
        "altitude": Aggregate(_series(altitude_minutes), _days(altitude_minutes), _add,
                              lambda a: {"gainMillimetersSum": str(a[0])}),
        "time-in-heart-rate-zone": Aggregate(_series(_zone_fn("time")), _days(_zone_fn("time")), _add,
                                             _zone_time_value),
        "calories-in-heart-rate-zone": Aggregate(_series(_zone_fn("calories")), _days(_zone_fn("calories")), _add,
                                                 _zone_kcal_value),
    }
