"""The simulator's activity and fitness types over real loopback HTTP: wire shapes, filters,
refusals, rollups, the TCX export, and agreement with ``person.truth`` and with the person's own
steps and heart rate. Payloads are parsed here independently of fitvault's parsers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest
from support.simulator_wire import authed, civil_of, device, error_of, list_points, ms, secs, start_sim

from fitvault_simulator import Simulator, SimulatorConfig

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
UTC = timezone.utc
SCOPE = "https://www.googleapis.com/auth/googlehealth."
BASE = "/v4/users/me/dataTypes/"
TCX_NS = {"t": "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"}


# -- helpers (independent parsing of the wire format) ------------------------------------------

def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def iv_row(iv: dict) -> dict:
    return {"start_ms": ms(iv["startTime"]), "start_offset_s": secs(iv["startUtcOffset"]),
            "end_ms": ms(iv["endTime"]), "end_offset_s": secs(iv["endUtcOffset"])}


def walk(client: httpx.Client, dtype: str, **params) -> list[dict]:
    """Every point of a list walk, following nextPageToken."""
    return list_points(client, BASE + dtype + "/dataPoints", **params)


def daily_body(first: date, end: date, **extra) -> dict:
    return {"range": {"start": {"date": {"year": first.year, "month": first.month, "day": first.day}},
                      "end": {"date": {"year": end.year, "month": end.month, "day": end.day}}}, **extra}


def daily(client: httpx.Client, dtype: str, first: date, end: date, **extra) -> list[dict]:
    """The buckets, oldest first (served newest first, as live, and never paged)."""
    r = client.post(BASE + dtype + "/dataPoints:dailyRollUp", json=daily_body(first, end, **extra))
    assert r.status_code == 200, r.text
    assert "nextPageToken" not in r.json()
    buckets = r.json().get("rollupDataPoints", [])
    assert [bucket_date(b) for b in buckets] == sorted((bucket_date(b) for b in buckets), reverse=True)
    return buckets[::-1]


def bucket_date(b: dict) -> date:
    return date(**b["civilStartTime"]["date"])


def exercise_row(point: dict) -> dict:
    """A ``exercises`` vault row, parsed from the wire."""
    ex = point["exercise"]
    m = ex["metricsSummary"]
    zones = m.get("heartRateZoneDurations")

    def num(k: str) -> float | None:
        return None if k not in m else float(m[k])

    def i64(k: str) -> int | None:
        return None if k not in m else int(m[k])

    def zone(k: str) -> float | None:
        return None if zones is None else float(secs(zones[k]))

    return {"id": point["name"].rsplit("/", 1)[1], **iv_row(ex["interval"]), "exercise_type": ex["exerciseType"],
            "display_name": ex["displayName"], "active_duration_s": float(secs(ex["activeDuration"])),
            "calories_kcal": num("caloriesKcal"), "distance_mm": num("distanceMillimeters"), "steps": i64("steps"),
            "avg_pace_s_per_m": num("averagePaceSecondsPerMeter"),
            "avg_speed_mm_per_s": num("averageSpeedMillimetersPerSecond"),
            "avg_hr_bpm": i64("averageHeartRateBeatsPerMinute"), "active_zone_minutes": i64("activeZoneMinutes"),
            "elevation_gain_mm": num("elevationGainMillimeters"), "run_vo2_max_ml_kg_min": num("runVo2Max"),
            "total_swim_lengths": i64("totalSwimLengths"), "light_zone_s": zone("lightTime"),
            "moderate_zone_s": zone("moderateTime"), "vigorous_zone_s": zone("vigorousTime"),
            "peak_zone_s": zone("peakTime"), "has_gps": int(ex.get("exerciseMetadata", {}).get("hasGps", False)),
            "pool_length_mm": None, "notes": ex.get("notes"), "create_time": ex["createTime"],
            "update_time": ex["updateTime"], "device": device(point), **mobility_row(m.get("mobilityMetrics"))}


def mobility_row(mm: dict | None) -> dict:
    """The running-dynamics columns from ``metricsSummary.mobilityMetrics``."""
    mm = mm or {}
    gct = mm.get("avgGroundContactTimeDuration")
    return {"avg_cadence_spm": mm.get("avgCadenceStepsPerMinute"),
            "avg_ground_contact_s": None if gct is None else float(gct[:-1]),
            "avg_stride_length_mm": int(mm["avgStrideLengthMillimeters"]) if mm else None,
            "avg_vertical_oscillation_mm": int(mm["avgVerticalOscillationMillimeters"]) if mm else None,
            "avg_vertical_ratio": mm.get("avgVerticalRatio")}


def split_rows(point: dict) -> list[dict]:
    ex = point["exercise"]
    eid = point["name"].rsplit("/", 1)[1]
    rows = []
    for kind, key in (("split", "splits"), ("summary", "splitSummaries")):
        for i, sp in enumerate(ex.get(key, [])):
            m = sp["metricsSummary"]
            rows.append({"exercise_id": eid, "kind": kind, "idx": i, "split_type": sp["splitType"], **iv_row(sp),
                         "active_duration_s": float(secs(sp["activeDuration"])), "calories_kcal": float(m["caloriesKcal"]),
                         "distance_mm": float(m["distanceMillimeters"]), "steps": int(m["steps"]),
                         "avg_hr_bpm": int(m["averageHeartRateBeatsPerMinute"]),
                         "avg_pace_s_per_m": (float(m["averagePaceSecondsPerMeter"])
                                              if "averagePaceSecondsPerMeter" in m else None),
                         "avg_speed_mm_per_s": float(m["averageSpeedMillimetersPerSecond"]),
                         "elevation_gain_mm": float(m["elevationGainMillimeters"]),
                         "active_zone_minutes": int(m["activeZoneMinutes"]),
                         **{f"{z}_zone_s": float(secs(m["heartRateZoneDurations"][f"{z}Time"]))
                            for z in ("light", "moderate", "vigorous", "peak")}})
    return rows


def event_rows(point: dict) -> list[dict]:
    eid = point["name"].rsplit("/", 1)[1]
    return [{"exercise_id": eid, "idx": i, "time_ms": ms(e["eventTime"]), "utc_offset_s": secs(e["eventUtcOffset"]),
             "event_type": e["exerciseEventType"]} for i, e in enumerate(point["exercise"].get("exerciseEvents", []))]


def new_sim(now: datetime = NOW, **kw) -> Simulator:
    return start_sim(now, **kw)


@pytest.fixture(scope="module")
def msim():
    sim = new_sim()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def client(msim):
    with authed(msim, timeout=30) as c:
        yield c


def phys(dtype: str, lo: datetime, hi: datetime, member: str = "interval.start_time") -> str:
    f = dtype.replace("-", "_")
    return (f'{f}.{member} >= "{lo:%Y-%m-%dT%H:%M:%SZ}" AND {f}.{member} < "{hi:%Y-%m-%dT%H:%M:%SZ}"')


# -- minute types -------------------------------------------------------------------------------

def test_distance_minutes_follow_steps_and_truth(client, msim):
    lo, hi = utc(2026, 11, 5, 10), utc(2026, 11, 5, 14)  # a bike ride at 11:53Z
    points = walk(client, "distance", filter=phys("distance", lo, hi), pageSize=100)
    steps = walk(client, "steps", filter=phys("steps", lo, hi), pageSize=1000)
    got = [{**iv_row(p["distance"]["interval"]), "distance_mm": int(p["distance"].get("millimeters", "0")),
            "device": device(p)} for p in reversed(points)]
    assert got == msim.person.truth("distance_minutes", lo, hi)
    # one distance point per steps point, same interval; no steps -> (almost) no distance, except on a bike
    assert [p["distance"]["interval"] for p in points] == [p["steps"]["interval"] for p in steps]
    assert any("millimeters" not in p["distance"] for p in points)  # a true zero, omitted like steps
    pts = points[0]["distance"]["interval"]
    assert set(pts) == {"startTime", "startUtcOffset", "endTime", "endUtcOffset", "civilStartTime", "civilEndTime"}
    ride = [p for p in points if int(p["distance"].get("millimeters", "0")) > 250_000]
    assert 30 <= len(ride) <= 34  # ~6-7 m/s for the 34-minute ride (3 minutes paused still move)
    for d, s in zip(points, steps):
        n, mm = int(s["steps"].get("count", "0")), int(d["distance"].get("millimeters", "0"))
        if d not in ride:
            assert (mm == 0) == (n == 0) and (mm == 0 or 500 <= mm / n <= 1300)
    assert {p["dataSource"]["recordingMethod"] for p in points} == {"PASSIVELY_MEASURED"}


def test_daily_distance_floors_and_calories_rollups(client, msim):
    p = msim.person
    first, end = date(2026, 10, 29), date(2026, 11, 5)  # over the DST change (Nov 1)
    dist = daily(client, "distance", first, end)
    assert [{"date": bucket_date(b), "distance_mm": int(b["distance"]["millimetersSum"]), "device": ""} for b in dist] \
        == p.truth("daily_distance", first, end)
    assert len(dist) == 7 and all(set(b) == {"civilStartTime", "civilEndTime", "distance"} for b in dist)
    # the day's sum is the sum of its minutes (civil filter on the local date)
    day_pts = walk(client, "distance", filter='distance.interval.civil_start_time >= "2026-11-01" AND '
                                              'distance.interval.civil_start_time < "2026-11-02"', pageSize=10000)
    assert sum(int(x["distance"].get("millimeters", "0")) for x in day_pts) == int(dist[3]["distance"]["millimetersSum"])
    assert 3_000_000 < int(dist[3]["distance"]["millimetersSum"]) < 30_000_000  # 3-30 km

    floors = daily(client, "floors", first, end)
    assert [{"date": bucket_date(b), "floors": int(b["floors"]["countSum"]), "device": ""} for b in floors] \
        == p.truth("daily_floors", first, end)
    assert all(0 <= int(b["floors"]["countSum"]) < 80 for b in floors) and any(int(b["floors"]["countSum"]) for b in floors)
    r = client.get(BASE + "floors/dataPoints")
    assert error_of(r) == (400, "INVALID_ARGUMENT", "UNSUPPORTED_DATA_TYPE_ACTION",
                           "List is not supported for data type floors")
    assert r.json()["error"]["details"][0]["metadata"] == {"allowed_actions": "reconcile, rollUp, dailyRollUp"}

    kcal = daily(client, "total-calories", first, end)
    assert [{"date": bucket_date(b), "calories_kcal": b["totalCalories"]["kcalSum"], "device": ""} for b in kcal] \
        == p.truth("daily_total_calories", first, end)
    assert all(isinstance(b["totalCalories"]["kcalSum"], float) and 1500 < b["totalCalories"]["kcalSum"] < 4000
               for b in kcal)
    # physical windows: 24 hourly buckets of Nov 2 (UTC-5) add up to the local day
    body = {"range": {"startTime": "2026-11-02T05:00:00Z", "endTime": "2026-11-03T05:00:00Z"}, "windowSize": "3600s"}
    hours = client.post(BASE + "total-calories/dataPoints:rollUp", json=body).json()["rollupDataPoints"]
    assert round(sum(h["totalCalories"]["kcalSum"] for h in hours) * 1000) == round(kcal[4]["totalCalories"]["kcalSum"] * 1000)
    dist_hours = client.post(BASE + "distance/dataPoints:rollUp", json=body).json()["rollupDataPoints"]
    assert sum(int(h["distance"]["millimetersSum"]) for h in dist_hours) == int(dist[4]["distance"]["millimetersSum"])


def test_total_calories_refusals(client):
    r = client.get(BASE + "total-calories/dataPoints")
    assert error_of(r)[3] == "List is not supported for data type total-calories"
    ok = client.post(BASE + "total-calories/dataPoints:dailyRollUp", json=daily_body(date(2026, 11, 1), date(2026, 11, 15)))
    assert ok.status_code == 200 and len(ok.json()["rollupDataPoints"]) == 14
    r = client.post(BASE + "total-calories/dataPoints:dailyRollUp", json=daily_body(date(2026, 11, 1), date(2026, 11, 16)))
    assert error_of(r)[:3] == (400, "INVALID_ARGUMENT", "INVALID_ROLLUP_QUERY_DURATION")
    assert r.json()["error"]["details"][0]["metadata"] == {"maxDurationDays": "14"}
    week = client.post(BASE + "total-calories/dataPoints:dailyRollUp",
                       json=daily_body(date(2026, 11, 1), date(2026, 11, 8), pageSize=15)).json()
    assert len(week["rollupDataPoints"]) == 7 and "nextPageToken" not in week  # no paging
    r = client.post(BASE + "total-calories/dataPoints:dailyRollUp",
                    json=daily_body(date(2026, 11, 1), date(2026, 11, 8), pageSize=3))
    assert error_of(r)[:3] == (400, "INVALID_ARGUMENT", "INVALID_PAGE_SIZE")  # smaller than the range


def test_active_zone_minutes_follow_heart_rate(client, msim):
    p = msim.person
    lo, hi = utc(2026, 10, 22, 20), utc(2026, 10, 23, 2)  # a GPS run at 22:15Z
    points = walk(client, "active-zone-minutes", filter=phys("active-zone-minutes", lo, hi))
    rows = [{**iv_row(x["activeZoneMinutes"]["interval"]), "heart_rate_zone": x["activeZoneMinutes"]["heartRateZone"],
             "active_zone_minutes": int(x["activeZoneMinutes"]["activeZoneMinutes"]), "device": device(x)}
            for x in reversed(points)]
    assert rows == p.truth("active_zone_minutes", lo, hi)
    assert 30 <= len(rows) <= 45 and "civilStartTime" in points[0]["activeZoneMinutes"]["interval"]  # as live
    assert {r["heart_rate_zone"]: r["active_zone_minutes"] for r in rows}.items() <= {
        "FAT_BURN": 1, "CARDIO": 2, "PEAK": 2}.items()
    # each minute's mean heart rate lies in that date's zone (daily-heart-rate-zones)
    zones = walk(client, "daily-heart-rate-zones",
                 filter='daily_heart_rate_zones.date >= "2026-10-22" AND daily_heart_rate_zones.date < "2026-10-23"')
    (day,) = zones
    bounds = {z["heartRateZoneType"]: (int(z["minBeatsPerMinute"]), int(z["maxBeatsPerMinute"]))
              for z in day["dailyHeartRateZones"]["heartRateZones"]}
    azm_zone = {"FAT_BURN": "MODERATE", "CARDIO": "VIGOROUS", "PEAK": "PEAK"}
    hr = p.heart_rate(lo, hi)
    for r in rows:
        bpm = [b for t, _o, b, _d in hr if r["start_ms"] <= t < r["end_ms"]]
        mean = int(sum(bpm) / len(bpm) + 0.5)
        low, high = bounds[azm_zone[r["heart_rate_zone"]]]
        assert low <= mean <= high
    # dailyRollUp sums the points' values per zone
    first = date(2026, 10, 22)
    (b,) = daily(client, "active-zone-minutes", first, first + timedelta(days=1))
    day_pts = walk(client, "active-zone-minutes", filter='active_zone_minutes.interval.civil_start_time >= "2026-10-22" '
                                                         'AND active_zone_minutes.interval.civil_start_time < "2026-10-23"')
    sums = {"FAT_BURN": 0, "CARDIO": 0, "PEAK": 0}
    for x in day_pts:
        sums[x["activeZoneMinutes"]["heartRateZone"]] += int(x["activeZoneMinutes"]["activeZoneMinutes"])
    assert b["activeZoneMinutes"] == {"sumInFatBurnHeartZone": str(sums["FAT_BURN"]),
                                      "sumInCardioHeartZone": str(sums["CARDIO"]),
                                      "sumInPeakHeartZone": str(sums["PEAK"])}


def test_activity_level_sedentary_and_active_minutes(client, msim):
    p = msim.person
    lo, hi = utc(2026, 11, 5, 5), utc(2026, 11, 6, 5)  # local Nov 5 (UTC-5), a bike ride in the morning
    levels = list(reversed(walk(client, "activity-level", filter=phys("activity-level", lo, hi))))
    rows = [{**iv_row(x["activityLevel"]["interval"]), "level": x["activityLevel"]["activityLevelType"],
             "device": device(x)} for x in levels]
    assert rows == p.truth("activity_level", lo, hi)
    assert list(reversed(walk(client, "activity-level", filter=phys("activity-level", lo, hi), pageSize=13))) == levels
    assert {r["level"] for r in rows} == {"SEDENTARY", "LIGHTLY_ACTIVE", "MODERATELY_ACTIVE", "VERY_ACTIVE"}
    for a, b in zip(rows, rows[1:]):  # ordered, never overlapping; touching runs differ in level
        assert a["end_ms"] <= b["start_ms"]
        assert a["end_ms"] < b["start_ms"] or a["level"] != b["level"]
    sed = list(reversed(walk(client, "sedentary-period", filter=phys("sedentary-period", lo, hi))))
    sed_rows = [{**iv_row(x["sedentaryPeriod"]["interval"]), "device": device(x)} for x in sed]
    assert sed_rows == p.truth("sedentary_periods", lo, hi)
    assert set(sed[0]["sedentaryPeriod"]) == {"interval"}
    assert sed_rows == [{k: v for k, v in r.items() if k != "level"} for r in rows
                        if r["level"] == "SEDENTARY" and r["end_ms"] - r["start_ms"] >= 600_000]

    active = list(reversed(walk(client, "active-minutes", filter=phys("active-minutes", lo, hi))))
    am_rows = []
    for x in active:
        (entry,) = x["activeMinutes"]["activeMinutesByActivityLevel"]
        n = int(entry["activeMinutes"])
        am_rows.append({**iv_row(x["activeMinutes"]["interval"]),
                        "light_minutes": n if entry["activityLevel"] == "LIGHT" else 0,
                        "moderate_minutes": n if entry["activityLevel"] == "MODERATE" else 0,
                        "vigorous_minutes": n if entry["activityLevel"] == "VIGOROUS" else 0, "device": device(x)})
    assert am_rows == p.truth("active_minutes", lo, hi)
    # active minutes are exactly the non-sedentary minutes of the activity-level runs
    level_of = {"LIGHTLY_ACTIVE": "light_minutes", "MODERATELY_ACTIVE": "moderate_minutes",
                "VERY_ACTIVE": "vigorous_minutes"}
    expect = {k: 0 for k in level_of.values()}
    for r in rows:
        if r["level"] in level_of:
            expect[level_of[r["level"]]] += (r["end_ms"] - r["start_ms"]) // 60_000
    assert {k: sum(r[k] for r in am_rows) for k in expect} == expect
    (b,) = daily(client, "active-minutes", date(2026, 11, 5), date(2026, 11, 6))
    assert b["activeMinutes"] == {"activeMinutesRollupByActivityLevel": [
        {"activityLevel": "LIGHT", "activeMinutesSum": str(expect["light_minutes"])},
        {"activityLevel": "MODERATE", "activeMinutesSum": str(expect["moderate_minutes"])},
        {"activityLevel": "VIGOROUS", "activeMinutesSum": str(expect["vigorous_minutes"])}]}
    (s,) = daily(client, "sedentary-period", date(2026, 11, 5), date(2026, 11, 6))
    assert secs(s["sedentaryPeriod"]["durationSum"]) == sum(r["end_ms"] - r["start_ms"] for r in sed_rows) // 1000
    r = client.post(BASE + "activity-level/dataPoints:dailyRollUp", json=daily_body(date(2026, 11, 5), date(2026, 11, 6)))
    assert error_of(r)[3] == "DailyRollup is not supported for data type activity-level"
    body = {"range": {"startTime": "2026-11-05T05:00:00Z", "endTime": "2026-11-06T05:00:00Z"}, "windowSize": "86400s"}
    (w,) = client.post(BASE + "activity-level/dataPoints:rollUp", json=body).json()["rollupDataPoints"]
    totals = {x["activityLevelType"]: secs(x["totalDuration"])
              for x in w["activityLevel"]["activityLevelRollupsByActivityLevelType"]}
    assert totals == {lv: sum(r["end_ms"] - r["start_ms"] for r in rows if r["level"] == lv) // 1000
                      for lv in ("SEDENTARY", "LIGHTLY_ACTIVE", "MODERATELY_ACTIVE", "VERY_ACTIVE")}


# -- exercise -----------------------------------------------------------------------------------

EX_FILTER = ('exercise.interval.civil_start_time >= "2026-10-15T00:00:00" AND '
             'exercise.interval.civil_start_time < "2026-11-20T00:00:00"')


@pytest.fixture(scope="module")
def exercises(client):
    return walk(client, "exercise", filter=EX_FILTER, pageSize=7)


def test_exercise_list_matches_truth_with_civil_filter(client, msim, exercises):
    p = msim.person
    rows = [exercise_row(x) for x in reversed(exercises)]
    wide = p.truth("exercises", utc(2026, 10, 14), utc(2026, 11, 21))
    truth = [r for r in wide
             if date(2026, 10, 15) <= civil_of(r["start_ms"], r["start_offset_s"]).date() < date(2026, 11, 20)]
    assert rows == truth and len(rows) >= 15
    assert [r for x in reversed(exercises) for r in split_rows(x)] == [
        r for r in p.truth("exercise_splits", utc(2026, 10, 14), utc(2026, 11, 21)) if r["exercise_id"] in {t["id"] for t in truth}]
    assert [r for x in reversed(exercises) for r in event_rows(x)] == [
        r for r in p.truth("exercise_events", utc(2026, 10, 14), utc(2026, 11, 21)) if r["exercise_id"] in {t["id"] for t in truth}]
    kinds = {(r["exercise_type"], r["has_gps"], r["device"] == "") for r in rows}
    assert {("RUNNING", 1, False), ("BIKING", 1, False), ("WALKING", 0, False), ("YOGA", 0, True)} <= kinds
    # the civil filter compares local start times: one the evening of Nov 18 local starts Nov 19 UTC
    assert any(civil_of(r["start_ms"], 0).date() != civil_of(r["start_ms"], r["start_offset_s"]).date() for r in rows)
    for x in exercises:
        ex = x["exercise"]
        assert x["name"] == f"users/{p.health_user_id}/dataTypes/exercise/dataPoints/{x['name'].rsplit('/', 1)[1]}"
        assert set(ex["interval"]) == {"startTime", "startUtcOffset", "endTime", "endUtcOffset"}
        assert ex["createTime"] <= ex["updateTime"] and ms(ex["createTime"]) > ms(ex["interval"]["endTime"])
        if x["dataSource"]["recordingMethod"] == "MANUAL":
            assert "device" not in x["dataSource"] and set(ex["metricsSummary"]) == {"caloriesKcal"}
            assert ex["exerciseMetadata"] == {} and "exerciseEvents" not in ex  # always there live
        else:
            assert set(ex["metricsSummary"]["heartRateZoneDurations"]) == {"lightTime", "moderateTime", "vigorousTime",
                                                                           "peakTime"}
            assert ex["exerciseEvents"][0]["exerciseEventType"] == "START"
            assert ex["exerciseEvents"][-1]["exerciseEventType"] == "STOP"


def test_exercise_paging_get_reconcile_and_families(client, msim, exercises):
    assert len(client.get(BASE + "exercise/dataPoints", params={"pageSize": 100}).json()["dataPoints"]) == 25
    page = client.get(BASE + "exercise/dataPoints").json()
    assert len(page["dataPoints"]) == 25 and page["nextPageToken"]
    starts = [ms(x["exercise"]["interval"]["startTime"]) for x in page["dataPoints"]]
    assert starts == sorted(starts, reverse=True) and starts[0] < ms("2026-11-20T15:00:00Z")
    one = exercises[3]
    got = client.get(BASE + "exercise/dataPoints/" + one["name"].rsplit("/", 1)[1])
    assert got.status_code == 200 and got.json() == one
    assert client.get(BASE + "exercise/dataPoints/123").status_code == 404
    r = client.get(BASE + "exercise/dataPoints:reconcile", params={"filter": EX_FILTER, "pageSize": 25}).json()
    assert [x["dataPointName"] for x in r["dataPoints"]] == [x["name"] for x in exercises[:25]]
    assert all(set(x) == {"dataPointName", "exercise"} for x in r["dataPoints"])
    worn = walk(client, "exercise", filter=EX_FILTER, dataSourceFamily="users/me/dataSourceFamilies/google-wearables")
    assert worn == [x for x in exercises if x["dataSource"]["recordingMethod"] != "MANUAL"] and len(worn) < len(exercises)
    phys_flt = phys("exercise", utc(2026, 11, 1), utc(2026, 11, 10))
    assert walk(client, "exercise", filter=phys_flt) == [
        x for x in exercises if utc(2026, 11, 1) <= datetime.fromisoformat(
            x["exercise"]["interval"]["startTime"].replace("Z", "+00:00")) < utc(2026, 11, 10)]
    r = client.get(BASE + "exercise/dataPoints", params={"filter": 'exercise.interval.civil_end_time >= "2026-11-01"'})
    assert error_of(r)[2] == "INVALID_DATA_POINT_FILTER"
    assert r.json()["error"]["details"][0]["metadata"] == {"detailedReasons": "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"}


def test_exercise_agrees_with_steps_distance_and_heart_rate(client, msim, exercises):
    p = msim.person
    run = next(x for x in exercises if x["exercise"]["interval"]["startTime"] == "2026-10-22T22:15:00Z")
    ex = run["exercise"]
    assert (ex["exerciseType"], ex["displayName"], ex["exerciseMetadata"]) == ("RUNNING", "Run", {"hasGps": True})
    events = [(e["exerciseEventType"], ms(e["eventTime"])) for e in ex["exerciseEvents"]]
    assert [e for e, _t in events] == ["START", "AUTO_PAUSE", "AUTO_RESUME", "STOP"]
    (_, start), (_, p0), (_, p1), (_, end) = events
    active = [(start, p0), (p1, end)]
    assert secs(ex["activeDuration"]) == (p0 - start + end - p1) // 1000
    steps = walk(client, "steps", filter=phys("steps", utc(2026, 10, 22, 22), utc(2026, 10, 23, 0)), pageSize=10000)
    dist = walk(client, "distance", filter=phys("distance", utc(2026, 10, 22, 22), utc(2026, 10, 23, 0)), pageSize=10000)

    def within(t: int) -> bool:
        return any(a <= t < b for a, b in active)

    m = ex["metricsSummary"]
    assert int(m["steps"]) == sum(int(s["steps"].get("count", "0")) for s in steps if within(ms(s["steps"]["interval"]["startTime"])))
    total = sum(int(d["distance"].get("millimeters", "0")) for d in dist if within(ms(d["distance"]["interval"]["startTime"])))
    assert m["distanceMillimeters"] == total and 5_000_000 < total < 10_000_000
    hr = [b for t, _o, b, _d in p.heart_rate(utc(2026, 10, 22, 22), utc(2026, 10, 23)) if within(t)]
    assert int(m["averageHeartRateBeatsPerMinute"]) == round(sum(hr) / len(hr))
    azm = walk(client, "active-zone-minutes", filter=phys("active-zone-minutes", utc(2026, 10, 22, 22), utc(2026, 10, 23)))
    assert int(m["activeZoneMinutes"]) == sum(int(a["activeZoneMinutes"]["activeZoneMinutes"]) for a in azm
                                              if within(ms(a["activeZoneMinutes"]["interval"]["startTime"])))
    zones = m["heartRateZoneDurations"]
    assert sum(secs(v) for v in zones.values()) <= secs(ex["activeDuration"])
    assert m["averagePaceSecondsPerMeter"] == round(secs(ex["activeDuration"]) / (total / 1000), 3)
    assert 0.15 < m["averagePaceSecondsPerMeter"] < 0.45 and 35 < m["runVo2Max"] < 60
    # per-km splits cover the run without gaps; their distances and active times add up
    splits = ex["splits"]
    assert {s["splitType"] for s in splits} == {"DISTANCE"}
    for a, b in zip(splits, splits[1:]):  # touching, or the pause falls between them
        assert a["endTime"] == b["startTime"] or (ms(a["endTime"]), ms(b["startTime"])) == (p0, p1)
    assert (splits[0]["startTime"], splits[-1]["endTime"]) == (ex["interval"]["startTime"], ex["interval"]["endTime"])
    assert sum(s["metricsSummary"]["distanceMillimeters"] for s in splits) == total
    assert all(s["metricsSummary"]["distanceMillimeters"] == 1_000_000 for s in splits[:-1])
    assert sum(secs(s["activeDuration"]) for s in splits) == secs(ex["activeDuration"])
    laps = ex["splitSummaries"]  # one MANUAL lap per stretch between the auto pause
    assert [(ms(x["startTime"]), ms(x["endTime"]), x["splitType"]) for x in laps] == [
        (start, p0, "MANUAL"), (p1, end, "MANUAL")]
    assert sum(x["metricsSummary"]["distanceMillimeters"] for x in laps) == total
    assert sum(int(x["metricsSummary"]["steps"]) for x in laps) == int(m["steps"])
    # the run's VO2 sample and the exercise's runVo2Max are the same value
    (rv,) = walk(client, "run-vo2-max", filter=phys("run-vo2-max", utc(2026, 10, 22), utc(2026, 10, 24),
                                                    "sample_time.physical_time"))
    assert rv["runVo2Max"]["runVo2Max"] == m["runVo2Max"] and ms(rv["runVo2Max"]["sampleTime"]["physicalTime"]) == end


def test_exercise_arrives_after_its_end():
    sim = new_sim(now=utc(2026, 10, 22, 23, 0))  # the run ends 22:56:00Z, created a few minutes later
    try:
        with authed(sim, timeout=30) as c:
            flt = phys("exercise", utc(2026, 10, 22), utc(2026, 10, 23))
            assert c.get(BASE + "exercise/dataPoints", params={"filter": flt}).json()["dataPoints"] == []
            sim.clock.set(utc(2026, 10, 22, 23, 30))
            (x,) = c.get(BASE + "exercise/dataPoints", params={"filter": flt}).json()["dataPoints"]
            assert ms(x["exercise"]["createTime"]) <= ms("2026-10-22T23:30:00Z")
            assert sim.person.truth("exercises", utc(2026, 10, 22), utc(2026, 10, 23),
                                    as_of=utc(2026, 10, 22, 23, 0)) == []
    finally:
        sim.stop()


# -- TCX ----------------------------------------------------------------------------------------

def test_tcx_export(msim, exercises):
    p = msim.person
    gps = next(x for x in exercises if x["exercise"]["interval"]["startTime"] == "2026-10-22T22:15:00Z")
    gid = gps["name"].rsplit("/", 1)[1]
    path = BASE + f"exercise/dataPoints/{gid}:exportExerciseTcx"
    with authed(msim, [SCOPE + "activity_and_fitness.readonly"], timeout=30) as only_activity:
        r = only_activity.get(path)
        assert error_of(r)[:3] == (403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
    with authed(msim, [SCOPE + "location.readonly"], timeout=30) as only_location:
        assert only_location.get(path).status_code == 403
    with authed(msim, [SCOPE + "activity_and_fitness.readonly", SCOPE + "location.readonly"],
                timeout=30) as c:
        raw = c.get(path, params={"alt": "media"})
        assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/vnd.garmin.tcx+xml")
        as_json = c.get(path, params={"partialData": "false"}).json()
        assert set(as_json) == {"tcxData"} and as_json["tcxData"] == raw.text
        (truth,) = [t for t in p.truth("exercise_tcx", utc(2026, 10, 22), utc(2026, 10, 23)) if t["exercise_id"] == gid]
        assert truth["tcx"] == raw.text

        root = ET.fromstring(raw.content)
        (act,) = root.findall("t:Activities/t:Activity", TCX_NS)
        assert act.get("Sport") == "Running" and act.findtext("t:Id", namespaces=TCX_NS) == "2026-10-22T22:15:00.000Z"
        laps = act.findall("t:Lap", TCX_NS)
        assert len(laps) == 2  # the auto pause splits the track
        ex = gps["exercise"]
        assert sum(float(lap.findtext("t:TotalTimeSeconds", namespaces=TCX_NS)) for lap in laps) == secs(ex["activeDuration"])
        assert round(sum(float(lap.findtext("t:DistanceMeters", namespaces=TCX_NS)) for lap in laps) * 1000) \
            == ex["metricsSummary"]["distanceMillimeters"]
        pts = act.findall("t:Lap/t:Track/t:Trackpoint", TCX_NS)
        assert len(pts) == secs(ex["activeDuration"]) // 5 + 2
        times = [ms(tp.findtext("t:Time", namespaces=TCX_NS)) for tp in pts]
        assert times == sorted(times) and times[0] == ms(ex["interval"]["startTime"])
        assert times[-1] == ms(ex["interval"]["endTime"])
        hr = {t: b for t, _o, b, _d in p.heart_rate(utc(2026, 10, 22, 22), utc(2026, 10, 23))}
        for tp, t in zip(pts, times):
            lat = float(tp.findtext("t:Position/t:LatitudeDegrees", namespaces=TCX_NS))
            lon = float(tp.findtext("t:Position/t:LongitudeDegrees", namespaces=TCX_NS))
            assert abs(lat - 40.78) < 0.05 and abs(lon + 73.97) < 0.06  # around Central Park
            bpm = tp.findtext("t:HeartRateBpm/t:Value", namespaces=TCX_NS)
            if bpm is not None:
                last = max(s for s in hr if s <= t)
                assert int(bpm) == hr[last] and t - last <= 15_000
        dists = [float(tp.findtext("t:DistanceMeters", namespaces=TCX_NS)) for tp in pts]
        assert dists == sorted(dists)

        # refusals and partial exports
        walk_ex = next(x for x in exercises if x["exercise"].get("exerciseMetadata") == {}
                       and x["dataSource"]["recordingMethod"] != "MANUAL")
        wpath = BASE + f"exercise/dataPoints/{walk_ex['name'].rsplit('/', 1)[1]}:exportExerciseTcx"
        assert error_of(c.get(wpath))[:3] == (400, "FAILED_PRECONDITION", None)  # no reason known (believed)
        partial = c.get(wpath, params={"partialData": "true", "alt": "media"})
        assert partial.status_code == 200
        proot = ET.fromstring(partial.content)
        assert proot.findall(".//t:Trackpoint", TCX_NS) and not proot.findall(".//t:Position", TCX_NS)
        manual = next(x for x in exercises if x["dataSource"]["recordingMethod"] == "MANUAL")
        mpath = BASE + f"exercise/dataPoints/{manual['name'].rsplit('/', 1)[1]}:exportExerciseTcx"
        assert c.get(mpath, params={"partialData": "true"}).status_code == 400
        assert c.get(BASE + "exercise/dataPoints/6600000000000000000:exportExerciseTcx").status_code == 404
        assert c.get(path, params={"partialData": "maybe"}).status_code == 400
        assert c.get(BASE + f"sleep/dataPoints/{gid}:exportExerciseTcx").status_code == 400


# -- daily types and VO2 ------------------------------------------------------------------------

def test_daily_zones_and_vo2_max_with_late_arrival(client, msim):
    p = msim.person
    flt = 'daily_heart_rate_zones.date >= "2026-11-10" AND daily_heart_rate_zones.date < "2026-11-21"'
    zones = walk(client, "daily-heart-rate-zones", filter=flt)
    rows = [{"date": date(**x["dailyHeartRateZones"]["date"]), "zone": z["heartRateZoneType"],
             "min_bpm": int(z["minBeatsPerMinute"]), "max_bpm": int(z["maxBeatsPerMinute"]), "device": device(x)}
            for x in reversed(zones) for z in x["dailyHeartRateZones"]["heartRateZones"]]
    assert rows == p.truth("daily_heart_rate_zones", date(2026, 11, 10), date(2026, 11, 21))
    # Nov 19's record exists (next morning passed); Nov 20's only from the morning of Nov 21
    assert [date(**x["dailyHeartRateZones"]["date"]) for x in zones] == [date(2026, 11, d) for d in range(19, 9, -1)]
    assert [z["heartRateZoneType"] for z in zones[0]["dailyHeartRateZones"]["heartRateZones"]] == [
        "LIGHT", "MODERATE", "VIGOROUS", "PEAK"]
    for x in zones:
        zs = x["dailyHeartRateZones"]["heartRateZones"]
        assert all(int(a["maxBeatsPerMinute"]) + 1 == int(b["minBeatsPerMinute"]) for a, b in zip(zs, zs[1:]))
        # LIGHT starts at 30 bpm, as in real exports (simulator/person/fitness.py)
        assert int(zs[0]["minBeatsPerMinute"]) == 30 and 90 <= int(zs[1]["minBeatsPerMinute"])
        assert int(zs[-1]["maxBeatsPerMinute"]) <= 200
    assert p.truth("daily_heart_rate_zones", date(2026, 11, 20), date(2026, 11, 21), as_of=utc(2026, 11, 21, 14)) != []

    vo2 = walk(client, "daily-vo2-max", filter='daily_vo2_max.date >= "2026-10-01" AND daily_vo2_max.date < "2026-11-21"')
    vrows = [{"date": date(**x["dailyVo2Max"]["date"]), "vo2_max_ml_kg_min": x["dailyVo2Max"]["vo2Max"],
              "cardio_fitness_level": x["dailyVo2Max"]["cardioFitnessLevel"],
              "estimated": int(x["dailyVo2Max"]["estimated"]), "vo2_max_covariance": x["dailyVo2Max"]["vo2MaxCovariance"],
              "device": device(x)} for x in reversed(vo2)]
    assert vrows == p.truth("daily_vo2_max", date(2026, 10, 1), date(2026, 11, 21))
    assert walk(client, "daily-vo2-max", pageSize=4,
                filter='daily_vo2_max.date >= "2026-10-01" AND daily_vo2_max.date < "2026-11-21"') == vo2
    assert all(35 < r["vo2_max_ml_kg_min"] < 60 for r in vrows)

    lo, hi = utc(2026, 9, 1), utc(2026, 11, 21)
    samples = walk(client, "vo2-max", filter=phys("vo2-max", lo, hi, "sample_time.physical_time"))
    srows = [{"time_ms": ms(x["vo2Max"]["sampleTime"]["physicalTime"]), "utc_offset_s": secs(x["vo2Max"]["sampleTime"]["utcOffset"]),
              "vo2_max_ml_kg_min": x["vo2Max"]["vo2Max"], "measurement_method": x["vo2Max"]["measurementMethod"],
              "device": device(x)} for x in reversed(samples)]
    assert srows == p.truth("vo2_max", lo, hi)
    assert {r["measurement_method"] for r in srows} == {"FITBIT_RUN", "HEART_RATE_RATIO"}
    runs = walk(client, "run-vo2-max", filter=phys("run-vo2-max", lo, hi, "sample_time.physical_time"))
    rrows = [{"time_ms": ms(x["runVo2Max"]["sampleTime"]["physicalTime"]),
              "utc_offset_s": secs(x["runVo2Max"]["sampleTime"]["utcOffset"]),
              "run_vo2_max_ml_kg_min": x["runVo2Max"]["runVo2Max"], "device": device(x)} for x in reversed(runs)]
    assert rrows == p.truth("run_vo2_max", lo, hi)
    assert {r["time_ms"] for r in rrows} == {r["time_ms"] for r in srows if r["measurement_method"] == "FITBIT_RUN"}
    # a daily value is the mean of the runs of its last 14 days, else an estimate
    assert {r["estimated"] for r in vrows} == {0, 1}
    for row in vrows:
        recent = [r["run_vo2_max_ml_kg_min"] for r in rrows
                  if row["date"] - timedelta(days=13) <= civil_of(r["time_ms"], r["utc_offset_s"]).date() <= row["date"]]
        assert row["estimated"] == (not recent)
        if recent:
            assert row["vo2_max_ml_kg_min"] == round(sum(recent) / len(recent), 1)
    r = client.post(BASE + "daily-vo2-max/dataPoints:dailyRollUp", json=daily_body(date(2026, 11, 1), date(2026, 11, 8)))
    assert r.status_code == 400
    rv = client.post(BASE + "run-vo2-max/dataPoints:dailyRollUp", json=daily_body(date(2026, 9, 1), date(2026, 11, 20),
                                                                                 windowSizeDays=79)).json()
    (b,) = rv["rollupDataPoints"]
    vals = [r["run_vo2_max_ml_kg_min"] for r in rrows
            if civil_of(r["time_ms"], r["utc_offset_s"]).date() < date(2026, 11, 19)]
    assert (b["runVo2Max"]["rateMin"], b["runVo2Max"]["rateMax"]) == (min(vals), max(vals))


def test_deterministic_and_json_exact(msim):
    other = Simulator(SimulatorConfig(seed=7, now=NOW))
    lo, hi = utc(2026, 11, 14), utc(2026, 11, 15)
    for table in ("exercises", "exercise_splits", "active_zone_minutes", "activity_level"):
        assert other.person.truth(table, lo, hi) == msim.person.truth(table, lo, hi)
    for table in ("daily_total_calories", "daily_vo2_max"):
        rows = other.person.truth(table, date(2026, 11, 1), date(2026, 11, 15))
        assert rows == msim.person.truth(table, date(2026, 11, 1), date(2026, 11, 15))
        for row in rows:  # floats survive a JSON round trip unchanged
            assert json.loads(json.dumps({k: v for k, v in row.items() if k != "date"})) == \
                {k: v for k, v in row.items() if k != "date"}
    different = Simulator(SimulatorConfig(seed=8, now=NOW))
    assert different.person.truth("exercises", utc(2026, 10, 1), utc(2026, 11, 15)) != \
        msim.person.truth("exercises", utc(2026, 10, 1), utc(2026, 11, 15))
