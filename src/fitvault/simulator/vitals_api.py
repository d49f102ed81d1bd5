"""List streams and wire shapes of vital signs and body measurements (reference §2.4).

Shapes follow the §2.4 examples: HRV, SpO2 and respiratory-rate samples carry ``physicalTime``
and ``utcOffset`` only; weight, body fat and height also ``civilTime`` (the weight fixture), a
``name`` (identifiable types, §1.8) and millisecond instants. Optional members are omitted, not
null (proto3 JSON). Samples, sleep summaries and daily records come from
:mod:`.person.vitals`, which documents the physiology and the arrival rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from . import wire
from .filters import CIVIL, Filter, date_ms
from .person import SyntheticPerson
from .person.devices import DEVICES
from .person.vitals import SCALE_NAME, Vitals, vitals_of

_MAX_OFFSET_MS = 14 * 3600 * 1000  # UTC offsets lie within [-12 h, +14 h]
_DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_CHUNK = timedelta(days=62)
_SOURCES = {(method, i): wire.data_source(method, d.display_name, d.form_factor)
            for i, d in enumerate(DEVICES) for method in ("PASSIVELY_MEASURED", "DERIVED")}


def _source(method: str, dev: int) -> dict:
    return dict(_SOURCES[method, dev])


def _point(key: str, body: dict, reconciled: bool, source: dict, name: str | None = None) -> dict:
    if reconciled:
        return {"dataPointName": name, key: body} if name else {key: body}
    out: dict = {"name": name} if name else {}
    out["dataSource"] = source
    out[key] = body
    return out


def _sample_time(t: int, off: int, civil: bool = False) -> dict:
    out = {"physicalTime": wire.timestamp(t), "utcOffset": wire.duration(off)}
    if civil:
        out["civilTime"] = wire.civil(t, off)
    return out


def _put(body: dict, key: str, value: object) -> None:
    if value is not None:
        body[key] = wire.number(value) if isinstance(value, float) else value


# -- serializers ---------------------------------------------------------------------------------

def hrv_json(rec: tuple, reconciled: bool) -> dict:
    """One ``heartRateVariability`` sample."""
    t, off, rmssd, sdnn, lf, hf, dev = rec
    body: dict = {"sampleTime": _sample_time(t, off)}
    _put(body, "rootMeanSquareOfSuccessiveDifferencesMilliseconds", rmssd)
    _put(body, "standardDeviationMilliseconds", sdnn)
    if lf is not None or hf is not None:
        meta: dict = {}
        _put(meta, "lowFrequencyPower", lf)
        _put(meta, "highFrequencyPower", hf)
        body["metadata"] = meta
    return _point("heartRateVariability", body, reconciled, _source("PASSIVELY_MEASURED", dev))


def spo2_json(rec: tuple, reconciled: bool) -> dict:
    """One ``oxygenSaturation`` sample."""
    t, off, pct, dev = rec
    body = {"sampleTime": _sample_time(t, off), "percentage": wire.number(pct)}
    return _point("oxygenSaturation", body, reconciled, _source("PASSIVELY_MEASURED", dev))


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
    return _point("respiratoryRateSleepSummary", body, reconciled, _source("DERIVED", dev))


def daily_hrv_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyHeartRateVariability``."""
    d, avg, bpm, entropy, deep, dev = rec
    body: dict = {"date": wire.date_json(d)}
    _put(body, "averageHeartRateVariabilityMilliseconds", avg)
    if bpm is not None:
        body["nonRemHeartRateBeatsPerMinute"] = str(bpm)
    _put(body, "entropy", entropy)
    _put(body, "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds", deep)
    return _point("dailyHeartRateVariability", body, reconciled, _source("DERIVED", dev))


def daily_spo2_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyOxygenSaturation``."""
    d, avg, low, up, sd, dev = rec
    body: dict = {"date": wire.date_json(d)}
    _put(body, "averagePercentage", avg)
    _put(body, "lowerBoundPercentage", low)
    _put(body, "upperBoundPercentage", up)
    _put(body, "standardDeviationPercentage", sd)
    return _point("dailyOxygenSaturation", body, reconciled, _source("DERIVED", dev))


def daily_breathing_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyRespiratoryRate``."""
    d, bpm, dev = rec
    body = {"date": wire.date_json(d), "breathsPerMinute": wire.number(bpm)}
    return _point("dailyRespiratoryRate", body, reconciled, _source("DERIVED", dev))


def daily_temperature_json(rec: tuple, reconciled: bool) -> dict:
    """One ``dailySleepTemperatureDerivations``; baseline and deviation need 3 earlier nights."""
    d, nightly, base, sd, dev = rec
    body: dict = {"date": wire.date_json(d)}
    _put(body, "nightlyTemperatureCelsius", nightly)
    _put(body, "baselineTemperatureCelsius", base)
    _put(body, "relativeNightlyStddev30dCelsius", sd)
    return _point("dailySleepTemperatureDerivations", body, reconciled, _source("DERIVED", dev))


def _body_source(scale: bool) -> dict:
    if scale:
        return wire.data_source("ACTIVELY_MEASURED", SCALE_NAME, "SCALE")
    return wire.data_source("MANUAL")  # a manual log has no device (reference §2.4 weight)


