"""The legacy Fitbit source's pure parts: the rate-limit policy (injected clock, no sleeping),
local-time resolution across DST, error mapping, retries and paging safety (injected transport)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import httpx
import pytest
from support.fitbit import FakeTime

from fitvault import errors
from fitvault.sources import fitbit
from fitvault.sources.fitbit.client import FitbitClient, parse_error
from fitvault.sources.fitbit.ratelimit import HourlyLimiter, Quota, parse_quota, wait_after_429, wait_needed
from fitvault.sources.fitbit.vitals import DailySpo2
from fitvault.sources.google.client import RetryPolicy
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from fitvault.timeutil import Zone as LocalTime
from fitvault.timeutil import parse_iso_wall as parse_wall
from fitvault.timeutil import wall_at as wall_seconds

HEADERS = {"fitbit-rate-limit-limit": "150", "fitbit-rate-limit-remaining": "0", "fitbit-rate-limit-reset": "754"}


# -- rate limit policy --------------------------------------------------------------------------

def test_quota_headers_and_waits_are_pure():
    q = parse_quota(HEADERS, now=1000.0)
    assert q == Quota(150, 0, 1754.0)
    assert parse_quota({"fitbit-rate-limit-remaining": "x"}, 0) is None and parse_quota({}, 0) is None
    assert wait_needed(None, 0) == 0.0
    assert wait_needed(Quota(150, 3, 1754.0), 1000.0) == 0.0
    assert wait_needed(Quota(150, 3, 1754.0), 1000.0, reserve=3) == 759.0  # default margin 5 s
    assert wait_needed(q, 1000.0, margin_s=0) == 754.0
    assert wait_needed(q, 1800.0, margin_s=0) == 0.0  # the window has reset
    # A 429: the longer of Retry-After and the reset (Retry-After was seen to be inaccurate).
    assert wait_after_429(q, 30.0, 1000.0, margin_s=0) == 754.0
    assert wait_after_429(q, 900.0, 1000.0, margin_s=0) == 900.0
    assert wait_after_429(None, None, 1000.0) == 1.0


def test_limiter_counts_down_with_an_injected_clock():
    fake = FakeTime(start=0.0)
    events = []
    limiter = HourlyLimiter(margin_s=1.0, clock=fake, sleep=fake.sleep, on_wait=events.append)
    limiter.before_request()
    assert fake.slept == []  # nothing known yet: go
    limiter.after_response({**HEADERS, "fitbit-rate-limit-remaining": "1", "fitbit-rate-limit-reset": "3"})
    limiter.before_request()
    assert fake.slept == []
    limiter.after_response({})  # no headers: one more counted locally
    assert limiter.quota.remaining == 0
    limiter.before_request()
    assert fake.now == 4.0 and fake.slept == [1.0, 1.0, 1.0, 1.0]
    assert [e.seconds_left for e in events] == [4.0, 3.0, 2.0, 1.0, 0.0]
    assert limiter.quota is None and limiter.waited_s == 4.0


# -- local time -----------------------------------------------------------------------------------

def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%H:%M:%S")


def test_repeated_hour_is_resolved_by_recording_order():
    ny = LocalTime("America/New_York")
    walls = [wall_seconds(date(2026, 11, 1), t) for t in ("00:59:59", "01:30:00", "01:59:59", "01:00:01", "01:30:00",
                                                          "02:00:00")]
    got = ny.sequence(walls)
    assert [(utc(ms), off) for ms, off in got] == [
        ("04:59:59", -14400), ("05:30:00", -14400), ("05:59:59", -14400),   # first pass: EDT
        ("06:00:01", -18000), ("06:30:00", -18000), ("07:00:00", -18000)]   # second pass: EST
    assert ny.resolve(wall_seconds(date(2026, 11, 1), "01:30:00")) == (got[1][0], -14400)  # alone: first occurrence


def test_skipped_hour_and_other_zones():
    ny = LocalTime("America/New_York")
    ms, off = ny.resolve(wall_seconds(date(2026, 3, 8), "02:30:00"))  # does not exist: read as zoneinfo does
    assert (utc(ms), off) == ("07:30:00", -14400)
    assert ny.resolve(wall_seconds(date(2026, 7, 1), "12:00:00"))[1] == -14400
    berlin = LocalTime("Europe/Berlin")
    assert berlin.resolve(parse_wall("2026-06-15T08:00:00.000")) == (
        int(datetime(2026, 6, 15, 6, tzinfo=timezone.utc).timestamp() * 1000), 7200)
    fixed = LocalTime("Not/AZone", fallback_offset_s=-18000)  # unknown zone: the profile's offset, no DST
    assert fixed.resolve(wall_seconds(date(2026, 7, 1), "12:00:00"))[1] == -18000
    assert ny.today(int(datetime(2026, 11, 21, 3, tzinfo=timezone.utc).timestamp() * 1000)) == date(2026, 11, 20)
    with pytest.raises(ValueError):
        wall_seconds(date(2026, 1, 1), "25:00:00")


# -- errors, retries, shapes ----------------------------------------------------------------------

def fitbit_error(status: int, error_type: str, message: str, **headers: str) -> httpx.Response:
    body = {"errors": [{"errorType": error_type, "fieldName": "n/a", "message": message}], "success": False}
    return httpx.Response(status, json=body, headers=headers, request=httpx.Request("GET", "https://x/1/user/-/a"))


def test_error_envelope_becomes_typed_errors():
    assert isinstance(parse_error(fitbit_error(410, "request", "Gone")), errors.FitbitApiRetired)
    e = parse_error(fitbit_error(422, "validation", "The number of data points queried exceeds limit."))
    assert isinstance(e, errors.InvalidArgument) and e.status == "validation"
    e = parse_error(fitbit_error(403, "insufficient_scope", "This application does not have permission to access "
                                                           "sleep data."))
    assert isinstance(e, errors.PermissionDenied) and "fitvault auth fitbit" in str(e)
    e = parse_error(fitbit_error(429, "system", "Too Many Requests", **{"Retry-After": "12"}))
    assert isinstance(e, errors.RateLimited) and e.retry_after == 12.0
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMifQ.c2lnbmF0dXJl"
    assert jwt not in str(parse_error(fitbit_error(401, "invalid_token", f"Access token invalid: {jwt}.")))
    assert isinstance(parse_error(httpx.Response(502, text="<html>", request=httpx.Request("GET", "https://x"))),
                      errors.ServerError)


def test_server_errors_are_retried_and_410_is_not():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) < 3:
            return httpx.Response(503, text="maintenance")
        if request.url.path.endswith("gone.json"):
            return httpx.Response(410, json={"errors": [{"errorType": "request", "message": "Gone"}]})
        return httpx.Response(200, json={"user": {"timezone": "UTC"}}, headers=HEADERS)

    with FitbitClient("https://api.example", None, transport=httpx.MockTransport(handler),
                      retry=RetryPolicy(attempts=4, base_delay_s=0.0), sleep=lambda s: None) as c:
        assert c.profile() == {"user": {"timezone": "UTC"}}["user"]
        assert len(calls) == 3 and c.limiter.quota.remaining == 0
        c.limiter.quota = None
        with pytest.raises(errors.FitbitApiRetired):
            c.get("/1/user/-/gone.json")
        assert len(calls) == 4  # at once, no retry


def test_spo2_shapes_bare_object_and_array():
    stream = DailySpo2()
    request = {"first": "2026-03-02", "last": "2026-03-03", "time_zone": "UTC"}
    one = stream.parse_response({"dateTime": "2026-03-02", "value": {"avg": 95.7, "min": 92.1, "max": 99.0}}, request)
    many = stream.parse_response([{"dateTime": "2026-03-02", "value": {"avg": 95.7, "min": 92.1, "max": 99.0}},
                                  {"dateTime": "2026-03-03"}], request)
    assert one.rows == many.rows and len(many.rows) == 1 and many.bad == []
    bad = stream.parse_response([{"dateTime": "2026-03-02", "value": {"avg": 30.0}}], request)
    assert bad.rows == [] and "impossible" in bad.bad[0][0]  # quarantined, never stored


def test_activity_list_paging_never_follows_another_host(tmp_path):
    """``pagination.next`` is an absolute URL: only its query is used, against our own API root."""
    hosts = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append((request.url.host, dict(request.url.params)))
        if request.url.path.endswith("profile.json"):
            return httpx.Response(200, json={"user": {"timezone": "UTC", "memberSince": "2026-01-01"}})
        offset = int(request.url.params["offset"])
        log = {"logId": 10 + offset, "activityName": "Walk", "startTime": f"2026-03-0{5 - offset // 100}T10:00:00.000+00:00",
               "duration": 600_000, "activeDuration": 600_000}
        nxt = "https://evil.example/1/user/-/activities/list.json?beforeDate=2026-03-06&sort=desc&offset=100&limit=100"
        return httpx.Response(200, json={"activities": [log], "pagination": {"next": nxt if offset == 0 else ""}})

    with Vault(tmp_path) as v, FitbitClient("https://api.example", None, transport=httpx.MockTransport(handler)) as c:
        report = fitbit.sync(v, c, SyncOptions(types=("exercise",), since=date(2026, 3, 1), until=date(2026, 3, 5)))
        assert report.incomplete == []
        assert [h for h, _ in hosts] == ["api.example"] * 3
        assert hosts[1][1] == {"beforeDate": "2026-03-06", "sort": "desc", "offset": "0", "limit": "100"}
        assert hosts[2][1]["offset"] == "100"
        assert v.conn.execute("SELECT id, exercise_type, start_offset_s FROM exercises ORDER BY id").fetchall() == [
            ("10", "WALKING", 0), ("110", "WALKING", 0)]
        (request,) = [json.loads(r) for r in v.raw.execute("SELECT request FROM raw_pages WHERE stream = 'fitbit:exercise' "
                                                           "AND request LIKE '%\"offset\": \"100\"%'").fetchone()]
        assert request["time_zone"] == "UTC"  # archived with what replaying it needs
