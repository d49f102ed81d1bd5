"""Sync engine edge cases over a tiny fake API: cursors after crashes and failures, islands,
sleep ordering, one record per source, quarantine, cursors never in the future."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
from support.fake_api import FakeApi
from support.heart_rows import heart_rate_sql

from fitvault import timeutil
from fitvault.sources.google import make_plan, sync
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from fitvault.sync.engine import SyncEngine

ms = timeutil.parse_instant_ms
HOUR, DAY = 3_600_000, 86_400_000
T1 = ms("2026-03-10T12:00:00Z")
HR = SyncOptions(types=("heart-rate",))


@pytest.fixture
def vault(tmp_path):
    with Vault(tmp_path) as v:
        yield v


def hourly_heart_rate(until_ms: int) -> list[tuple[int, int]]:
    start = ms("2026-01-05T00:00:00Z")
    return [(t, 60) for t in range(start, until_ms, HOUR)]


@pytest.mark.parametrize("interruption", ["killed before the run ended", "another window failed"])
def test_late_data_behind_an_unfinished_run_is_still_fetched(vault, monkeypatch, interruption):
    api = FakeApi()
    api.hr = hourly_heart_rate(T1 - 6 * HOUR)
    with api.client() as client:
        if interruption == "killed before the run ended":
            # As if SIGKILLed after the last page: the run's bookkeeping never happens, and the
            # last page's transaction is the only record of the run's end.
            monkeypatch.setattr(SyncEngine, "_finish", lambda *a: None)
            sync(vault, client, HR, now_ms=T1)
            monkeypatch.undo()
        else:
            api.fail = lambda r: 500 if '"2025-12-31' in r.url.params.get("filter", "") else None
            assert sync(vault, client, HR, now_ms=T1).incomplete
            api.fail = lambda r: None
        late = T1 - 3 * HOUR  # recorded before run 1 ended, uploaded after it (docs/facts/google-health-api.md#late-data-and-change-detection)
        api.hr.append((late, 99))
        report = sync(vault, client, HR, now_ms=T1 + 3 * DAY)
        assert report.incomplete == []
        assert heart_rate_sql(vault.conn, "SELECT bpm FROM heart_rate WHERE time_ms = ?", (late,)).fetchone() == (99,)
        assert heart_rate_sql(vault.conn, "SELECT count(*) FROM heart_rate").fetchone()[0] == len(api.hr)


def test_the_last_page_and_the_cursor_are_one_transaction(vault, monkeypatch):
    api = FakeApi()
    api.hr = hourly_heart_rate(T1)
    monkeypatch.setattr(SyncEngine, "_finish", lambda *a: None)  # no bookkeeping after the pages
    with api.client() as client:
        sync(vault, client, HR, now_ms=T1)
    state = vault.sync_state("heart-rate")
    assert state["synced_until"] == "2026-03-10T12:00:00.000Z" and state["last_sync"]
    assert vault.conn.execute("SELECT count(*) FROM sync_jobs").fetchone() == (0,)


def test_an_island_does_not_move_the_cursor_and_history_is_kept_contiguous(vault):
    api = FakeApi()
    t = ms("2026-06-10T12:00:00Z")
    with api.client() as client:
        sync(vault, client, SyncOptions(types=("heart-rate",), since=date(2026, 5, 1)), now_ms=t)
        before = vault.sync_state("heart-rate")
        assert before["synced_from"] == "2026-04-30T10:00:00.000Z"
        assert before["synced_until"] == "2026-06-10T12:00:00.000Z"
        sync(vault, client, SyncOptions(types=("heart-rate",), since=date(2026, 1, 10), until=date(2026, 1, 12)), now_ms=t)
        after = vault.sync_state("heart-rate")
        assert (after["synced_from"], after["synced_until"]) == (before["synced_from"], before["synced_until"])
        # A window that touches the covered range extends it.
        sync(vault, client, SyncOptions(types=("heart-rate",), since=date(2026, 4, 1), until=date(2026, 4, 30)), now_ms=t)
        assert vault.sync_state("heart-rate")["synced_from"] == "2026-03-31T10:00:00.000Z"


def test_sleep_sessions_are_not_skipped_when_a_walk_resumes(vault):
    api = FakeApi()
    t = ms("2026-03-20T12:00:00Z")
    api.sleep = [
        {"id": f"n{d}_{k}", "start_ms": ms(f"2026-03-{d:02d}T0{k}:00:00Z"), "end_ms": ms(f"2026-03-{d:02d}T0{k}:30:00Z")}
        for d in range(11, 19) for k in (1, 3, 5)
    ]
    # Ordered by start, "nap" is 25th and "main" 26th, but "main" ends a day later than "nap".
    api.sleep.append({"id": "nap", "start_ms": ms("2026-03-09T23:00:00Z"), "end_ms": ms("2026-03-09T23:30:00Z")})
    api.sleep.append({"id": "main", "start_ms": ms("2026-03-09T22:00:00Z"), "end_ms": ms("2026-03-10T07:00:00Z")})
    api.sleep.append({"id": "older", "start_ms": ms("2026-03-08T22:00:00Z"), "end_ms": ms("2026-03-09T06:00:00Z")})
    options = SyncOptions(types=("sleep",), since=date(2026, 3, 1))
    with api.client() as client:
        api.fail = lambda r: 503 if "pageToken" in r.url.params else None  # page 2 fails: the walk stops
        assert sync(vault, client, options, now_ms=t).incomplete
        api.fail = lambda r: None
        assert sync(vault, client, options, now_ms=t).incomplete == []
    ids = {r[0] for r in vault.conn.execute("SELECT id FROM sleep_sessions")}
    assert ids == {s["id"] for s in api.sleep}


def test_daily_values_of_two_devices_are_both_kept(vault):
    api = FakeApi()
    api.rhr = [(date(2026, 3, 9), 55, "Charge 6"), (date(2026, 3, 9), 58, "Pixel Watch 3")]
    options = SyncOptions(types=("daily-resting-heart-rate",), since=date(2026, 3, 1))
    with api.client() as client:
        sync(vault, client, options, now_ms=T1)
        report = sync(vault, client, options, now_ms=T1)
    rows = vault.conn.execute(
        "SELECT date, bpm, s.device FROM resting_heart_rate JOIN sources s ON s.id = source_id ORDER BY bpm"
    ).fetchall()
    assert rows == [("2026-03-09", 55, "Charge 6"), ("2026-03-09", 58, "Pixel Watch 3")]
    assert report.streams["daily-resting-heart-rate"].changed == 0


def test_a_bad_point_is_quarantined_once_however_often_it_is_read(vault):
    api = FakeApi()
    api.hr = hourly_heart_rate(T1)
    api.extra_hr_points = [{"heartRate": {"sampleTime": {"physicalTime": "2026-03-09T00:00:00Z"}}}]  # no bpm
    with api.client() as client:
        for i in range(3):
            sync(vault, client, HR, now_ms=T1 + i * HOUR)
    assert vault.quarantine_count() == 1
    assert heart_rate_sql(vault.conn, "SELECT count(*) FROM heart_rate").fetchone()[0] == len(api.hr)


def test_cursors_are_never_in_the_future_so_the_overlap_is_whole(vault):
    api = FakeApi()
    with api.client() as client:
        sync(vault, client, SyncOptions(), now_ms=T1)
        plan = make_plan(vault, client, SyncOptions(), now_ms=T1 + HOUR, dry_run=True)
    windows = {sp.stream.name: sp.window for sp in plan.streams}
    assert vault.sync_state("sleep")["synced_until"] == "2026-03-10"
    assert windows["sleep"][0] == "2026-03-03"                    # 7 days of overlap
    assert windows["daily-resting-heart-rate"][0] == "2026-03-07"  # 3 days
    assert windows["steps:daily"][0] == "2026-03-07"
    assert windows["heart-rate"][0] == "2026-03-08T12:00:00.000Z"  # 2 days


def test_full_and_since_do_not_go_together(vault):
    from fitvault.errors import ConfigError

    with FakeApi().client() as client, pytest.raises(ConfigError):
        make_plan(vault, client, SyncOptions(full=True, since=date(2026, 1, 1)), now_ms=T1, dry_run=True)


def test_a_refused_sleep_filter_falls_back_and_is_remembered(vault):
    api = FakeApi()
    api.sleep = [{"id": "s1", "start_ms": ms("2026-03-08T23:00:00Z"), "end_ms": ms("2026-03-09T07:00:00Z")}]
    refuse = {"error": {"code": 400, "message": "Invalid data point filter", "status": "INVALID_ARGUMENT",
                        "details": [{"reason": "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"}]}}
    handler = api.handler

    def strict(request):
        api.log.append((request.method, request.url.path, dict(request.url.params)))
        if "civil_end_time" in request.url.params.get("filter", ""):
            return httpx.Response(400, json=refuse)
        return fake_physical_sleep(request)

    def fake_physical_sleep(request):
        # Answer the physical end_time filter by treating its bounds as instants.
        lo, hi = (timeutil.parse_instant_ms(x) for x in re.findall(r'"([^"]+)"', request.url.params["filter"]))
        points = [{"name": "users/me/dataTypes/sleep/dataPoints/" + s["id"], "sleep": {"interval": {
            "startTime": timeutil.format_instant(s["start_ms"]), "startUtcOffset": "0s",
            "endTime": timeutil.format_instant(s["end_ms"]), "endUtcOffset": "0s"}}}
            for s in api.sleep if lo <= s["end_ms"] < hi]
        return httpx.Response(200, json={"dataPoints": points, "nextPageToken": ""})

    api.handler = lambda request: strict(request) if "/sleep/" in request.url.path else handler(request)
    options = SyncOptions(types=("sleep",), since=date(2026, 3, 1))
    with api.client() as client:
        assert sync(vault, client, options, now_ms=T1).incomplete == []
        assert [p.split(" ")[0] for p in api.filters()] == ["sleep.interval.civil_end_time", "sleep.interval.end_time"]
        api.log.clear()
        assert sync(vault, client, options, now_ms=T1).incomplete == []
        assert [p.split(" ")[0] for p in api.filters()] == ["sleep.interval.end_time"]  # remembered
    assert vault.conn.execute("SELECT id FROM sleep_sessions").fetchall() == [("s1",)]


def test_a_type_the_server_does_not_support_is_skipped_and_remembered(vault):
    api = FakeApi()
    api.hr = hourly_heart_rate(T1)
    api.unsupported = {"daily-resting-heart-rate"}
    options = SyncOptions(types=("heart-rate", "daily-resting-heart-rate"))
    with api.client() as client:
        report = sync(vault, client, options, now_ms=T1)
        assert report.incomplete == []  # a refusal is not an unfinished run
        assert report.skipped == [
            "daily-resting-heart-rate: not supported by the server (DailyRollup is not supported); retried in 30 days"
        ]
        assert vault.account()["unsupported:daily-resting-heart-rate"] == "2026-03-10"
        assert vault.open_jobs("daily-resting-heart-rate") == []
        api.log.clear()
        plan = make_plan(vault, client, options, now_ms=T1 + DAY)
        assert [p.skipped for p in plan.streams] == [None, "not supported by the server (checked 2026-03-10)"]
        plan = make_plan(vault, client, options, now_ms=T1 + 31 * DAY, dry_run=True)
        assert [p.skipped for p in plan.streams] == [None, None]  # asked again after 30 days
