"""The simulator's fast paths (issue #6): list pages of the high-volume types are joined from
per-point JSON text, and a day of heart rate is drawn with NumPy. Here the text equals the JSON
of the reference shapes (built with the dict building blocks), and the drawn heart rate keeps
the documented spacing and ranges."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.simulator_wire import authed, ms, start_sim

from fitvault_simulator import SimClock, SyntheticPerson, fitness_api, serialize, vitals_api, wire
from fitvault_simulator.person.activity import OFF, WORKOUT
from fitvault_simulator.person.devices import DEVICES
from fitvault_simulator.person.fitness import fitness_of
from fitvault_simulator.person.vitals import vitals_of

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
DAY_MS = 86_400_000

instants = st.integers(ms("2000-01-01T00:00:00Z"), ms("2100-01-01T00:00:00Z"))
offsets = st.integers(-48, 56).map(lambda q: q * 900)  # UTC-12 .. UTC+14 in quarter hours


# -- building blocks ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(instants, offsets, st.booleans())
def test_text_blocks_equal_the_dict_blocks(t, off, whole_second):
    t -= t % 1000 if whole_second else 0
    assert wire.civil_text(t, off) == wire.dumps(wire.civil(t, off))
    assert ms(wire.timestamp(t)) == t
    sample = {"physicalTime": wire.timestamp(t), "utcOffset": wire.duration(off)}
    assert wire.sample_time_text(t, off, civil=False) == wire.dumps(sample)
    assert wire.sample_time_text(t, off) == wire.dumps(dict(sample, civilTime=wire.civil(t, off)))
    e, eo = t + 60_000, off + 3600
    interval = {"startTime": wire.timestamp(t), "startUtcOffset": wire.duration(off),
                "endTime": wire.timestamp(e), "endUtcOffset": wire.duration(eo)}
    assert wire.interval_text(t, off, e, eo, civil=False) == wire.dumps(interval)
    assert wire.interval_text(t, off, e, eo) == wire.dumps(
        dict(interval, civilStartTime=wire.civil(t, off), civilEndTime=wire.civil(e, eo)))


# -- per-type shapes (docs/facts/google-health-api.md#payload-shapes), as dicts -------------------------------------------------

def source(dev: int) -> dict:
    return wire.data_source("PASSIVELY_MEASURED", DEVICES[dev].display_name, DEVICES[dev].form_factor)


def sample_time(t: int, off: int, civil: bool = True) -> dict:
    out = {"physicalTime": wire.timestamp(t), "utcOffset": wire.duration(off)}
    return dict(out, civilTime=wire.civil(t, off)) if civil else out


def interval(s: int, so: int, e: int, eo: int, civil: bool = True) -> dict:
    out = {"startTime": wire.timestamp(s), "startUtcOffset": wire.duration(so),
           "endTime": wire.timestamp(e), "endUtcOffset": wire.duration(eo)}
    return dict(out, civilStartTime=wire.civil(s, so), civilEndTime=wire.civil(e, eo)) if civil else out


def heart_rate(rec):
    t, off, bpm, dev, active = rec
    body = {"sampleTime": sample_time(t, off), "beatsPerMinute": str(bpm)}
    if active:
        body["metadata"] = {"motionContext": "ACTIVE", "sensorLocation": "WRIST"}
    return "heartRate", body, dev


def steps(rec):
    s, so, e, eo, count, omitted, dev = rec
    return "steps", {"interval": interval(s, so, e, eo), "count": str(count)}, dev  # count always present live


def distance(rec):
    s, so, e, eo, mm, omitted, dev = rec
    return "distance", {"interval": interval(s, so, e, eo), **({} if omitted else {"millimeters": str(mm)})}, dev


def floors(rec):
    s, so, e, eo, n, omitted, dev = rec
    return "floors", {"interval": interval(s, so, e, eo), **({} if omitted else {"count": str(n)})}, dev


def azm(rec):
    s, so, e, eo, zone, n, dev = rec
    return "activeZoneMinutes", {"interval": interval(s, so, e, eo), "heartRateZone": zone,
                                 "activeZoneMinutes": str(n)}, dev


def active_minutes(rec):
    s, so, e, eo, level, dev = rec
    return "activeMinutes", {"interval": interval(s, so, e, eo), "activeMinutesByActivityLevel": [
        {"activityLevel": level, "activeMinutes": "1"}]}, dev


def activity_level(rec):
    s, so, e, eo, level, dev = rec
    return "activityLevel", {"interval": interval(s, so, e, eo), "activityLevelType": level}, dev


def sedentary(rec):
    s, so, e, eo, _level, dev = rec
    return "sedentaryPeriod", {"interval": interval(s, so, e, eo)}, dev


def hrv(rec):
    t, off, rmssd, sdnn, lf, hf, dev = rec
    body: dict = {"sampleTime": sample_time(t, off)}
    for key, value in (("rootMeanSquareOfSuccessiveDifferencesMilliseconds", rmssd),
                       ("standardDeviationMilliseconds", sdnn)):
        if value is not None:
            body[key] = wire.number(value)
    meta = {k: wire.number(v) for k, v in (("lowFrequencyPower", lf), ("highFrequencyPower", hf)) if v is not None}
    if meta:
        body["metadata"] = meta
    return "heartRateVariability", body, dev


def spo2(rec):
    t, off, pct, dev = rec
    return "oxygenSaturation", {"sampleTime": sample_time(t, off), "percentage": wire.number(pct)}, dev


@pytest.fixture(scope="module")
def person():
    # heart_rate_interval_s=0: the irregular 1-15 s spacing everywhere (what the spacing test
    # below checks; the live 2-s density on the watch is checked in test_simulator.py)
    return SyntheticPerson(7, clock=SimClock(NOW), heart_rate_interval_s=0)


CASES = [
    ("heart-rate", lambda p: p.iter_heart_rate, serialize.heart_rate_text, heart_rate),
    ("steps", lambda p: p.iter_steps, serialize.steps_text, steps),
    ("distance", lambda p: fitness_of(p).iter_distance, fitness_api.distance_text, distance),
    ("floors", lambda p: fitness_of(p).iter_floors, fitness_api.floors_text, floors),
    ("active-zone-minutes", lambda p: fitness_of(p).iter_azm, fitness_api.azm_text, azm),
    ("active-minutes", lambda p: fitness_of(p).iter_active_minutes, fitness_api.active_minutes_text, active_minutes),
    ("activity-level", lambda p: fitness_of(p).iter_activity_level, fitness_api.activity_level_text, activity_level),
    ("sedentary-period", lambda p: fitness_of(p).iter_sedentary, fitness_api.sedentary_text, sedentary),
    ("heart-rate-variability", lambda p: vitals_of(p).iter_hrv, vitals_api.hrv_text, hrv),
    ("oxygen-saturation", lambda p: vitals_of(p).iter_spo2, vitals_api.spo2_text, spo2),
]


@pytest.mark.parametrize(("name", "walk", "text", "shape"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.slow
def test_point_text_is_the_reference_shape(person, name, walk, text, shape):
    # 2026-10-31 .. 11-02 crosses New York's DST change; 11-10 .. 11-12 is the Tokyo trip
    spans = [("2026-10-31T00:00:00Z", "2026-11-02T12:00:00Z"), ("2026-11-10T06:00:00Z", "2026-11-12T00:00:00Z")]
    seen = 0
    for lo, hi in spans:
        for rec in walk(person)(ms(lo), ms(hi), ms(hi)):
            key, body, dev = shape(rec)
            assert text(rec, False) == wire.dumps({"dataSource": source(dev), key: body})
            assert text(rec, True) == wire.dumps({key: body})
            seen += 1
    assert seen > 0


def test_a_pretty_printed_page_is_the_same_json():
    sim = start_sim(NOW)
    try:
        with authed(sim) as c:
            params = {"pageSize": 50, "filter": 'heart_rate.sample_time.physical_time >= "2026-11-19T00:00:00Z"'}
            compact = c.get("/v4/users/me/dataTypes/heart-rate/dataPoints", params=params)
            pretty = c.get("/v4/users/me/dataTypes/heart-rate/dataPoints", params=dict(params, prettyPrint="true"))
        assert b"\n  " in pretty.content and b"\n" not in compact.content
        points = lambda r: r.json()["dataPoints"]  # noqa: E731 - the tokens differ (a fresh MAC each)
        assert points(pretty) == points(compact) and len(points(compact)) == 50
    finally:
        sim.stop()


# -- the drawn heart rate ----------------------------------------------------------------------

def test_heart_rate_day_keeps_its_spacing_and_ranges(person):
    days = range(ms("2026-10-20T00:00:00Z") // DAY_MS, ms("2026-10-27T00:00:00Z") // DAY_MS)
    gaps: dict[str, list[int]] = {"idle": [], "workout": [], "asleep": []}
    for day in days:
        hr, plan = person.heart_rate_day(day), person.minute_plan(day)
        t0 = day * 86_400
        assert 9_000 < len(hr.times) < 13_000
        assert list(hr.times) == sorted(set(hr.times)) and min(hr.bpm) >= 38 and max(hr.bpm) <= 205
        states = [plan.state[(t - t0) // 60] for t in hr.times]
        assert OFF not in states
        assert list(hr.active) == [int(s == WORKOUT) for s in states]
        assert list(hr.offsets) == [plan.offsets[(t - t0) // 60] for t in hr.times]
        for a, b, s, s_next in zip(hr.times, hr.times[1:], states, states[1:]):
            back_on = any(plan.state[m] == OFF for m in range((a - t0) // 60, (b - t0) // 60 + 1))
            if back_on:
                assert 3 <= (b - t0) % 60 <= 40  # 3-40 s into the first minute worn again
            elif s == s_next:
                gaps["workout" if s == WORKOUT else "asleep" if s >= 10 else "idle"].append(b - a)
    assert set(gaps["workout"]) == {1, 2, 3}
    assert set(gaps["asleep"]) == set(range(5, 16))
    assert set(gaps["idle"]) == set(range(1, 16)) and sum(g <= 12 for g in gaps["idle"]) / len(gaps["idle"]) > 0.85


def test_heart_rate_follows_the_state(person):
    day = ms("2026-10-22T00:00:00Z") // DAY_MS
    by_state: dict[str, list[int]] = {"idle": [], "workout": [], "asleep": []}
    for d in range(day, day + 7):
        hr, plan = person.heart_rate_day(d), person.minute_plan(d)
        for t, b in zip(hr.times, hr.bpm):
            s = plan.state[(t - d * 86_400) // 60]
            by_state["workout" if s == WORKOUT else "asleep" if s >= 10 else "idle"].append(b)
    mean = {k: sum(v) / len(v) for k, v in by_state.items()}
    assert 50 < mean["asleep"] < 65 < mean["idle"] < 80 < 120 < mean["workout"] < 170


def test_heart_rate_is_the_same_in_every_process(person):
    # the drawing depends on the seed and the day only (not on what was generated before)
    fresh = SyntheticPerson(7, clock=SimClock(NOW), heart_rate_interval_s=0)
    day = ms("2026-10-25T00:00:00Z") // DAY_MS
    assert fresh.heart_rate_day(day) == person.heart_rate_day(day)
    assert json.dumps(list(fresh.heart_rate_day(day).bpm)[:5])  # plain ints, not NumPy scalars
