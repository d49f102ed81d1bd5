"""A tiny in-memory stand-in for the list endpoint (httpx.MockTransport), for engine edge cases
that the simulator does not make easy: late arrivals, overlapping sleep, failing pages."""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import date

import httpx

from fitvault import timeutil
from fitvault.sources.google.client import HealthApiClient, RetryPolicy
from fitvault.sources.google.ratelimit import RollingWindowLimiter

# An upper bound may be missing: electrocardiogram accepts `>=` only (docs/facts/google-health-api.md#filters).
FILTER = re.compile(r'(\S+) >= "([^"]+)"(?: AND \S+ < "([^"]+)")?')


def scripted(items):
    """An ``httpx.MockTransport`` answering from a script (an Exception item is raised instead),
    and the list of the requests it saw."""
    queue, seen = deque(items), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.popleft()
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


class FakeApi:
    def __init__(self) -> None:
        self.hr: list[tuple[int, int]] = []          # (ms, bpm)
        self.sleep: list[dict] = []                  # {id, start_ms, end_ms}, offsets 0
        self.rhr: list[tuple[date, int, str]] = []   # (date, bpm, device)
        self.extra_hr_points: list[dict] = []        # appended raw to the first heart-rate page
        self.log: list[tuple[str, str, dict]] = []
        self.fail = lambda request: None             # return a status code to fail a request
        self.unsupported: set[str] = set()           # data types refused as "not supported"

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        params = dict(request.url.params)
        self.log.append((request.method, path, params))
        status = self.fail(request)
        if status:
            return httpx.Response(status, json={"error": {"code": status, "message": "boom", "status": "UNAVAILABLE"}})
        if path.endswith("/profile"):
            return httpx.Response(200, json={"membershipStartDate": {"year": 2026, "month": 1, "day": 1}})
        if path.endswith("/settings"):
            return httpx.Response(200, json={"timeZone": "Etc/UTC", "utcOffset": "0s"})
        if path.endswith("/pairedDevices"):
            return httpx.Response(200, json={})
        if self.unsupported and path.split("/")[-2] in self.unsupported:
            return httpx.Response(400, json={"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                                       "message": "DailyRollup is not supported"}})
        if request.method == "POST":
            return httpx.Response(200, json={"rollupDataPoints": []})
        field, lo, hi = FILTER.match(params["filter"]).groups()
        size, offset = int(params["pageSize"]), int(params.get("pageToken") or 0)
        data_type = path.split("/")[-2]
        points: list[dict] = []
        if data_type == "heart-rate":
            a, b = timeutil.parse_instant_ms(lo), timeutil.parse_instant_ms(hi)
            points = [
                {"dataSource": {"platform": "FITBIT"}, "heartRate": {"sampleTime": {
                    "physicalTime": timeutil.format_instant(t), "utcOffset": "0s"}, "beatsPerMinute": str(bpm)}}
                for t, bpm in sorted((x for x in self.hr if a <= x[0] < b), reverse=True)
            ]
            if offset == 0:
                points[:0] = self.extra_hr_points
        elif data_type == "sleep":
            a, b = date.fromisoformat(lo), date.fromisoformat(hi)
            chosen = [s for s in self.sleep if a <= timeutil.local_date(s["end_ms"], 0) < b]
            chosen.sort(key=lambda s: s["start_ms"], reverse=True)  # by interval start, newest first (docs/facts/google-health-api.md#list-and-paging)
            points = [{"name": "users/me/dataTypes/sleep/dataPoints/" + s["id"], "sleep": {"interval": {
                "startTime": timeutil.format_instant(s["start_ms"]), "startUtcOffset": "0s",
                "endTime": timeutil.format_instant(s["end_ms"]), "endUtcOffset": "0s"}, "metadata": {"processed": True}}}
                for s in chosen]
        elif data_type == "daily-resting-heart-rate":
            a, b = date.fromisoformat(lo), date.fromisoformat(hi)
            points = [
                {"dataSource": {"platform": "FITBIT", "device": {"displayName": dev}},
                 "dailyRestingHeartRate": {"date": timeutil.date_to_json(d), "beatsPerMinute": str(bpm)}}
                for d, bpm, dev in sorted((x for x in self.rhr if a <= x[0] < b), reverse=True)
            ]
        page = points[offset:offset + size]
        token = str(offset + size) if offset + size < len(points) else ""
        return httpx.Response(200, content=json.dumps({"dataPoints": page, "nextPageToken": token}).encode())

    def client(self) -> HealthApiClient:
        return HealthApiClient(
            "http://fake", None, transport=httpx.MockTransport(self.handler),
            retry=RetryPolicy(attempts=2, base_delay_s=0, max_delay_s=0),
            limiter=RollingWindowLimiter(100000), sleep=lambda s: None,
        )

    def filters(self) -> list[str]:
        return [p["filter"] for _, _, p in self.log if "filter" in p]
