"""The simulator's vital signs and body measurements over real loopback HTTP: wire shapes, ground
truth, consistency with the person's sleep and heart rate, time zones, late arrival, filters,
identifiable ``get``. Payloads are parsed here independently of fitvault's own parsers."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest
from support.simulator_wire import authed, civil_of, device, list_points, ms, secs, start_sim

from fitvault_simulator import Simulator

UTC = timezone.utc
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # after the DST change and the Tokyo trip
V4 = "/v4/users/me/dataTypes/{}/dataPoints"
SLEEP = V4.format("sleep")


# -- independent parsing -----------------------------------------------------------------------

def sample(point: dict, key: str) -> dict:
    st = point[key]["sampleTime"]
    return {"time_ms": ms(st["physicalTime"]), "utc_offset_s": secs(st["utcOffset"])}


def day_of(body: dict) -> date:
    return date(**body["date"])


def as_int(x: str | None) -> int | None:
    return None if x is None else int(x)


def missing(value):
    """A served value as the vault keeps it: "NaN" (proto3 JSON for a double the service could
    not compute) and an SDNN of 0 ("not measured") are missing (docs/facts/google-health-api.md#settled-by-captured-payloads)."""
    return None if value in ("NaN", 0) else value


def row(dtype: str, p: dict) -> dict:
    """A data point as the vault row a parser stores (the ground-truth contract)."""
    if dtype == "heart-rate-variability":
        b = p["heartRateVariability"]
        meta = b.get("metadata", {})
        return {**sample(p, "heartRateVariability"), "rmssd_ms": b.get("rootMeanSquareOfSuccessiveDifferencesMilliseconds"),
                "sdnn_ms": missing(b.get("standardDeviationMilliseconds")), "lf_power_ms2": meta.get("lowFrequencyPower"),
                "hf_power_ms2": meta.get("highFrequencyPower"), "device": device(p)}
    if dtype == "oxygen-saturation":
        return {**sample(p, "oxygenSaturation"), "spo2_pct": p["oxygenSaturation"]["percentage"], "device": device(p)}
    if dtype == "respiratory-rate-sleep-summary":
        b = p["respiratoryRateSleepSummary"]
        full = b["fullSleepStats"]
        return {**sample(p, "respiratoryRateSleepSummary"), "full_breaths_per_min": full.get("breathsPerMinute"),
                "full_stddev_breaths_per_min": full.get("standardDeviation"),
                "full_signal_to_noise": full.get("signalToNoise"),
                **{f"{k}_breaths_per_min": b.get(f"{k}SleepStats", {}).get("breathsPerMinute")
                   for k in ("deep", "light", "rem")}, "device": device(p)}
    if dtype == "daily-heart-rate-variability":
        b = p["dailyHeartRateVariability"]
        return {"date": day_of(b), "average_hrv_ms": b.get("averageHeartRateVariabilityMilliseconds"),
                "non_rem_hr_bpm": as_int(b.get("nonRemHeartRateBeatsPerMinute")), "entropy": b.get("entropy"),
                "deep_sleep_rmssd_ms": b.get("deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds"),
                "device": device(p)}
    if dtype == "daily-oxygen-saturation":
        b = p["dailyOxygenSaturation"]
        return {"date": day_of(b), "average_pct": b.get("averagePercentage"), "lower_bound_pct": b.get("lowerBoundPercentage"),
                "upper_bound_pct": b.get("upperBoundPercentage"), "stddev_pct": b.get("standardDeviationPercentage"),
                "device": device(p)}
    if dtype == "daily-respiratory-rate":
        b = p["dailyRespiratoryRate"]
        return {"date": day_of(b), "breaths_per_min": b["breathsPerMinute"], "device": device(p)}
    if dtype == "daily-sleep-temperature-derivations":
        b = p["dailySleepTemperatureDerivations"]
        return {"date": day_of(b), "nightly_c": b.get("nightlyTemperatureCelsius"),
                "baseline_c": missing(b.get("baselineTemperatureCelsius")),
                "relative_stddev_30d_c": missing(b.get("relativeNightlyStddev30dCelsius")), "device": device(p)}
    key = {"weight": "weight", "body-fat": "bodyFat", "height": "height"}[dtype]
    b = p[key]
    out = {**sample(p, key), "id": p["name"].rsplit("/", 1)[1]}
    if dtype == "weight":
        out.update(weight_g=b["weightGrams"], notes=b.get("notes"))
    elif dtype == "body-fat":
        out["body_fat_pct"] = b["percentage"]
    else:
        out["height_mm"] = int(b["heightMillimeters"])
    out["device"] = device(p)
    return out


TABLES = {"heart-rate-variability": "hrv", "oxygen-saturation": "spo2", "respiratory-rate-sleep-summary":
          "breathing_rate_sleep", "daily-heart-rate-variability": "daily_hrv", "daily-oxygen-saturation": "daily_spo2",
          "daily-respiratory-rate": "daily_breathing_rate", "daily-sleep-temperature-derivations":
          "daily_skin_temperature", "weight": "weight", "body-fat": "body_fat", "height": "height"}


def walk(client: httpx.Client, dtype: str, suffix: str = "", **params) -> list[dict]:
    return list_points(client, V4.format(dtype) + suffix, **params)


def physical(dtype: str, lo: str, hi: str) -> str:
    f = f"{dtype.replace('-', '_')}.sample_time.physical_time"
    return f'{f} >= "{lo}" AND {f} < "{hi}"'


def civil(dtype: str, lo: str, hi: str) -> str:
    f = f"{dtype.replace('-', '_')}.sample_time.civil_time"
    return f'{f} >= "{lo}" AND {f} < "{hi}"'


def dates(dtype: str, lo: str, hi: str) -> str:
    f = f"{dtype.replace('-', '_')}.date"
    return f'{f} >= "{lo}" AND {f} < "{hi}"'


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_sim(now: datetime = NOW, **kw) -> Simulator:
    return start_sim(now, **kw)


@pytest.fixture(scope="module")
def msim():
    sim = new_sim(quota_per_window=100_000)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def client(msim):
    with authed(msim, timeout=20) as c:
        yield c


def main_sleeps(client: httpx.Client, lo: str, hi: str) -> list[dict]:
    """Main sleep sessions served with end in [lo, hi) (civil dates), oldest first."""
    flt = f'sleep.interval.civil_end_time >= "{lo}" AND sleep.interval.civil_end_time < "{hi}"'
    sessions = walk(client, "sleep", filter=flt)
    return [s["sleep"] for s in reversed(sessions) if s["sleep"]["metadata"]["mainSleep"]]


def stage_at(session: dict, t_ms: int) -> str:
    return next(s["type"] for s in session["stages"] if ms(s["startTime"]) <= t_ms < ms(s["endTime"]))


# -- samples -------------------------------------------------------------------------------------

def test_samples_equal_ground_truth_across_the_dst_night(client, msim):
    lo, hi = "2026-10-31T12:00:00Z", "2026-11-02T12:00:00Z"
    for dtype in ("heart-rate-variability", "oxygen-saturation", "respiratory-rate-sleep-summary"):
        points = walk(client, dtype, filter=physical(dtype, lo, hi), pageSize=97)
        truth = msim.person.truth(TABLES[dtype], at(lo), at(hi))
        assert [row(dtype, p) for p in reversed(points)] == truth, dtype
        assert truth and all(ms(lo) <= r["time_ms"] < ms(hi) for r in truth)
        reconciled = walk(client, dtype, ":reconcile", filter=physical(dtype, lo, hi), pageSize=5000)
        key = next(k for k in points[0] if k != "dataSource")
        assert [set(p) for p in reconciled] == [{key}] * len(points)
        assert [p[key] for p in reconciled] == [p[key] for p in points]
    night = msim.person.truth("hrv", at("2026-11-01T00:00:00Z"), at("2026-11-01T12:00:00Z"))
    assert {r["utc_offset_s"] for r in night} == {-14400, -18000}  # EDT before 06:00Z, EST after
    assert all(r["utc_offset_s"] == (-14400 if r["time_ms"] < ms("2026-11-01T06:00:00Z") else -18000) for r in night)
    assert all(r["time_ms"] % 300_000 == 0 for r in night)


def test_sample_wire_shapes_and_optional_members(client):
    week = ("2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z")
    hrv = walk(client, "heart-rate-variability", filter=physical("heart-rate-variability", *week), pageSize=10000)
    assert len(hrv) > 300
    for p in hrv:
        assert p["dataSource"]["recordingMethod"] == "PASSIVELY_MEASURED" and p["dataSource"]["platform"] == "FITBIT"
        b = p["heartRateVariability"]
        assert set(b["sampleTime"]) == {"physicalTime", "utcOffset", "civilTime"}  # civilTime as live
        assert set(b) <= {"sampleTime", "rootMeanSquareOfSuccessiveDifferencesMilliseconds",
                          "standardDeviationMilliseconds", "metadata"}
        assert 1 <= b["rootMeanSquareOfSuccessiveDifferencesMilliseconds"] <= 200
        assert set(b.get("metadata", {"lowFrequencyPower": 0, "highFrequencyPower": 0})) == {
            "lowFrequencyPower", "highFrequencyPower"}
    assert any("metadata" not in p["heartRateVariability"] for p in hrv)
    # the watch computes no SDNN and sends 0 ("not measured", open-wearables #1586)
    assert all(p["heartRateVariability"]["standardDeviationMilliseconds"] == 0 for p in hrv)
    spo2 = walk(client, "oxygen-saturation", filter=physical("oxygen-saturation", *week), pageSize=10000)
    assert len(spo2) > 1500
    for p in spo2:
        b = p["oxygenSaturation"]
        assert set(b) == {"sampleTime", "percentage"} and 85 <= b["percentage"] <= 100
        assert round(b["percentage"], 1) == b["percentage"]
    br = walk(client, "respiratory-rate-sleep-summary")
    assert all(set(p["respiratoryRateSleepSummary"]["fullSleepStats"]) == {"breathsPerMinute", "standardDeviation",
                                                                            "signalToNoise"} for p in br)
    shapes = {tuple(sorted(set(p["respiratoryRateSleepSummary"]) - {"sampleTime", "fullSleepStats"})) for p in br}
    assert () in shapes and ("deepSleepStats", "lightSleepStats", "remSleepStats") in shapes
    assert all(p["dataSource"]["recordingMethod"] == "DERIVED" for p in br)


def test_civil_filter_on_tokyo_samples(client, msim):
    points = walk(client, "oxygen-saturation", filter=civil("oxygen-saturation", "2026-11-12", "2026-11-13"),
                  pageSize=10000)
    got = [row("oxygen-saturation", p) for p in reversed(points)]
    wide = msim.person.truth("spo2", at("2026-11-11T00:00:00Z"), at("2026-11-13T00:00:00Z"))
    assert got == [r for r in wide if civil_of(r["time_ms"], r["utc_offset_s"]).date() == date(2026, 11, 12)]
    assert got and {r["utc_offset_s"] for r in got} == {32400}
    # a civil window of a few hours in Tokyo: local 02:00-04:00 is 17:00Z-19:00Z the day before
    short = walk(client, "heart-rate-variability",
                 filter=civil("heart-rate-variability", "2026-11-12T02:00:00", "2026-11-12T04:00:00"))
    assert len(short) == len(msim.person.truth("hrv", at("2026-11-11T17:00:00Z"), at("2026-11-11T19:00:00Z"))) > 10


@pytest.mark.slow
def test_nightly_values_come_from_the_main_sleep(client, msim):
    sessions = main_sleeps(client, "2026-11-08", "2026-11-21")
    assert len(sessions) == 13
    daily = {dtype: {day_of(p[key]): p[key] for p in walk(client, dtype, filter=dates(dtype, "2026-11-08", "2026-11-21"))}
             for dtype, key in (("daily-heart-rate-variability", "dailyHeartRateVariability"),
                                ("daily-oxygen-saturation", "dailyOxygenSaturation"),
                                ("daily-respiratory-rate", "dailyRespiratoryRate"))}
    window = ("2026-11-07T00:00:00Z", "2026-11-21T00:00:00Z")
    hrv, spo2, br_rows = ([row(t, p) for p in walk(client, t, filter=physical(t, *window), pageSize=10000)]
                          for t in ("heart-rate-variability", "oxygen-saturation", "respiratory-rate-sleep-summary"))
    br = {r["time_ms"]: r for r in br_rows}
    spans = [(ms(s["interval"]["startTime"]), ms(s["interval"]["endTime"])) for s in main_sleeps(
        client, "2026-11-06", "2026-11-22")]
    assert hrv and spo2 and all(any(a <= r["time_ms"] < b for a, b in spans) for r in hrv + spo2)
    assert all(any(r["time_ms"] == b for _a, b in spans) for r in br_rows)  # at the end of a main sleep
    classic = 0
    for s in sessions:
        start, end = ms(s["interval"]["startTime"]), ms(s["interval"]["endTime"])
        end_off = secs(s["interval"]["endUtcOffset"])
        night = civil_of(end, end_off).date()
        h = [r for r in hrv if start <= r["time_ms"] < end]
        o = [r for r in spo2 if start <= r["time_ms"] < end]
        staged = s["type"] == "STAGES"
        for r in h:  # every 5-minute window lies in the sleep, its midpoint not awake
            assert r["time_ms"] + 300_000 <= end and stage_at(s, r["time_ms"] + 150_000) != "AWAKE"
        assert all(stage_at(s, r["time_ms"] + 30_000) != "AWAKE" and r["time_ms"] % 60_000 == 0 for r in o)
        d = daily["daily-heart-rate-variability"].get(night)
        if d is not None:
            assert d["averageHeartRateVariabilityMilliseconds"] == round(sum(r["rmssd_ms"] for r in h) / len(h), 1)
            deep = [r["rmssd_ms"] for r in h if stage_at(s, r["time_ms"] + 150_000) == "DEEP"]
            if staged:
                assert d["deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds"] == round(sum(deep) / len(deep), 1)
            else:
                assert "deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds" not in d
            # the non-REM heart rate agrees with the heart-rate samples of the non-REM stages
            hr = msim.person.heart_rate(at(s["interval"]["startTime"]), at(s["interval"]["endTime"]))
            non_rem = [b for t, _o, b, _d in hr if stage_at(s, t) in ("LIGHT", "DEEP", "ASLEEP")]
            assert abs(int(d["nonRemHeartRateBeatsPerMinute"]) - sum(non_rem) / len(non_rem)) < 2.5
        else:
            assert not h
        o_daily = daily["daily-oxygen-saturation"].get(night)
        if o_daily is not None:
            vals = [r["spo2_pct"] for r in o]
            assert (o_daily["averagePercentage"], o_daily["lowerBoundPercentage"], o_daily["upperBoundPercentage"]) == (
                round(sum(vals) / len(vals), 1), min(vals), max(vals))
            if "standardDeviationPercentage" in o_daily:
                mean = sum(vals) / len(vals)
                assert o_daily["standardDeviationPercentage"] == pytest.approx(
                    math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals)), abs=0.006)
        summary = br.get(end)
        r_daily = daily["daily-respiratory-rate"].get(night)
        assert (summary is None) == (r_daily is None)
        if summary is not None:
            assert summary["utc_offset_s"] == end_off
            assert r_daily["breathsPerMinute"] == summary["full_breaths_per_min"]
            assert (summary["deep_breaths_per_min"] is not None) == staged
        classic += not staged
    assert classic  # the Tokyo arrival night is CLASSIC: no stage stats, no deep-sleep RMSSD
    # Tokyo nights are dated by the local date of their end
    assert {date(2026, 11, d) for d in range(11, 16)} <= set(daily["daily-respiratory-rate"])


