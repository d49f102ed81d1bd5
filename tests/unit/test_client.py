"""The API client over an injected transport: retries, Retry-After, typed errors, quota."""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import httpx
import pytest
from support.fake_api import scripted

from fitvault import errors
from fitvault.sources.google.client import GatewayTimeout, HealthApiClient, RetryPolicy
from fitvault.sources.google.ratelimit import RollingWindowLimiter, wait_needed

OK = {"dataPoints": [], "nextPageToken": ""}


def status_body(code: int, status: str, reason: str, message: str = "boom") -> dict:
    return {"error": {"code": code, "message": message, "status": status,
                      "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]}}



def make_client(transport, sleeps=None, attempts=4):
    """A client whose clock is fake: sleeping advances it, nothing really waits."""
    now = [0.0]
    sleeps = sleeps if sleeps is not None else []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    limiter = RollingWindowLimiter(1000, 60, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    return HealthApiClient(
        "http://api.test", None, transport=transport, retry=RetryPolicy(attempts=attempts),
        sleep=sleep, limiter=limiter, seed=1,
    )


def test_success_returns_raw_bytes_and_json():
    transport, seen = scripted([httpx.Response(200, json=OK)])
    resp = make_client(transport).list_page("heart-rate", filter_text="f", page_size=10)
    assert resp.data == OK and json.loads(resp.content) == OK
    assert seen[0].url.path == "/v4/users/me/dataTypes/heart-rate/dataPoints"
    assert dict(seen[0].url.params) == {"filter": "f", "pageSize": "10"}


def test_retries_429_honouring_retry_after_then_5xx_and_resets():
    sleeps: list[float] = []
    transport, seen = scripted([
        httpx.Response(429, headers={"Retry-After": "7"}, json=status_body(429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")),
        httpx.Response(503, text="unavailable"),
        httpx.ConnectError("reset"),
        httpx.Response(200, json=OK),
    ])
    client = make_client(transport, sleeps)
    assert client.request("GET", "/x").data == OK
    assert len(seen) == 4
    assert sleeps[0] == 7.0                      # Retry-After honoured exactly
    assert 2.0 <= sleeps[1] <= 2.5 and 4.0 <= sleeps[2] <= 5.0  # exponential backoff with jitter


def test_truncated_json_is_retried():
    transport, seen = scripted([httpx.Response(200, content=b'{"dataPoints": [{"heart'), httpx.Response(200, json=OK)])
    assert make_client(transport).request("GET", "/x").data == OK
    assert len(seen) == 2


def test_retry_budget_exhausted_raises_typed_error():
    transport, _ = scripted([httpx.Response(500, json=status_body(500, "INTERNAL", "X"))] * 3)
    with pytest.raises(errors.ServerError) as info:
        make_client(transport, attempts=3).request("GET", "/x")
    assert info.value.http_status == 500 and info.value.status == "INTERNAL"


def test_retry_after_beyond_the_bound_gives_up_at_once():
    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "3600"}, json={})])
    with pytest.raises(errors.RateLimited):
        make_client(transport).request("GET", "/x")
    assert len(seen) == 1


def test_504_on_list_is_handed_back_for_a_smaller_page():
    transport, _ = scripted([httpx.Response(504, json=status_body(504, "DEADLINE_EXCEEDED", ""))])
    with pytest.raises(GatewayTimeout):
        make_client(transport).list_page("heart-rate", filter_text="f", page_size=10000)


@pytest.mark.parametrize(
    "response, cls, reason",
    [
        (httpx.Response(400, json=json.load(open(Path(__file__).resolve().parents[1] / "fixtures" / "error_account_not_linked.json"))),
         errors.AccountNotLinked, "ACCOUNT_NOT_LINKED"),
        (httpx.Response(400, json=status_body(400, "INVALID_ARGUMENT", "INVALID_DATA_POINT_FILTER")),
         errors.InvalidArgument, "INVALID_DATA_POINT_FILTER"),
        (httpx.Response(403, json=status_body(403, "PERMISSION_DENIED", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")),
         errors.PermissionDenied, "ACCESS_TOKEN_SCOPE_INSUFFICIENT"),
        (httpx.Response(404, html="<html><body>The requested URL was not found</body></html>"), errors.NotFound, None),
    ],
)
def test_errors_are_typed_and_not_retried(response, cls, reason):
    transport, seen = scripted([response])
    with pytest.raises(cls) as info:
        make_client(transport).request("GET", "/x")
    assert info.value.reason == reason
    assert len(seen) == 1


def test_wait_needed_is_a_pure_rolling_window_policy():
    sent = deque([0.0, 1.0, 2.0])
    assert wait_needed(sent, 2.5, limit=4, window_s=60) == 0.0
    assert wait_needed(sent, 2.5, limit=3, window_s=60) == 57.5   # oldest of the last 3 frees at 60
    assert wait_needed(sent, 61.0, limit=3, window_s=60) == 0.0
    assert wait_needed(deque(), 5.0, limit=3, window_s=60, paused_until=9.0) == 4.0


def test_limiter_never_exceeds_the_quota_with_a_fake_clock():
    now = [0.0]
    limiter = RollingWindowLimiter(5, 10.0, margin_s=0.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    times = []
    for _ in range(12):
        limiter.acquire()
        times.append(now[0])
    assert times == [0.0] * 5 + [10.0] * 5 + [20.0] * 2
    for i in range(len(times)):
        in_window = [t for t in times if times[i] <= t < times[i] + 10.0]
        assert len(in_window) <= 5
