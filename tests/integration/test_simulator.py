"""The Google Health API simulator over real loopback HTTP: contract, paging, ground truth, OAuth,
quotas and faults. Every payload is parsed here independently of fitvault's own parsers."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.simulator_wire import authed, civil_of, error_of, list_pages, ms, secs, start_sim

from fitvault_simulator import Simulator

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
UTC = timezone.utc
SCOPE = "https://www.googleapis.com/auth/googlehealth."
HR_PATH = "/v4/users/me/dataTypes/heart-rate/dataPoints"
STEPS_PATH = "/v4/users/me/dataTypes/steps/dataPoints"
SLEEP_PATH = "/v4/users/me/dataTypes/sleep/dataPoints"
RHR_PATH = "/v4/users/me/dataTypes/daily-resting-heart-rate/dataPoints"


# -- helpers (independent parsing of the wire format) ------------------------------------------

def hr_tuple(point: dict) -> tuple:
    st = point["heartRate"]["sampleTime"]
    return (ms(st["physicalTime"]), secs(st["utcOffset"]), int(point["heartRate"]["beatsPerMinute"]),
            point["dataSource"]["device"]["displayName"])


def steps_tuple(point: dict) -> tuple:
    iv = point["steps"]["interval"]
    return (ms(iv["startTime"]), secs(iv["startUtcOffset"]), ms(iv["endTime"]), secs(iv["endUtcOffset"]),
            int(point["steps"].get("count", "0")))


def span_tuple(x: dict) -> tuple:
    return (ms(x["startTime"]), secs(x["startUtcOffset"]), ms(x["endTime"]), secs(x["endUtcOffset"]), x["type"])


def new_sim(now: datetime = NOW, **kw) -> Simulator:
    return start_sim(now, **kw)


def walk(client: httpx.Client, path: str, **params) -> tuple[list[dict], list[dict]]:
    """Follow nextPageToken to the end; returns (all points, raw pages)."""
    pages = list_pages(client, path, **params)
    return [point for page in pages for point in page["dataPoints"]], pages


@pytest.fixture(scope="module")
def msim():
    sim = new_sim()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def client(msim):
    with authed(msim) as c:
        yield c


# -- filters ----------------------------------------------------------------------------------

A = '"2026-11-19T00:00:00Z"'
B = '"2026-11-19T06:00:00Z"'


@pytest.mark.parametrize(("dtype", "flt", "reason"), [
    ("heart-rate", f"heart-rate.sample_time.physical_time >= {A}", "INVALID_DATA_POINT_FILTER"),
    ("heart-rate", f"steps.interval.start_time >= {A}", "INVALID_DATA_POINT_FILTER_COLLECTION_MISMATCH"),
    ("heart-rate", f"heart_rate.sample_time.physical_time > {A}", "INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARATOR"),
    ("heart-rate", f"heart_rate.sample_time.physical_time <= {A}", "INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARATOR"),
    ("heart-rate", f"heart_rate.sample_time.physical_time = {A}", "INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARATOR"),
    ("heart-rate", f"heart_rate.sample_time.physical_time >= {A} OR heart_rate.sample_time.physical_time < {B}",
     "INVALID_DATA_POINT_FILTER_EXPRESSION_STRUCTURE"),
    ("heart-rate", f"heart_rate.interval.start_time >= {A}", "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"),
    ("steps", f"steps.interval.end_time >= {A}", "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"),
    ("daily-resting-heart-rate", f"daily_resting_heart_rate.interval.start_time >= {A}",
     "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"),
    ("sleep", f"sleep.interval.start_time >= {A}", "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"),
    ("sleep", 'sleep.interval.civil_start_time >= "2026-11-19"', "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"),
    ("heart-rate", f'heart_rate.sample_time.physical_time >= {A} AND heart_rate.sample_time.civil_time < "2026-11-20"',
     "INVALID_DATA_POINT_FILTER_MIXED_TIME_RESTRICTIONS"),
    ("sleep", f'sleep.interval.end_time >= {A} AND sleep.interval.civil_end_time < "2026-11-20"',
     "INVALID_DATA_POINT_FILTER_MIXED_TIME_RESTRICTIONS"),
    ("heart-rate", f"heart_rate.sample_time.physical_time >= {B} AND heart_rate.sample_time.physical_time < {A}",
     "INVALID_TIME_RANGE"),
    ("heart-rate", f"heart_rate.sample_time.physical_time >= {A} AND heart_rate.sample_time.physical_time < {A}",
     "INVALID_TIME_RANGE"),
    ("heart-rate", "heart_rate.sample_time.physical_time >= 2026", "INVALID_DATA_POINT_FILTER_SYNTAX"),
    ("heart-rate", "heart_rate.sample_time.physical_time >=", "INVALID_DATA_POINT_FILTER_MISSING_TOKEN"),
    ("heart-rate", f"(heart_rate.sample_time.physical_time >= {A})", "INVALID_DATA_POINT_FILTER_SYNTAX"),
    ("heart-rate", 'heart_rate.sample_time.physical_time >= "2026-11-19T00:00:00"', "INVALID_FILTER_FORMAT"),
    ("heart-rate", 'heart_rate.sample_time.civil_time >= "2026-11-19T00:00:00Z"', "INVALID_FILTER_FORMAT"),
    ("daily-resting-heart-rate", 'daily_resting_heart_rate.date >= "2026-11-19T00:00:00"', "INVALID_FILTER_FORMAT"),
    ("steps", 'steps.interval.civil_start_time >= "2026-13-01"', "INVALID_FILTER_FORMAT"),
])
def test_filter_validation_errors(client, dtype, flt, reason):
    r = client.get(f"/v4/users/me/dataTypes/{dtype}/dataPoints", params={"filter": flt})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["details"][0]["domain"] == "health.googleapis.com"
    if reason == "INVALID_TIME_RANGE":  # a catalogue reason of its own
        assert error_of(r)[:3] == (400, "INVALID_ARGUMENT", reason)
        return
    # The live shape (mcp-fitbit-air capture): the catalogue reason INVALID_DATA_POINT_FILTER, the
    # detailed reason in metadata.detailedReasons, and a BadRequest field violation on "filter".
    assert error_of(r) == (400, "INVALID_ARGUMENT", "INVALID_DATA_POINT_FILTER", f"Invalid data point filter: {reason}.")
    assert err["details"][0]["metadata"] == {"detailedReasons": reason}
    assert err["details"][1]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert err["details"][1]["fieldViolations"][0]["field"] == "filter"


def test_filters_accepted(client, msim):
    ok = [
        (SLEEP_PATH, f"sleep.interval.end_time >= {A} OR sleep.interval.end_time < {B}"),
        (SLEEP_PATH, 'sleep.interval.civil_end_time >= "2026-11-19" AND sleep.interval.civil_end_time < "2026-11-20"'),
        (HR_PATH, 'heart_rate.sample_time.physical_time >= "2026-11-19T00:00:00.250Z"'
                  ' AND heart_rate.sample_time.physical_time < "2026-11-19T00:01:00Z"'),
        (HR_PATH, 'heart_rate.sample_time.civil_time >= "2026-11-19T08:00:00" AND '
                  'heart_rate.sample_time.civil_time < "2026-11-19T08:01:00"'),
        (RHR_PATH, 'daily_resting_heart_rate.date >= "2026-11-01" AND daily_resting_heart_rate.date < "2026-11-08"'),
        ("/v4/users/me/dataTypes/weight/dataPoints", 'weight.sample_time.civil_time >= "2026-01-01"'),
    ]
    for path, flt in ok:
        r = client.get(path, params={"filter": flt})
        assert r.status_code == 200, (flt, r.text)
    # civil bounds compare the record's local time: 08:00 EST on Nov 19 is 13:00Z
    pts = client.get(HR_PATH, params={"filter": ok[3][1]}).json()["dataPoints"]
    assert pts and all(datetime(2026, 11, 19, 13, 0, tzinfo=UTC) <= datetime.fromisoformat(
        p["heartRate"]["sampleTime"]["physicalTime"].replace("Z", "+00:00")) < datetime(2026, 11, 19, 13, 1, tzinfo=UTC)
        for p in pts)
    # the daily filter on dates: exactly the 7 dates of the week that exist
    rhr = client.get(RHR_PATH, params={"filter": ok[4][1]}).json()["dataPoints"]
    truth = msim.person.resting_heart_rate(date(2026, 11, 1), date(2026, 11, 8))
    assert [(date(**p["dailyRestingHeartRate"]["date"]), int(p["dailyRestingHeartRate"]["beatsPerMinute"]),
             p["dailyRestingHeartRate"]["dailyRestingHeartRateMetadata"]["calculationMethod"]) for p in rhr] \
        == list(reversed(truth))


def test_unknown_known_and_refused_types(client):
    r = client.get("/v4/users/me/dataTypes/heart-beats/dataPoints")
    assert error_of(r)[:2] == (400, "INVALID_ARGUMENT")
    assert error_of(r)[3] == "The data type ID heart-beats is not supported"
    r = client.get("/v4/users/me/dataTypes/skin-temperature-sensors/dataPoints")  # v4beta only
    assert r.status_code == 400
    r = client.get("/v4/users/me/dataTypes/basal-energy-burned/dataPoints")  # a known type without data (as live for Fitbit accounts)
    assert r.status_code == 200 and r.json() == {"dataPoints": [], "nextPageToken": ""}
    for t in ("floors", "total-calories", "calories-in-heart-rate-zone"):
        r = client.get(f"/v4/users/me/dataTypes/{t}/dataPoints")
        assert error_of(r)[3] == f"List is not supported for data type {t}"
    r = client.get(SLEEP_PATH, params={"dataSourceFamily": "users/me/dataSourceFamilies/google-wearables"})
    assert r.status_code == 400 and "ReconcileDataPoints" in error_of(r)[3]
    r = client.get(HR_PATH, params={"dataSourceFamily": "google-wearables"})
    assert error_of(r)[2] == "INVALID_DATA_POINT_DATA_SOURCE_FAMILY"


# -- paging -----------------------------------------------------------------------------------

def test_paging_newest_first_without_gaps_or_repeats_with_empty_pages():
    sim = new_sim(empty_page_every=3)
    try:
        with authed(sim) as c:
            flt = ('heart_rate.sample_time.physical_time >= "2026-11-19T10:00:00Z" AND '
                   'heart_rate.sample_time.physical_time < "2026-11-19T14:00:00Z"')
            points, pages = walk(c, HR_PATH, filter=flt, pageSize=333)
            truth = sim.person.heart_rate(datetime(2026, 11, 19, 10, tzinfo=UTC), datetime(2026, 11, 19, 14, tzinfo=UTC))
            got = [hr_tuple(p) for p in points]
            assert got == list(reversed(truth))  # newest first, no gap, no repeat
            assert len(truth) > 1000
            empties = [i for i, p in enumerate(pages) if not p["dataPoints"]]
            assert empties and all(pages[i]["nextPageToken"] for i in empties)
            assert all((i + 1) % 3 == 0 for i in empties)
            assert all(len(p["dataPoints"]) == 333 for p in pages[:-1] if p["dataPoints"])
            assert pages[-1]["nextPageToken"] == ""
            # reconcile: same data, ReconciledDataPoint shape (no dataSource, no name)
            rec, _ = walk(c, HR_PATH + ":reconcile", filter=flt, pageSize=5000)
            assert [p["heartRate"] for p in rec] == [p["heartRate"] for p in points]
            assert all(set(p) == {"heartRate"} for p in rec)
    finally:
        sim.stop()


def test_steps_paging_and_zero_shapes_on_a_travel_day(client, msim):
    flt = 'steps.interval.start_time >= "2026-06-10T00:00:00Z" AND steps.interval.start_time < "2026-06-11T00:00:00Z"'
    points, pages = walk(client, STEPS_PATH, filter=flt, pageSize=100)
    truth = msim.person.steps(datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 11, tzinfo=UTC))
    assert [steps_tuple(p) for p in points] == list(reversed(truth))
    assert {t[1] for t in truth} == {-14400, 7200}  # New York, then Berlin from 14:00Z
    zeros = [p["steps"] for p in points if steps_tuple(p)[4] == 0]
    assert zeros and all(z["count"] == "0" for z in zeros)  # Steps.count is always present (docs/facts/google-health-api.md#settled-by-captured-payloads)
    for point in points:  # civil times are the local wall clock of each end
        iv, (s, so, e, eo, _n) = point["steps"]["interval"], steps_tuple(point)
        for key, t, off in (("civilStartTime", s, so), ("civilEndTime", e, eo)):
            c = civil_of(t, off)
            want = {k: v for k, v in (("hours", c.hour), ("minutes", c.minute)) if v}
            assert iv[key] == {"date": {"year": c.year, "month": c.month, "day": c.day}, "time": want}


def test_page_token_mismatch_and_garbage(client):
    flt = 'heart_rate.sample_time.physical_time >= "2026-11-19T00:00:00Z"'
    page = client.get(HR_PATH, params={"filter": flt, "pageSize": 10}).json()
    token = page["nextPageToken"]
    assert token
    ok = client.get(HR_PATH, params={"filter": flt, "pageSize": 10, "pageToken": token})
    assert ok.status_code == 200 and len(ok.json()["dataPoints"]) == 10
    assert ok.json()["dataPoints"][0] != page["dataPoints"][0]
    for params in ({"filter": flt, "pageSize": 11}, {"filter": flt.replace("19T", "18T"), "pageSize": 10},
                   {"pageSize": 10}):
        r = client.get(HR_PATH, params={**params, "pageToken": token})
        assert error_of(r)[:3] == (400, "INVALID_ARGUMENT", "INVALID_PAGE_TOKEN")
    r = client.get(STEPS_PATH, params={"filter": flt, "pageSize": 10, "pageToken": token})
    assert r.status_code == 400
    for bad in ("garbage", token[:-3] + "AAA", base64.urlsafe_b64encode(b'{"s":{}}').decode()):
        r = client.get(HR_PATH, params={"filter": flt, "pageSize": 10, "pageToken": bad})
        assert error_of(r)[:3] == (400, "INVALID_ARGUMENT", "INVALID_PAGE_TOKEN")


def test_page_size_default_clamp_and_errors(client):
    day = ('heart_rate.sample_time.physical_time >= "2026-11-18T00:00:00Z" AND '
           'heart_rate.sample_time.physical_time < "2026-11-19T00:00:00Z"')
    assert len(client.get(HR_PATH, params={"filter": day}).json()["dataPoints"]) == 1440
    big = client.get(HR_PATH, params={"filter": day, "pageSize": 20000}).json()
    assert len(big["dataPoints"]) == 10000 and big["nextPageToken"]
    sleep = client.get(SLEEP_PATH, params={"pageSize": 100}).json()
    assert len(sleep["dataPoints"]) == 25 and sleep["nextPageToken"]
    assert len(client.get(SLEEP_PATH).json()["dataPoints"]) == 25
    for bad in ("0", "-5", "abc", "1.5"):
        assert client.get(HR_PATH, params={"filter": day, "pageSize": bad}).status_code == 400


# -- ground truth -----------------------------------------------------------------------------

@pytest.mark.slow
def test_ground_truth_matches_api_on_the_dst_day(client, msim):
    p = msim.person
    civil = 'heart_rate.sample_time.civil_time >= "2026-11-01" AND heart_rate.sample_time.civil_time < "2026-11-02"'
    points, _ = walk(client, HR_PATH, filter=civil, pageSize=10000)
    wide = p.heart_rate(datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 11, 2, 12, tzinfo=UTC))
    truth = [x for x in wide if civil_of(x[0], x[1]).date() == date(2026, 11, 1)]
    assert [hr_tuple(x) for x in reversed(points)] == truth
    assert {x[1] for x in truth} == {-14400, -18000}
    # 25 local hours: 01:xx appears twice, once per offset
    one_am = {x[1] for x in truth if civil_of(x[0], x[1]).hour == 1}
    assert one_am == {-14400, -18000}
    point = points[-1]["heartRate"]["sampleTime"]
    t0 = truth[0]
    assert point["civilTime"]["date"] == {"year": 2026, "month": 11, "day": 1}
    assert point["physicalTime"] == datetime.fromtimestamp(t0[0] / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    steps_civil = ('steps.interval.civil_start_time >= "2026-11-01T00:00:00" AND '
                   'steps.interval.civil_start_time < "2026-11-02T00:00:00"')
    spoints, _ = walk(client, STEPS_PATH, filter=steps_civil, pageSize=10000)
    day_steps = [steps_tuple(x) for x in reversed(spoints)]
    assert day_steps == [x for x in p.steps(datetime(2026, 10, 31, 12, tzinfo=UTC), datetime(2026, 11, 2, 12, tzinfo=UTC))
                         if civil_of(x[0], x[1]).date() == date(2026, 11, 1)]
    daily = client.post(STEPS_PATH + ":dailyRollUp", json={
        "range": {"start": {"date": {"year": 2026, "month": 10, "day": 31}},
                  "end": {"date": {"year": 2026, "month": 11, "day": 3}}}, "windowSizeDays": 1}).json()
    assert [(date(**b["civilStartTime"]["date"]), int(b["steps"]["countSum"])) for b in daily["rollupDataPoints"]] \
        == p.daily_steps(date(2026, 10, 31), date(2026, 11, 3))[::-1]  # newest window first, as live
    assert dict(p.daily_steps(date(2026, 11, 1), date(2026, 11, 2)))[date(2026, 11, 1)] == sum(x[4] for x in day_steps)
    assert daily["rollupDataPoints"][-1]["civilEndTime"] == {"date": {"year": 2026, "month": 11, "day": 1}, "time": {}}
    assert "nextPageToken" not in daily

    # the night that crosses the change: offsets differ between start and end
    sl = client.get(SLEEP_PATH, params={"filter": 'sleep.interval.civil_end_time >= "2026-11-01" AND '
                                                  'sleep.interval.civil_end_time < "2026-11-02"'}).json()["dataPoints"]
    truth_sl = [s for s in p.sleep_sessions(datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
                if civil_of(s.end_ms, s.end_offset_s).date() == date(2026, 11, 1)]
    assert [x["name"] for x in sl] == [s.name for s in reversed(truth_sl)]
    night = next(x for x in sl if x["sleep"]["metadata"]["mainSleep"])
    s = next(t for t in truth_sl if t.main_sleep)
    iv = night["sleep"]["interval"]
    assert (secs(iv["startUtcOffset"]), secs(iv["endUtcOffset"])) == (-14400, -18000) == (s.start_offset_s, s.end_offset_s)
    assert "civilStartTime" not in iv
    assert [span_tuple(x) for x in night["sleep"]["stages"]] == s.stages
    assert [span_tuple(x) for x in night["sleep"].get("shortAwakenings", [])] == s.short_awakenings
    summary = night["sleep"]["summary"]
    assert int(summary["minutesInSleepPeriod"]) == s.summary["minutes_in_sleep_period"] == (s.end_ms - s.start_ms) // 60000
    assert int(summary["minutesAsleep"]) + int(summary["minutesAwake"]) == int(summary["minutesInSleepPeriod"])
    assert {x["type"]: (int(x["minutes"]), int(x["count"])) for x in summary["stagesSummary"]} == s.summary["stages_summary"]
    stages = night["sleep"]["stages"]
    assert all(a["endTime"] == b["startTime"] for a, b in zip(stages, stages[1:]))
    assert all((ms(x["endTime"]) - ms(x["startTime"])) % 30000 == 0 for x in stages)


@pytest.mark.slow
def test_ground_truth_on_travel_days_and_settings():
    sim = new_sim(now=datetime(2026, 6, 15, 12, tzinfo=UTC))
    try:
        with authed(sim) as c:
            p = sim.person
            settings = c.get("/v4/users/me/settings").json()
            assert (settings["timeZone"], settings["utcOffset"]) == ("Europe/Berlin", "7200s")
            assert p.zone_at(datetime(2026, 6, 10, 13, 59, 59, tzinfo=UTC)) == ("America/New_York", -14400)
            assert p.zone_at(datetime(2026, 6, 10, 14, tzinfo=UTC)) == ("Europe/Berlin", 7200)
            flt = ('heart_rate.sample_time.physical_time >= "2026-06-10T00:00:00Z" AND '
                   'heart_rate.sample_time.physical_time < "2026-06-11T00:00:00Z"')
            points, _ = walk(c, HR_PATH, filter=flt, pageSize=10000)
            truth = p.heart_rate(datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 11, tzinfo=UTC))
            assert [hr_tuple(x) for x in reversed(points)] == truth
            assert 35_000 <= len(truth) <= 43_200  # every 2 s while the watch is worn (docs/facts/google-health-api.md#settled-by-captured-payloads)
            assert {b - a for (a, *_x), (b, *_y) in zip(truth, truth[1:]) if b - a < 60_000} == {2000}
            assert all(off == (7200 if t >= ms("2026-06-10T14:00:00Z") else -14400) for t, off, _b, _d in truth)
            assert {d for *_x, d in truth} == {"Pixel Watch 3"}
            old = p.heart_rate(datetime(2026, 4, 30, 23, 50, tzinfo=UTC), datetime(2026, 5, 1, 0, 10, tzinfo=UTC))
            assert {d for *_x, d in old if _x[0] < ms("2026-05-01T00:00:00Z")} == {"Charge 6"}
            # nothing exists after the clock, resting HR of today only after local noon (12:00 = 10:00Z)
            assert p.heart_rate(datetime(2026, 6, 15, 12, tzinfo=UTC), datetime(2026, 6, 16, tzinfo=UTC)) == []
            assert p.resting_heart_rate(date(2026, 6, 15), date(2026, 6, 16))[0][0] == date(2026, 6, 15)
            assert p.resting_heart_rate(date(2026, 6, 15), date(2026, 6, 16),
                                        as_of=datetime(2026, 6, 15, 9, 59, tzinfo=UTC)) == []
            sessions = p.sleep_sessions(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
                                        as_of=datetime(2026, 12, 1, tzinfo=UTC))
            assert all(a.end_ms <= b.start_ms for a, b in zip(sessions, sessions[1:]))
            tokyo = [s for s in sessions if s.start_offset_s == 32400]
            assert tokyo and all(s.end_offset_s == 32400 for s in tokyo)
            assert any(s.nap for s in sessions) and any(s.sleep_type == "CLASSIC" and s.main_sleep for s in sessions)
    finally:
        sim.stop()


def test_sleep_processing_flip_keeps_the_name():
    sim = new_sim(access_token_ttl_s=86400)
    try:
        p = sim.person
        later = p.sleep_sessions(datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 13, tzinfo=UTC), as_of=NOW)
        target = next(s for s in later if s.main_sleep and s.sleep_type == "STAGES")
        end = datetime.fromtimestamp(target.end_ms / 1000, UTC)
        sim.clock.set(end - timedelta(seconds=1))
        with authed(sim) as c:
            path = f"{SLEEP_PATH}/{target.id}"
            assert c.get(path).status_code == 404  # not ended yet: does not exist
            sim.clock.set(end + timedelta(hours=1))
            first = c.get(path).json()
            assert first["name"] == target.name
            assert first["sleep"]["metadata"] == {"processed": False, "mainSleep": True}
            assert first["sleep"]["type"] == "CLASSIC"
            assert "stages" not in first["sleep"] and "stagesSummary" not in first["sleep"]["summary"]
            (gt,) = [s for s in p.sleep_sessions(end - timedelta(minutes=1), end + timedelta(minutes=1)) if s.id == target.id]
            assert (gt.processed, gt.stages, gt.sleep_type) == (False, [], "CLASSIC")
            sim.clock.advance(2 * 3600)
            second = c.get(path).json()
            assert second["name"] == target.name
            assert second["sleep"]["metadata"]["processed"] is True
            assert second["sleep"]["metadata"]["stagesStatus"] == "SUCCEEDED"
            assert [span_tuple(x) for x in second["sleep"]["stages"]] == target.stages
            assert second["sleep"]["updateTime"] > first["sleep"]["updateTime"]
            assert second["sleep"]["createTime"] == first["sleep"]["createTime"]
            rec = c.get(SLEEP_PATH + ":reconcile", params={"pageSize": 1}).json()["dataPoints"][0]
            assert rec["dataPointName"] == target.name and "dataSource" not in rec and "name" not in rec
            assert c.get(f"{SLEEP_PATH}/123").status_code == 404
    finally:
        sim.stop()


def test_rollups(client, msim):
    body = {"range": {"startTime": "2026-11-19T12:00:00Z", "endTime": "2026-11-19T13:00:00Z"}, "windowSize": "600s"}
    r = client.post(HR_PATH + ":rollUp", json=body).json()
    truth = msim.person.heart_rate(datetime(2026, 11, 19, 12, tzinfo=UTC), datetime(2026, 11, 19, 13, tzinfo=UTC))
    for bucket in r["rollupDataPoints"]:
        lo, hi = ms(bucket["startTime"]), ms(bucket["endTime"])
        bpm = [x[2] for x in truth if lo <= x[0] < hi]
        assert bucket["heartRate"] == pytest.approx(
            {"beatsPerMinuteMin": min(bpm), "beatsPerMinuteAvg": sum(bpm) / len(bpm), "beatsPerMinuteMax": max(bpm)})
    assert "nextPageToken" not in r
    starts = [b["startTime"] for b in r["rollupDataPoints"]]
    assert starts == sorted(starts, reverse=True)  # newest window first
    # rollUp ignores a small pageSize and never pages (live: 86 windows for pageSize 5)
    steps = client.post(STEPS_PATH + ":rollUp", json={**body, "windowSize": "60s", "pageSize": 20}).json()
    assert len(steps["rollupDataPoints"]) > 20 and "nextPageToken" not in steps
    too_long = {"range": {"startTime": "2026-11-01T00:00:00Z", "endTime": "2026-11-15T00:00:01Z"}, "windowSize": "60s"}
    r = client.post(HR_PATH + ":rollUp", json=too_long)
    assert error_of(r)[:3] == (400, "INVALID_ARGUMENT", "INVALID_ROLLUP_QUERY_DURATION")
    assert r.json()["error"]["details"][0]["metadata"] == {"maxDurationDays": "14"}
    assert client.post(STEPS_PATH + ":rollUp", json=too_long).status_code == 200
    raw = ('{"range": {"start": {"date": {"year": 2026, "month": 09, "day": 1}}, '
           '"end": {"date": {"year": 2026, "month": 9, "day": 8}}}}')
    r = client.post(STEPS_PATH + ":dailyRollUp", content=raw, headers={"Content-Type": "application/json"})
    assert error_of(r)[:2] == (400, "INVALID_ARGUMENT")
    assert error_of(r)[3] == "Invalid JSON payload received. Octal/hex numbers are not valid JSON values."
    r = client.post(STEPS_PATH + ":dailyRollUp", json={"range": {}, "windowSize": 1})
    assert 'Unknown name "windowSize"' in error_of(r)[3]
    week = {"range": {"start": {"date": {"year": 2026, "month": 11, "day": 1}},
                      "end": {"date": {"year": 2026, "month": 11, "day": 8}}}}
    days = client.post(STEPS_PATH + ":dailyRollUp", json=week).json()["rollupDataPoints"]
    assert [date(**b["civilStartTime"]["date"]) for b in days] == [date(2026, 11, d) for d in range(7, 0, -1)]
    pairs = client.post(STEPS_PATH + ":dailyRollUp", json={**week, "windowSizeDays": 2}).json()["rollupDataPoints"]
    oldest_first = days[::-1]
    assert [int(b["steps"]["countSum"]) for b in pairs[::-1]] == [
        sum(int(b["steps"]["countSum"]) for b in oldest_first[i:i + 2]) for i in range(0, 7, 2)]
    assert pairs[0]["civilEndTime"]["date"] == {"year": 2026, "month": 11, "day": 8}
    # a pageSize smaller than the range's windows is a 400 (live wording, haelan probe)
    r = client.post(STEPS_PATH + ":dailyRollUp", json={**week, "pageSize": 5})
    assert error_of(r)[3] == ("page_size (5) is too small. Must be at least 7 to cover the requested range with a "
                              "window_size_days of 1.")
    hr_days = {"range": {"start": {"date": {"year": 2026, "month": 11, "day": 1}},
                         "end": {"date": {"year": 2026, "month": 11, "day": 16}}}}
    assert client.post(HR_PATH + ":dailyRollUp", json=hr_days).status_code == 400  # 15 days > 14
    msim.config.daily_rollup_end_inclusive = True
    try:
        incl = client.post(STEPS_PATH + ":dailyRollUp", json=week).json()["rollupDataPoints"]
        assert len(incl) == 8
    finally:
        msim.config.daily_rollup_end_inclusive = False
    r = client.post(RHR_PATH + ":dailyRollUp", json=week)
    assert error_of(r) == (400, "INVALID_ARGUMENT", "UNSUPPORTED_DATA_TYPE_ACTION",
                           "DailyRollup is not supported for data type daily-resting-heart-rate")
    assert r.json()["error"]["details"][0]["metadata"] == {"allowed_actions": "list, reconcile"}


def test_users_endpoints(client, msim):
    ident = client.get("/v4/users/me/identity").json()
    assert set(ident) == {"name", "healthUserId", "legacyUserId"}
    uid = ident["healthUserId"]
    assert uid == msim.person.health_user_id
    prof = client.get(f"/v4/users/{uid}/profile").json()
    assert prof["membershipStartDate"] == {"year": 2025, "month": 1, "day": 15} and isinstance(prof["age"], int)
    devices = client.get("/v4/users/me/pairedDevices").json()["pairedDevices"]
    assert [d["deviceVersion"] for d in devices] == ["Pixel Watch 3", "Charge 6"]
    assert devices[0]["lastSyncTime"] <= "2026-11-20T15:00:00Z"
    assert client.get("/v4/users/someoneelse/profile").status_code == 403
    assert client.get(f"/v4/users/{uid}/identity").status_code == 404


# -- OAuth ------------------------------------------------------------------------------------

def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def consent(sim: Simulator, http: httpx.Client, challenge: str, *, redirect="http://127.0.0.1:8765/cb",
            scope=f"{SCOPE}sleep.readonly {SCOPE}health_metrics_and_measurements.readonly", **extra) -> httpx.Response:
    params = {"client_id": sim.config.client_id, "redirect_uri": redirect, "response_type": "code", "scope": scope,
              "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256",
              "access_type": "offline", "prompt": "consent", **extra}
    return http.get(sim.auth_url, params=params)


def code_from(resp: httpx.Response) -> dict[str, str]:
    assert resp.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["location"]).query).items()}


def exchange(sim, http, code, verifier, redirect="http://127.0.0.1:8765/cb", secret=None, basic=False):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": verifier}
    secret = sim.config.client_secret if secret is None else secret
    if basic:
        return http.post(sim.token_url, data=form, auth=(sim.config.client_id, secret))
    return http.post(sim.token_url, data={**form, "client_id": sim.config.client_id, "client_secret": secret})


def test_oauth_code_pkce_happy_path_and_failures(msim):
    sim = msim
    with httpx.Client(timeout=10) as http:
        verifier, challenge = pkce()
        q = code_from(consent(sim, http, challenge))
        assert q["state"] == "xyz"
        assert q["scope"].split() == [f"{SCOPE}sleep.readonly", f"{SCOPE}health_metrics_and_measurements.readonly"]
        assert exchange(sim, http, q["code"], "wrong-verifier" * 4).json()["error"] == "invalid_grant"
        # the failed exchange consumed the code (single use)
        again = exchange(sim, http, q["code"], verifier)
        assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")

        q = code_from(consent(sim, http, challenge))
        tok = exchange(sim, http, q["code"], verifier, basic=True)
        assert tok.status_code == 200
        body = tok.json()
        assert set(body) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
        assert body["expires_in"] == 3599 and body["token_type"] == "Bearer"
        assert body["access_token"].startswith("ya29.") and body["refresh_token"].startswith("1//")
        api = http.get(sim.url + HR_PATH, params={"pageSize": 1},
                       headers={"Authorization": "Bearer " + body["access_token"]})
        assert api.status_code == 200
        reused = exchange(sim, http, q["code"], verifier)
        assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")

        q = code_from(consent(sim, http, challenge))
        r = exchange(sim, http, q["code"], verifier, redirect="http://127.0.0.1:9999/cb")
        assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
        q = code_from(consent(sim, http, challenge))
        r = exchange(sim, http, q["code"], verifier, secret="nope")
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
        r = exchange(sim, http, q["code"], verifier)  # the code survived the bad-client attempt
        assert r.status_code == 200

        sim.clock.advance(0)
        q = code_from(consent(sim, http, challenge))
        sim.clock.advance(601)
        try:
            assert exchange(sim, http, q["code"], verifier).json()["error"] == "invalid_grant"  # 10-minute codes
        finally:
            sim.clock.set(NOW)

        bad = consent(sim, http, challenge, client_id="someone-else")
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
        assert consent(sim, http, challenge, redirect="https://evil.example/cb").status_code == 400
        assert consent(sim, http, challenge, code_challenge_method="plain").status_code == 400
        assert consent(sim, http, challenge, scope="https://www.googleapis.com/auth/drive").status_code == 400
        r = http.post(sim.token_url, data={"grant_type": "password"})
        assert r.json()["error"] == "unsupported_grant_type"


def test_oauth_denied_and_narrowed_consent():
    sim = new_sim(deny_consent=True)
    try:
        with httpx.Client(timeout=10) as http:
            _v, challenge = pkce()
            assert code_from(consent(sim, http, challenge)) == {"state": "xyz", "error": "access_denied"}
            sim.config.deny_consent = False
            sim.config.granted_scopes = {f"{SCOPE}sleep.readonly"}
            verifier, challenge = pkce()
            q = code_from(consent(sim, http, challenge))
            assert q["scope"] == f"{SCOPE}sleep.readonly"
            body = exchange(sim, http, q["code"], verifier).json()
            assert body["scope"] == f"{SCOPE}sleep.readonly"
            h = {"Authorization": "Bearer " + body["access_token"]}
            r = http.get(sim.url + HR_PATH, headers=h)
            assert error_of(r) == (403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                                   "Request had insufficient authentication scopes.")
            assert http.get(sim.url + SLEEP_PATH, headers=h).status_code == 200
            assert http.get(sim.url + "/v4/users/me/identity", headers=h).status_code == 200
    finally:
        sim.stop()


def test_refresh_and_testing_mode_expiry():
    sim = new_sim(testing_mode=True)
    try:
        with httpx.Client(timeout=10) as http:
            tok = sim.issue_token()
            assert tok["refresh_token_expires_in"] == 604799
            form = {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                    "client_id": sim.config.client_id, "client_secret": sim.config.client_secret}
            sim.clock.advance(6 * 86400)
            r = http.post(sim.token_url, data=form)
            assert r.status_code == 200
            body = r.json()
            assert "refresh_token" not in body and body["expires_in"] == 3599
            assert body["refresh_token_expires_in"] == 86399
            assert http.get(sim.url + HR_PATH, params={"pageSize": 1},
                            headers={"Authorization": "Bearer " + body["access_token"]}).status_code == 200
            sim.clock.advance(86400)
            r = http.post(sim.token_url, data=form)
            assert (r.status_code, r.json()) == (400, {"error": "invalid_grant",
                                                       "error_description": "Token has been expired or revoked."})
        prod = new_sim()
        try:
            tok = prod.issue_token()
            assert "refresh_token_expires_in" not in tok
            prod.clock.advance(30 * 86400)
            form = {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                    "client_id": prod.config.client_id, "client_secret": prod.config.client_secret}
            assert httpx.post(prod.token_url, data=form).status_code == 200
        finally:
            prod.stop()
    finally:
        sim.stop()


def test_401s_expiry_and_revocation():
    sim = new_sim()
    try:
        with httpx.Client(base_url=sim.url, timeout=10) as http:
            r = http.get(HR_PATH)
            assert error_of(r)[:3] == (401, "UNAUTHENTICATED", "CREDENTIALS_MISSING")
            assert r.headers["www-authenticate"] == 'Bearer realm="https://accounts.google.com/"'
            tok = sim.issue_token()
            h = {"Authorization": "Bearer " + tok["access_token"]}
            assert http.get(HR_PATH, headers=h, params={"pageSize": 1}).status_code == 200
            sim.clock.advance(3599)
            r = http.get(HR_PATH, headers=h)
            code, status, reason, message = error_of(r)
            assert (code, status, reason) == (401, "UNAUTHENTICATED", "ACCESS_TOKEN_EXPIRED")
            assert message.startswith("Request had invalid authentication credentials.")
            assert r.headers["www-authenticate"].startswith('Bearer realm="https://accounts.google.com/"')
            assert http.get(HR_PATH, headers={"Authorization": "Bearer ya29.nope"}).status_code == 401
            tok = sim.issue_token()
            h = {"Authorization": "Bearer " + tok["access_token"]}
            assert http.post(sim.revoke_url, data={"token": tok["refresh_token"]}).status_code == 200
            assert {tok["refresh_token"], tok["access_token"]} <= sim.revoked
            assert error_of(http.get(HR_PATH, headers=h))[0] == 401
            form = {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                    "client_id": sim.config.client_id, "client_secret": sim.config.client_secret}
            assert http.post(sim.token_url, data=form).json()["error"] == "invalid_grant"
            r = http.post(sim.revoke_url, data={"token": "unknown"})
            assert (r.status_code, r.json()["error"]) == (400, "invalid_token")
    finally:
        sim.stop()


def test_check_order_account_link_and_quota():
    sim = new_sim(quota_per_window=5, quota_window_s=60.0, account_linked=False)
    try:
        with httpx.Client(base_url=sim.url, timeout=10) as http:
            assert http.get("/v4/users/me/nothing").status_code == 404  # route before auth
            h = {"Authorization": "Bearer " + sim.issue_token([f"{SCOPE}sleep.readonly"])["access_token"]}
            assert http.get(HR_PATH, headers=h).status_code == 403  # scope before account link
            r = http.get(SLEEP_PATH, headers=h)
            assert r.json() == {"error": {
                "code": 400, "message": "The account is not linked to Google Health.", "status": "FAILED_PRECONDITION",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCOUNT_NOT_LINKED",
                             "domain": "health.googleapis.com",
                             "metadata": {"redirect_uri": "https://fitbit.google.com/auth/signup"}}]}}
            sim.config.account_linked = True
            statuses = [http.get(SLEEP_PATH, headers=h, params={"pageSize": 1}).status_code for _ in range(4)]
            assert statuses == [200, 200, 200, 429]  # 2 refused + 3 served = 5 in the window
            r = http.get(SLEEP_PATH, headers=h)
            assert error_of(r)[:3] == (429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")
            assert 1 <= int(r.headers["retry-after"]) <= 60
            assert http.get("/v4/users/me/dataTypes/nope/dataPoints", headers=h).status_code == 429  # quota first
            assert http.post(sim.token_url, data={"grant_type": "password"}).status_code == 400  # OAuth not counted
            sim.config.retry_after_on_429 = False
            assert "retry-after" not in http.get(SLEEP_PATH, headers=h).headers
            assert [r.status for r in sim.requests][-3:] == [429, 429, 429]
            assert sim.requests[-1].operation == "list" and sim.requests[-1].data_type == "sleep"
    finally:
        sim.stop()


# -- faults, latency, HTML 404 ------------------------------------------------------------------

def test_each_fault_kind(msim, client):
    sim = msim
    params = {"pageSize": 2, "filter": 'heart_rate.sample_time.physical_time >= "2026-11-19T00:00:00Z"'}
    try:
        sim.faults.add("429", retry_after=7)
        r = client.get(HR_PATH, params=params)
        assert (r.status_code, r.headers["retry-after"]) == (429, "7")
        assert error_of(r)[2] == "RATE_LIMIT_EXCEEDED"
        for kind, status in (("500", "INTERNAL"), ("503", "UNAVAILABLE"), ("504", "DEADLINE_EXCEEDED")):
            sim.faults.add(kind)
            r = client.get(HR_PATH, params=params)
            assert error_of(r)[:2] == (int(kind), status)
        sim.faults.add("502")
        r = client.get(HR_PATH, params=params)
        assert r.status_code == 502 and r.headers["content-type"].startswith("text/html")
        sim.faults.add("reset")
        with pytest.raises(httpx.TransportError):
            client.get(HR_PATH, params=params)
        assert sim.requests[-1].status == 0 and sim.requests[-1].fault == "reset"
        sim.faults.add("truncate")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(HR_PATH, params=params)
        sim.faults.add("timeout", delay_s=0.6)
        with pytest.raises(httpx.ReadTimeout):
            client.get(HR_PATH, params=params, timeout=0.2)
        sim.faults.add("timeout", delay_s=0.2)
        assert client.get(HR_PATH, params=params, timeout=5).status_code == 200
        sim.faults.add("500", times=2, match="steps")
        assert client.get(HR_PATH, params=params).status_code == 200
        assert client.get(STEPS_PATH, params={"pageSize": 1}).status_code == 500
        assert client.get(STEPS_PATH, params={"pageSize": 1}).status_code == 500
        assert client.get(STEPS_PATH, params={"pageSize": 1}).status_code == 200
        sim.faults.set_random(1.0, ["503"], seed=1)
        assert client.get(STEPS_PATH, params={"pageSize": 1}).status_code == 503
        assert httpx.get(sim.url + "/revoke").status_code == 404  # faults never touch OAuth / non-/v4
        sim.faults.clear()
        assert client.get(STEPS_PATH, params={"pageSize": 1}).status_code == 200
        with pytest.raises(ValueError):
            sim.faults.add("418")
    finally:
        sim.faults.clear()


def test_latency_is_applied():
    sim = new_sim(latency_s=0.15)
    try:
        with authed(sim) as c:
            import time
            t = time.perf_counter()
            assert c.get("/v4/users/me/identity").status_code == 200
            assert time.perf_counter() - t >= 0.15
    finally:
        sim.stop()


def test_html_404_for_unknown_paths_and_verbs(client, msim):
    for method, path in (("GET", "/v4/users/me/devices"), ("DELETE", HR_PATH), ("GET", HR_PATH + ":rollUp"),
                         ("POST", HR_PATH + ":reconcile"), ("GET", HR_PATH + ":frobnicate"), ("GET", "/v3/whatever"),
                         ("GET", "/v4/users/me/dataTypes")):
        r = client.request(method, path)
        assert r.status_code == 404, (method, path)
        assert r.headers["content-type"].startswith("text/html")
        assert "was not found on this server" in r.text
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.text)
    assert msim.requests[-1].operation == "not_found"


@pytest.mark.slow
def test_paging_is_exact_when_points_share_a_timestamp(monkeypatch):
    """Page positions carry a tiebreak: several points at one instant are never skipped or repeated."""
    from fitvault_simulator import streams

    class Dupes:
        records = [(t, k) for t in range(1_700_000_000_000, 1_700_000_050_000, 1000) for k in range(7)]

        def key(self, rec):
            return rec[0]

        def to_json(self, rec, reconciled):
            return {"weight": {"sampleTime": {"physicalTime": f"{rec[0]}", "utcOffset": "0s"}, "weightGrams": rec[1]}}

        def iter_desc(self, flt, upto_key):
            for rec in sorted(self.records, key=lambda r: (-r[0], r[1])):
                if upto_key is None or rec[0] <= upto_key:
                    yield rec

    monkeypatch.setitem(streams.STREAMS, "weight", lambda person, as_of: Dupes())
    sim = new_sim(empty_page_every=4, quota_per_window=10_000)
    try:
        with authed(sim) as c:
            for size in (1, 3, 5, 7, 10, 13):
                points, _ = walk(c, "/v4/users/me/dataTypes/weight/dataPoints", pageSize=size)
                got = [(int(p["weight"]["sampleTime"]["physicalTime"]), p["weight"]["weightGrams"]) for p in points]
                assert got == sorted(Dupes.records, key=lambda r: (-r[0], r[1])), size
    finally:
        sim.stop()


def test_person_is_deterministic_lazy_and_bounded():
    from fitvault_simulator import SimClock, SyntheticPerson

    a = SyntheticPerson(7, clock=SimClock(NOW), cache_days=2)
    b = SyntheticPerson(7, clock=SimClock(NOW))
    other = SyntheticPerson(8, clock=SimClock(NOW))
    day = (datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    assert a.heart_rate(*day) == b.heart_rate(*day) != other.heart_rate(*day)
    assert a.health_user_id == b.health_user_id != other.health_user_id
    for d in range(4, 8):
        a.heart_rate(datetime(2026, 11, d, tzinfo=UTC), datetime(2026, 11, d + 1, tzinfo=UTC))
    assert len(a._hr) == 2  # an LRU of per-day arrays, not the whole history
    assert a.heart_rate(*day) == b.heart_rate(*day)  # regenerated identically after eviction
    assert a.heart_rate(datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 15, 4, tzinfo=UTC)) == []  # before history
    assert a.heart_rate(datetime(2025, 1, 15, 5, tzinfo=UTC), datetime(2025, 1, 15, 6, tzinfo=UTC))