def _body_json(key: str, path: str, user_id: str, rec: tuple, reconciled: bool,
               value: Callable[[dict, tuple], None]) -> dict:
    t, off, pid, _v, _notes, scale = rec
    body: dict = {"sampleTime": _sample_time(t, off, civil=True)}
    value(body, rec)
    return _point(key, body, reconciled, _body_source(scale), f"users/{user_id}/dataTypes/{path}/dataPoints/{pid}")


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

class _Samples:
    """A sample stream: the key is the sample instant; civil filters compare instant + offset."""

    def __init__(self, walk: Callable[..., Iterator[tuple]], lo_ms: int, as_of_ms: int,
                 to_json: Callable[[tuple, bool], dict], manual: Callable[[tuple], bool] | None = None) -> None:
        self._walk, self._lo, self._as_of = walk, lo_ms, as_of_ms
        self.to_json = to_json
        self.manual = manual  # listing drops manual entries for the google-wearables family

    def key(self, rec: tuple) -> int:
        return rec[0]

    def iter_desc(self, flt: Filter | None, upto_key: int | None) -> Iterator[tuple]:
        lo, hi = self._lo, self._as_of + 1
        civil = None
        if flt is not None:
            b_lo, b_hi = flt.bounds()
            pad = _MAX_OFFSET_MS if flt.kind == CIVIL else 0
            civil = flt if flt.kind == CIVIL else None
            lo = lo if b_lo is None else max(lo, b_lo - pad)
            hi = hi if b_hi is None else min(hi, b_hi + pad)
        if upto_key is not None:
            hi = min(hi, upto_key + 1)
        for rec in self._walk(lo, hi, self._as_of, descending=True):
            if civil is None or civil.matches(rec[0] + rec[1] * 1000):
                yield rec


class _Daily:
    """A daily stream: the key is the date (its midnight read as UTC, like DATE filters)."""

    def __init__(self, fetch: Callable[[date, date, int], list[tuple]], first: date, as_of_ms: int,
                 to_json: Callable[[tuple, bool], dict]) -> None:
        self._fetch, self._first, self._as_of = fetch, first, as_of_ms
        self.to_json = to_json

    def key(self, rec: tuple) -> int:
        return date_ms(rec[0])

    def iter_desc(self, flt: Filter | None, upto_key: int | None) -> Iterator[tuple]:
        first = self._first
        end = _ms_date(self._as_of) + timedelta(days=2)
        lo, hi = flt.bounds() if flt is not None else (None, None)
        if lo is not None:
            first = max(first, _ms_date(-(-lo // _DAY_MS) * _DAY_MS))
        if hi is not None:
            end = min(end, _ms_date(-(-hi // _DAY_MS) * _DAY_MS))
        if upto_key is not None:
            end = min(end, _ms_date(upto_key) + timedelta(days=1))
        while first < end:  # newest chunk first: a short page does not generate the whole history
            lo = max(first, end - _CHUNK)
            for rec in reversed(self._fetch(lo, end, self._as_of)):
                if flt is None or flt.matches(date_ms(rec[0])):
                    yield rec
            end = lo


def _ms_date(ms: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + ms // _DAY_MS)


def _samples(walk: Callable[[Vitals], Callable[..., Iterator[tuple]]], to_json: Callable[[tuple, bool], dict]
             ) -> Callable[[SyntheticPerson, int], _Samples]:
    def factory(person: SyntheticPerson, as_of_ms: int) -> _Samples:
        return _Samples(walk(vitals_of(person)), person.history_start_s * 1000, as_of_ms, to_json)
    return factory


def _daily(fetch: Callable[[Vitals], Callable[[date, date, int], list[tuple]]],
           to_json: Callable[[tuple, bool], dict]) -> Callable[[SyntheticPerson, int], _Daily]:
    def factory(person: SyntheticPerson, as_of_ms: int) -> _Daily:
        return _Daily(fetch(vitals_of(person)), person.history_start, as_of_ms, to_json)
    return factory


def _body(dtype: str, walk: Callable[[Vitals], Callable[..., Iterator[tuple]]]
          ) -> Callable[[SyntheticPerson, int], _Samples]:
    def factory(person: SyntheticPerson, as_of_ms: int) -> _Samples:
        return _Samples(walk(vitals_of(person)), person.history_start_s * 1000, as_of_ms,
                        body_json(dtype, person.health_user_id), manual=lambda rec: not rec[5])
    return factory


#: data type id -> stream factory (see ``streams.Stream``)
STREAMS: dict[str, Callable] = {
    "heart-rate-variability": _samples(lambda v: v.iter_hrv, hrv_json),
    "oxygen-saturation": _samples(lambda v: v.iter_spo2, spo2_json),
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
    """``get`` of a weight / body-fat / height log (reference §1.8); ``None`` if there is none."""
    if dtype not in _BODY or not point_id.isdigit():
        return None
    rec = vitals_of(person).find_body(dtype, point_id, as_of_ms)
    return None if rec is None else body_json(dtype, person.health_user_id)(rec, False)


#: data type ids whose ``get`` this module answers
GET_TYPES = frozenset(_BODY)