def test_daily_types_filters_paging_and_truth(client, msim):
    for dtype, table in TABLES.items():
        if not dtype.startswith("daily-"):
            continue
        points = walk(client, dtype, filter=dates(dtype, "2026-10-01", "2026-11-22"), pageSize=7)
        truth = msim.person.truth(table, date(2026, 10, 1), date(2026, 11, 22))
        assert [row(dtype, p) for p in reversed(points)] == truth, dtype
        assert 40 <= len(truth) <= 51 and date(2026, 11, 19) <= truth[-1]["date"] <= date(2026, 11, 20)  # 21st: at noon
        assert all(set(p["dataSource"]) == {"recordingMethod", "device", "platform"} for p in points)
        r = client.get(V4.format(dtype), params={"filter": physical(dtype, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")})
        assert r.json()["error"]["details"][0]["reason"] == "INVALID_DATA_POINT_FILTER"
        assert r.json()["error"]["details"][0]["metadata"] == {"detailedReasons": "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"}
    hrv = msim.person.truth("daily_hrv", date(2025, 1, 1), date(2026, 11, 22))
    assert any(r["entropy"] is None for r in hrv) and any(r["deep_sleep_rmssd_ms"] is None for r in hrv)
    assert all(r["average_hrv_ms"] is not None and isinstance(r["non_rem_hr_bpm"], int) for r in hrv)
    assert {r["device"] for r in hrv} == {"Charge 6", "Pixel Watch 3"}
    # nights the device could not compute a metric leave gaps, differently per metric
    sets = [{r["date"] for r in msim.person.truth(t, date(2025, 1, 1), date(2026, 11, 22))}
            for t in ("daily_hrv", "daily_spo2", "daily_breathing_rate", "daily_skin_temperature")]
    assert len({frozenset(s) for s in sets}) == 4 and all(600 < len(s) < 675 for s in sets)  # of 675 nights


def test_skin_temperature_baseline_from_served_nights(client, msim):
    dtype = "daily-sleep-temperature-derivations"
    points = [p["dailySleepTemperatureDerivations"] for p in reversed(walk(client, dtype, filter=dates(
        dtype, "2025-01-01", "2025-04-01")))]
    nightly = {day_of(b): b["nightlyTemperatureCelsius"] for b in points}
    nan_after: list[date] = []
    assert min(nightly) == date(2025, 1, 15)  # the history starts 2025-01-15
    baselines: dict[date, float] = {}
    for b in points:
        d = day_of(b)
        prior = [nightly[x] for x in (d - timedelta(days=k) for k in range(30, 0, -1)) if x in nightly]
        if d < date(2025, 2, 14):  # the first 30 days of the history: "NaN", as live (docs/facts/google-health-api.md#settled-by-captured-payloads)
            assert b["baselineTemperatureCelsius"] == b["relativeNightlyStddev30dCelsius"] == "NaN"
            continue
        if b["baselineTemperatureCelsius"] == "NaN":  # sporadically after
            nan_after.append(d)
            continue
        baselines[d] = sum(prior) / len(prior)
        assert b["baselineTemperatureCelsius"] == round(baselines[d], 2)
        rel = [nightly[x] - baselines[x] for x in (d - timedelta(days=k) for k in range(29, -1, -1)) if x in baselines]
        if len(rel) >= 3:
            mean = sum(rel) / len(rel)
            assert b["relativeNightlyStddev30dCelsius"] == pytest.approx(
                math.sqrt(sum((x - mean) ** 2 for x in rel) / len(rel)), abs=0.006)
    assert len(baselines) > 40 and all(33.5 < t < 35.5 for t in nightly.values()) and len(nan_after) <= 2


def test_late_arrival():
    sim = new_sim(now=datetime(2026, 11, 20, 12, 30, tzinfo=UTC), access_token_ttl_s=86400)  # night ended 12:01Z
    try:
        with authed(sim, timeout=20) as c:
            p = sim.person
            (s,) = [x for x in main_sleeps(c, "2026-11-20", "2026-11-21")]
            end = ms(s["interval"]["endTime"])
            night = (at(s["interval"]["startTime"]), at(s["interval"]["endTime"]) + timedelta(seconds=1))
            today = (date(2026, 11, 20), date(2026, 11, 21))

            def served() -> tuple[int, int, int, set[str]]:
                flt = physical("oxygen-saturation", "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
                spo2 = len(walk(c, "oxygen-saturation", filter=flt, pageSize=10000))
                hrv = len(walk(c, "heart-rate-variability", filter=flt.replace("oxygen_saturation", "heart_rate_variability")))
                br = len(walk(c, "respiratory-rate-sleep-summary", filter=physical(
                    "respiratory-rate-sleep-summary", "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")))
                dailies = {t for t in TABLES if t.startswith("daily-")
                           and walk(c, t, filter=dates(t, "2026-11-20", "2026-11-21"))}
                return spo2, hrv, br, dailies

            assert served() == (0, 0, 0, set())  # the night ended, but is not processed yet
            assert p.truth("spo2", *night) == [] and p.truth("daily_hrv", *today) == []
            sim.clock.set(datetime.fromtimestamp(end / 1000 + 3 * 3600, UTC))  # processed: samples arrive
            spo2, hrv, br, dailies = served()
            assert spo2 > 300 and hrv > 60 and br == 1 and dailies == set()
            assert len(p.truth("spo2", *night)) == spo2
            sim.clock.set(datetime(2026, 11, 20, 16, 59, 59, tzinfo=UTC))
            assert served()[3] == set()
            sim.clock.set(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))  # local noon (EST): the daily values
            assert served()[3] == {t for t in TABLES if t.startswith("daily-")}
            assert len(p.truth("daily_spo2", *today)) == 1
            assert p.truth("daily_spo2", *today, as_of=datetime(2026, 11, 20, 16, 59, tzinfo=UTC)) == []
            assert p.truth("breathing_rate_sleep", *night, as_of=datetime(2026, 11, 20, 14, 59, tzinfo=UTC)) == []
    finally:
        sim.stop()


# -- body measurements ---------------------------------------------------------------------------

def test_body_measurements_shapes_truth_and_get(client, msim):
    p = msim.person
    everything = (datetime(2025, 1, 1, tzinfo=UTC), NOW)
    got: dict[str, list[dict]] = {}
    for dtype in ("weight", "body-fat", "height"):
        points = walk(client, dtype, pageSize=10000)
        got[dtype] = points
        assert [row(dtype, x) for x in reversed(points)] == p.truth(TABLES[dtype], *everything), dtype
        key = {"weight": "weight", "body-fat": "bodyFat", "height": "height"}[dtype]
        for x in points:
            assert x["name"] == f"users/{p.health_user_id}/dataTypes/{dtype}/dataPoints/{row(dtype, x)['id']}"
            st = x[key]["sampleTime"]
            t, off = ms(st["physicalTime"]), secs(st["utcOffset"])
            c = civil_of(t, off)
            want = {k: v for k, v in (("hours", c.hour), ("minutes", c.minute), ("seconds", c.second),
                                      ("nanos", c.microsecond * 1000)) if v}
            assert st["civilTime"] == {"date": {"year": c.year, "month": c.month, "day": c.day}, "time": want}
            src = x["dataSource"]
            if src["recordingMethod"] == "MANUAL":
                assert src == {"recordingMethod": "MANUAL", "platform": "FITBIT"}
            else:
                assert src["device"] == {"formFactor": "SCALE", "displayName": "Aria Air"}
    weights, fats = [row("weight", x) for x in got["weight"]], [row("body-fat", x) for x in got["body-fat"]]
    assert 150 < len(weights) < 400 and len({w["id"] for w in weights}) == len(weights)
    assert any(w["time_ms"] % 1000 for w in weights)  # millisecond instants
    assert {w["device"] for w in weights} == {"", "Aria Air"} and any(w["notes"] for w in weights)
    scale_times = {w["time_ms"] for w in weights if w["device"]}
    assert sum(f["time_ms"] in scale_times for f in fats) > 0.7 * len(scale_times)
    assert all(60_000 < w["weight_g"] < 90_000 for w in weights)
    heights = [row("height", x) for x in reversed(got["height"])]
    assert [h["height_mm"] for h in heights] == [1781, 1779]
    assert isinstance(got["height"][0]["height"]["heightMillimeters"], str)
    assert civil_of(heights[0]["time_ms"], heights[0]["utc_offset_s"]).date() == date(2025, 1, 16)
    # get: the same point as the list; unknown ids and wrong types are 404
    for dtype in ("weight", "body-fat", "height"):
        x = got[dtype][len(got[dtype]) // 2]
        r = client.get(V4.format(dtype) + "/" + x["name"].rsplit("/", 1)[1])
        assert r.status_code == 200 and r.json() == x
    wid = weights[0]["id"]
    for path in (V4.format("body-fat") + "/" + wid, V4.format("weight") + "/123", V4.format("weight") + "/abc"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    r = client.get(V4.format("oxygen-saturation") + "/123")
    assert r.json()["error"]["details"][0]["reason"] == "UNSUPPORTED_DATA_TYPE_ACTION"
    # reconcile names the point; google-wearables drops the manual logs
    rec = walk(client, "weight", ":reconcile", pageSize=50)
    assert [set(x) for x in rec] == [{"dataPointName", "weight"}] * len(rec)
    assert [x["dataPointName"] for x in rec] == [x["name"] for x in got["weight"]]
    wear = walk(client, "weight", pageSize=40, dataSourceFamily="users/me/dataSourceFamilies/google-wearables")
    assert [x["name"] for x in wear] == [x["name"] for x in got["weight"] if x["dataSource"].get("device")]
    assert walk(client, "height", dataSourceFamily="users/me/dataSourceFamilies/google-wearables") == []


def test_weight_in_berlin_is_a_manual_log_at_the_local_offset(client, msim):
    points = walk(client, "weight", filter=civil("weight", "2026-06-10T12:00:00", "2026-06-20T10:00:00"))
    rows = [row("weight", x) for x in points]
    assert rows and {r["utc_offset_s"] for r in rows} == {7200} and {r["device"] for r in rows} == {""}
    assert {r["notes"] for r in rows} <= {None, "Hotel scale"}
    wide = msim.person.truth("weight", datetime(2026, 6, 9, tzinfo=UTC), datetime(2026, 6, 21, tzinfo=UTC))
    assert list(reversed(rows)) == [r for r in wide if datetime(2026, 6, 10, 12) <= civil_of(r["time_ms"], r["utc_offset_s"])
                                    < datetime(2026, 6, 20, 10)]
    before = msim.person.truth("weight", datetime(2026, 6, 10, tzinfo=UTC), NOW,
                               as_of=datetime(2026, 6, 12, tzinfo=UTC))
    assert all(r["time_ms"] < ms("2026-06-12T00:00:00Z") for r in before)


# -- laziness, determinism, context endpoints ---------------------------------------------------

@pytest.mark.slow
def test_lazy_cached_and_deterministic():
    from fitvault_simulator import SimClock, SyntheticPerson
    from fitvault_simulator.person.vitals import vitals_of

    a, b, other = (SyntheticPerson(seed, clock=SimClock(NOW)) for seed in (7, 7, 8))
    week = (datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC))
    assert a.truth("hrv", *week) == b.truth("hrv", *week) != other.truth("hrv", *week)
    assert a.truth("weight", *week) == b.truth("weight", *week)
    va = vitals_of(a)
    assert len(va._samples) <= 8  # only the nights asked for
    days = (date(2025, 1, 1), date(2026, 12, 1))
    assert a.truth("daily_spo2", *days) == b.truth("daily_spo2", *days)
    assert len(va._samples) <= va._samples.size  # bounded LRU of sample arrays
    assert a.truth("spo2", *week) == b.truth("spo2", *week)  # regenerated identically after eviction
    assert a.truth("spo2", datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 15, 5, tzinfo=UTC)) == []


def test_context_endpoints(client, msim):
    s = client.get("/v4/users/me/settings").json()
    assert set(s) == {"name", "timeZone", "utcOffset", "distanceUnit", "weightUnit", "heightUnit", "temperatureUnit",
                      "waterUnit", "glucoseUnit", "swimUnit", "languageLocale", "foodLanguageCode"}
    assert (s["timeZone"], s["utcOffset"], s["name"]) == (
        "America/New_York", "-18000s", f"users/{msim.person.health_user_id}/settings")
    prof = client.get("/v4/users/me/profile").json()
    assert set(prof) == {"name", "age", "membershipStartDate"} and prof["age"] == msim.person.age_on(date(2026, 11, 21))
    devices = client.get("/v4/users/me/pairedDevices", params={"pageSize": 500}).json()["pairedDevices"]
    for d in devices:
        assert set(d) <= {"name", "deviceVersion", "deviceType", "batteryStatus", "batteryLevel", "lastSyncTime",
                          "macAddress", "features"}
        assert d["deviceType"] in ("TRACKER", "SCALE") and d["batteryStatus"] in ("High", "Medium", "Low", "Empty")
    current, retired = devices
    assert "2026-11-21T11:45:00Z" <= current["lastSyncTime"] <= "2026-11-21T12:00:00Z"
    assert retired["lastSyncTime"] <= "2026-05-01T00:00:00Z" and "batteryLevel" not in retired
    tokyo = new_sim(now=datetime(2026, 11, 12, 3, tzinfo=UTC))
    try:
        with authed(tokyo, timeout=20) as c:
            s = c.get("/v4/users/me/settings").json()
            assert (s["timeZone"], s["utcOffset"]) == ("Asia/Tokyo", "32400s")
    finally:
        tokyo.stop()
