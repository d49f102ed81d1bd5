"""The live Google Health API's edges (issue #14 items 1-3), each against the simulator over
loopback: values the service cannot compute, "not measured" zeros, the discovery document's
ranges, Google's error reasons and what a sync does with each, and the live request contract.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest
from support.sim import sim_client, store_sim_token

from fitvault import errors
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.sources.google import make_plan, sync
from fitvault.sources.google.client import HealthApiClient, parse_error
from fitvault.sources.google.engine import disposition
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from fitvault_simulator import catalog

SAMPLE = {"physicalTime": "2026-09-14T12:35:00Z", "utcOffset": "-14400s"}


def rows(v: Vault, sql: str) -> list[tuple]:
    return v.conn.execute(sql).fetchall()


def quarantined(v: Vault) -> int:
    return v.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]


# -- item 1: missing values and ranges ---------------------------------------------------------

def test_nan_skin_temperature_baselines_are_missing_and_every_night_is_kept(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    first, until = date(2025, 1, 15), date(2025, 3, 10)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(types=("daily-sleep-temperature-derivations",), since=first, until=until),
                      now_ms=sim.clock.now_ms())
        assert report.incomplete == [] and quarantined(v) == 0
        got = rows(v, "SELECT date, nightly_c, baseline_c, relative_stddev_30d_c FROM daily_skin_temperature "
                      "ORDER BY date")
        truth = sim.person.truth("daily_skin_temperature", first, until + timedelta(days=1))
        assert got == [(str(r["date"]), r["nightly_c"], r["baseline_c"], r["relative_stddev_30d_c"]) for r in truth]
        early = [r for r in got if r[0] < "2025-02-14"]  # the first 30 nights: "NaN" on the wire
        assert len(early) >= 25 and all(r[1] is not None and r[2] is None and r[3] is None for r in early)
        assert any(r[2] is not None for r in got)


def test_sdnn_zero_from_the_watch_is_stored_as_missing(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        sync(v, client, SyncOptions(types=("heart-rate-variability",), since=date(2026, 11, 16)),
             now_ms=sim.clock.now_ms())
        n, sdnn, rmssd = rows(v, "SELECT count(*), count(sdnn_ms), count(rmssd_ms) FROM hrv")[0]
        assert n > 300 and sdnn == 0 and rmssd == n and quarantined(v) == 0


@pytest.mark.parametrize(("stream", "point", "stored"), [
    ("heart-rate", {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "1"}}, True),
    ("heart-rate", {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "300"}}, True),
    ("heart-rate", {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "0"}}, False),
    ("heart-rate", {"heartRate": {"sampleTime": SAMPLE, "beatsPerMinute": "301"}}, False),
    ("oxygen-saturation", {"oxygenSaturation": {"sampleTime": SAMPLE, "percentage": 0}}, True),
    ("oxygen-saturation", {"oxygenSaturation": {"sampleTime": SAMPLE, "percentage": 100.5}}, False),
    ("weight", {"name": "x/1", "weight": {"sampleTime": SAMPLE, "weightGrams": 1_000_000}}, True),
    ("heart-rate-variability", {"heartRateVariability": {
        "sampleTime": SAMPLE, "rootMeanSquareOfSuccessiveDifferencesMilliseconds": 200}}, True),
    ("heart-rate-variability", {"heartRateVariability": {
        "sampleTime": SAMPLE, "rootMeanSquareOfSuccessiveDifferencesMilliseconds": 200.5}}, False),
    ("vo2-max", {"vo2Max": {"sampleTime": SAMPLE, "vo2Max": 100}}, True),
    ("vo2-max", {"vo2Max": {"sampleTime": SAMPLE, "vo2Max": "Infinity"}}, False),  # required: nothing to keep
    ("daily-sleep-temperature-derivations", {"dailySleepTemperatureDerivations": {
        "date": {"year": 2026, "month": 1, "day": 4}, "nightlyTemperatureCelsius": 34.0,
        "baselineTemperatureCelsius": "-Infinity", "relativeNightlyStddev30dCelsius": "Infinity"}}, True),
])
def test_the_discovery_documents_ranges_decide_what_is_stored(stream, point, stored):
    page = STREAMS_BY_NAME[stream].parse({"dataPoints": [point]})
    assert (len(page.rows), len(page.bad)) == ((1, 0) if stored else (0, 1))


# -- item 2: errors by reason ----------------------------------------------------------------

def _error(status: int, reason: str | None = None, grpc: str = "INVALID_ARGUMENT", **metadata) -> httpx.Response:
    err: dict = {"code": status, "message": f"m {reason}", "status": grpc}
    if reason:
        err["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                           "domain": "health.googleapis.com", "metadata": metadata}]
    return httpx.Response(status, json={"error": err}, request=httpx.Request("GET", "https://x/v4/users/me/x"))


#: Google's error catalogue (kkdev92 spec/v4/errors.json, verified 2026-08-09) for the read methods
#: fitvault calls, plus the HTTP-level answers: (response, error class, what a sync does).
CATALOGUE = [
    (_error(400, "ACCOUNT_NOT_LINKED", "FAILED_PRECONDITION"), errors.AccountNotLinked, "stop"),
    (_error(412, None, "FAILED_PRECONDITION"), errors.AccountNotLinked, "stop"),
    (_error(400, None, "FAILED_PRECONDITION"), errors.InvalidArgument, "window"),  # e.g. TCX without GPS
    (_error(400, "UNSUPPORTED_DATA_TYPE_ACTION", allowed_actions="list, reconcile"), errors.UnsupportedAction, "skip"),
    (_error(400, "INVALID_PARENT_DATA_TYPE_COLLECTION"), errors.InvalidArgument, "skip"),
    (_error(400, "INVALID_DATA_TYPE"), errors.InvalidArgument, "skip"),
    (_error(400, "INVALID_DATA_TYPE_FORMAT"), errors.InvalidArgument, "skip"),
    (_error(400, "INVALID_ROLLUP_QUERY_DURATION", maxDurationDays="14"), errors.RangeTooLong, "window"),
    (_error(400, "INVALID_DATA_POINT_FILTER", detailedReasons="INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"),
     errors.InvalidArgument, "window"),
    *[(_error(400, r), errors.InvalidArgument, "window") for r in (
        "INVALID_PARENT_DATA_TYPE_COLLECTION_FORMAT", "INVALID_FILTER_FORMAT", "INVALID_DATA_POINT_DATA_SOURCE_FAMILY",
        "INVALID_DATA_POINT_FILTER_SYNTAX", "INVALID_DATA_POINT_FILTER_MISSING_TOKEN",
        "INVALID_DATA_POINT_FILTER_UNEXPECTED_TOKEN", "INVALID_DATA_POINT_FILTER_UNEXPECTED_END_OF_INPUT",
        "INVALID_DATA_POINT_FILTER_EXPRESSION_STRUCTURE", "INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARABLE",
        "INVALID_DATA_POINT_FILTER_DATA_TYPE_RESTRICTION", "INVALID_TIME_RANGE_INTERVAL_FORMAT", "INVALID_TIME_RANGE",
        "INVALID_ROLLUP_WINDOW", "INVALID_DATA_POINT_FILTER_MIXED_DATA_TYPE_RESTRICTIONS",
        "INVALID_DATA_POINT_FILTER_MIXED_TIME_RESTRICTIONS", "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER",
        "INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARATOR", "INVALID_DATA_POINT_FILTER_TIMESTAMP_FORMAT",
        "INVALID_DATA_POINT_FILTER_CIVIL_DATE_TIME_FORMAT", "INVALID_CIVIL_DATE_TIME",
        "INVALID_DATA_POINT_FILTER_RESTRICTION_ARGUMENT", "INVALID_DATA_POINT_FILTER_COLLECTION_MISMATCH",
        "INVALID_DATA_POINT_NAME", "MISSING_DATA_POINT_FILTER", "DATA_TYPE_MISMATCH", "INVALID_PAGE_SIZE",
        "INVALID_PAGE_TOKEN", "MULTIPLE_DATA_TYPES_UNSUPPORTED", "MISSING_USER", "INVALID_USER_RESOURCE_NAME")],
    (_error(401, "ACCESS_TOKEN_EXPIRED", "UNAUTHENTICATED"), errors.Unauthenticated, "stop"),
    *[(_error(403, r, "PERMISSION_DENIED"), errors.PermissionDenied, "skip") for r in (
        "MISSING_OAUTH_SCOPE", "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "DISALLOWED_OAUTH_SCOPES",
        "API_PRIVATE_PREVIEW_ACCESS_DENIED", "DATA_ACCESS_DENIED", "RESOURCE_PERMISSION_DENIED")],
    (_error(404, "RESOURCE_NOT_FOUND", "NOT_FOUND"), errors.NotFound, "window"),
    (_error(429, "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"), errors.RateLimited, "stop"),
    (_error(500, "INTERNAL_ERROR", "INTERNAL"), errors.ServerError, "window"),
    (_error(503, None, "UNAVAILABLE"), errors.ServerError, "window"),
]


@pytest.mark.parametrize(("response", "cls", "action"), CATALOGUE,
                         ids=[f"{r.status_code}-{c.__name__}-{a}-{i}" for i, (r, c, a) in enumerate(CATALOGUE)])
def test_every_catalogue_error_has_a_class_and_a_decided_behaviour(response, cls, action):
    err = parse_error(response)
    assert type(err) is cls and disposition(err) == action
    body = json.loads(response.content)["error"]
    assert err.reason == (body["details"][0]["reason"] if "details" in body else None)


def test_metadata_of_the_live_reasons_is_read():
    assert parse_error(_error(400, "UNSUPPORTED_DATA_TYPE_ACTION", allowed_actions="list, reconcile")
                       ).allowed_actions == ("list", "reconcile")
    assert parse_error(_error(400, "INVALID_ROLLUP_QUERY_DURATION", maxDurationDays="14")).max_days == 14


def test_412_without_a_health_profile_stops_the_run(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    sim.config.has_health_profile = False
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        with pytest.raises(errors.AccountNotLinked) as exc:
            sync(v, client, SyncOptions(since=date(2026, 11, 19)), now_ms=sim.clock.now_ms())
        assert exc.value.http_status == 412


@pytest.mark.slow
def test_a_failed_precondition_route_export_does_not_stop_the_other_streams(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    sim.faults.add("precondition", match=":exportExerciseTcx")
    types = ("exercise", "steps", "sleep")
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(types=types, since=date(2026, 10, 20)), now_ms=sim.clock.now_ms())
        assert report.incomplete == []
        exports = [r for r in sim.requests if r.operation == "exportExerciseTcx"]
        assert all(r.query.get("alt") == "media" for r in exports)  # the TCX itself, as DISC asks
        refused = [r for r in exports if r.status == 400]
        assert len(refused) == 1 and refused[0].fault == "precondition"
        refused_id = refused[0].path.rsplit("/", 1)[1].split(":")[0]
        have = {r[0] for r in rows(v, "SELECT exercise_id FROM exercise_tcx")}
        with_gps = {r[0] for r in rows(v, "SELECT id FROM exercises WHERE has_gps = 1")}
        assert refused_id in with_gps and have == with_gps - {refused_id} and len(have) >= 2
        tcx = rows(v, "SELECT tcx FROM exercise_tcx LIMIT 1")[0][0]
        assert tcx.startswith("<?xml") and "<Position>" in tcx
        for table in ("steps", "daily_steps", "sleep_sessions"):
            assert rows(v, f"SELECT count(*) FROM {table}")[0][0] > 0  # noqa: S608


def test_a_refused_filter_fails_its_window_and_the_other_streams_go_on(sim, tmp_path, monkeypatch):
    spo2 = STREAMS_BY_NAME["oxygen-saturation"]
    monkeypatch.setattr(type(spo2), "filter_field", lambda self: "oxygen_saturation.interval.start_time")
    store_sim_token(sim, tmp_path)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(types=("oxygen-saturation", "daily-resting-heart-rate"),
                                             since=date(2026, 11, 18)), now_ms=sim.clock.now_ms())
        assert [line.split(":")[0] for line in report.incomplete] == ["oxygen-saturation"]
        assert "INVALID_DATA_POINT_FILTER" in report.incomplete[0]
        assert rows(v, "SELECT count(*) FROM resting_heart_rate")[0][0] >= 3
        assert v.sync_state("oxygen-saturation")["last_error"] and v.open_jobs("oxygen-saturation")


def test_list_refused_is_read_with_reconcile_when_the_refusal_allows_it(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    sim.config.list_refused_types = (*sim.config.list_refused_types, "oxygen-saturation")
    options = SyncOptions(types=("oxygen-saturation",), since=date(2026, 11, 18))
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, options, now_ms=sim.clock.now_ms())
        assert report.incomplete == [] and report.skipped == []
        ops = [(r.operation, r.status) for r in sim.requests if r.data_type == "oxygen-saturation"]
        assert ops[0] == ("list", 400) and {op for op, _ in ops[1:]} == {"reconcile"}
        assert v.account()["method:oxygen-saturation"] == "reconcile"
        got = rows(v, "SELECT time_ms, spo2_pct FROM spo2 ORDER BY time_ms")
        truth = sim.person.truth("spo2", *_instants(options.since, sim))
        assert got == [(r["time_ms"], r["spo2_pct"]) for r in truth] and len(got) > 100
        sim.reset_requests()
        sync(v, client, SyncOptions(types=("oxygen-saturation",)), now_ms=sim.clock.now_ms())
        assert {r.operation for r in sim.requests if r.data_type == "oxygen-saturation"} == {"reconcile"}


def _instants(since: date, sim):
    from datetime import datetime, timezone

    return datetime.combine(since, datetime.min.time(), timezone.utc) - timedelta(hours=14), sim.clock.now()


@pytest.mark.slow
def test_a_refused_daily_rollup_is_skipped_naming_the_allowed_actions(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    sim.config.daily_rollup_refused_types = ("distance",)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(types=("distance", "steps"), since=date(2026, 11, 1)),
                      now_ms=sim.clock.now_ms())
        assert report.incomplete == []
        assert report.skipped == ["distance:daily: not supported by the server (DailyRollup is not supported for "
                                  "data type distance; it allows list, reconcile, rollUp); retried in 30 days"]
        assert rows(v, "SELECT count(*) FROM daily_steps")[0][0] > 15  # the other streams went on
        assert [r.operation for r in sim.requests if r.data_type == "distance"].count("dailyRollUp") == 1


@pytest.mark.slow
def test_a_rollup_range_over_the_cap_is_walked_again_in_the_named_ranges(sim, tmp_path, monkeypatch):
    stream = STREAMS_BY_NAME["distance:daily"]
    monkeypatch.setattr(type(stream), "max_window_days", 120)  # a client that believes 120 days
    store_sim_token(sim, tmp_path)
    since = date(2026, 5, 1)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(types=("distance",), since=since), now_ms=sim.clock.now_ms())
        assert report.incomplete == []
        calls = [r.status for r in sim.requests if r.data_type == "distance"]
        assert calls[0] == 400 and 400 not in calls[1:] and len(calls) <= 6
        got = rows(v, "SELECT date, distance_mm FROM daily_distance ORDER BY date")
        truth = sim.person.truth("daily_distance", since, date(2026, 11, 23))
        assert got == [(str(r["date"]), r["distance_mm"]) for r in truth] and len(got) > 180


# -- item 3: the live request contract ---------------------------------------------------------

@pytest.mark.slow
def test_daily_rollups_are_one_unpaged_request_per_range(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        sync(v, client, SyncOptions(types=("steps", "total-calories"), since=date(2026, 6, 1)), now_ms=sim.clock.now_ms())
        rollups = [r for r in sim.requests if r.operation == "dailyRollUp"]
        # 174 days: 2 ranges of 90 (steps) + 13 of 14 (total-calories), each answered whole
        assert [r.status for r in rollups] == [200] * len(rollups)
        assert sum(r.data_type == "steps" for r in rollups) == 2
        assert sum(r.data_type == "total-calories" for r in rollups) == 13
        n = rows(v, "SELECT count(*) FROM daily_steps WHERE date >= '2026-06-01'")[0][0]
        assert n == len(sim.person.daily_steps(date(2026, 6, 1), date(2026, 11, 23)))


def test_paired_devices_are_followed_across_pages(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    sim.config.paired_devices_page_max = 1
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        sync(v, client, SyncOptions(types=("weight",), since=date(2026, 11, 20)), now_ms=sim.clock.now_ms())
        assert [r.query.get("pageToken") for r in sim.requests if r.operation == "pairedDevices"] == [None, "pd-1"]
        assert sorted(r[0] for r in rows(v, "SELECT device_version FROM devices")) == ["Charge 6", "Pixel Watch 3"]


def test_paired_devices_need_the_settings_scope(sim, tmp_path):
    store_sim_token(sim, tmp_path, scopes=[s for s in catalog.READ_SCOPES if s != catalog.SETTINGS])
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(types=("weight",), since=date(2026, 11, 20)), now_ms=sim.clock.now_ms())
        assert report.incomplete == []  # a refused context read is logged, not fatal
        assert [r.status for r in sim.requests if r.operation == "pairedDevices"] == [403]
        assert rows(v, "SELECT count(*) FROM devices")[0][0] == 0


def test_without_membership_start_the_history_start_is_found_by_bisection(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    sim.config.profile_membership_start = False
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        plan = make_plan(v, client, SyncOptions(types=("steps", "total-calories")), now_ms=sim.clock.now_ms())
        probes = [r for r in sim.requests if r.operation == "list"]
        assert len(probes) <= 15 and all(r.query["pageSize"] == "1" for r in probes)
        # the first step minute is local midnight of 2025-01-15 in New York (05:00Z): one day
        # earlier covers every zone
        assert v.account()["membership_start"] == "2025-01-14"
        windows = {sp.stream.name: len(sp.jobs) for sp in plan.streams}
        days = (date(2026, 11, 23) - date(2025, 1, 14)).days  # to "tomorrow anywhere", exclusive
        assert windows["total-calories:daily"] == -(-days // 14) == 49  # not ~466 from 2009


def test_history_probe_finds_nothing_on_an_empty_account(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/profile"):
            return httpx.Response(200, json={"age": 40})
        return httpx.Response(200, json={"dataPoints": []})

    from fitvault.sources.google import history_start

    with Vault(tmp_path) as v, HealthApiClient("https://x", None, transport=httpx.MockTransport(handler)) as client:
        assert history_start(v, client, now_ms=1_790_000_000_000) is None
        assert v.account()["membership_start"] == ""


def test_a_route_is_read_as_the_tcx_file_or_the_json_form_of_older_archives():
    ex = STREAMS_BY_NAME["exercise"]
    tcx = '<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase/>'
    assert ex.detail_request("42") == ("/dataTypes/exercise/dataPoints/42:exportExerciseTcx", {})
    assert ex.parse_detail("42", tcx.encode()) == ("42", tcx)  # alt=media: the file itself
    assert ex.parse_detail("42", json.dumps({"tcxData": tcx}).encode()) == ("42", tcx)  # without alt=media
    for bad in (b"", b"{}", b'{"tcxData": ""}', b"[1]", b"not xml"):
        with pytest.raises(ValueError):
            ex.parse_detail("42", bad)
