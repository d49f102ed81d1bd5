"""Live-captured Google Health API payloads (tests/fixtures/live/, provenance in its README) parse
to the values a person reads in them. Values are checked exactly, as written in the captures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx

from fitvault import errors, timeutil
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.datatypes.exercise import COLUMNS
from fitvault.sources.google.client import parse_error
from fitvault.sources.google.engine import disposition

LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "live"


def capture(name: str) -> dict:
    """A fixture's body (mcp-fitbit-air wraps each response as ``{"body", "status"}``)."""
    data = json.loads((LIVE / name).read_text())
    return data["body"] if set(data) == {"body", "status"} else data


def raw(name: str) -> bytes:
    """The response body bytes of a wrapped capture, re-encoded compactly."""
    return json.dumps(capture(name)).encode()


def ms(text: str) -> int:
    return timeutil.parse_instant_ms(text)


def error_response(status: int, body: dict) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("GET", "https://health.googleapis.com/v4/x"))


def test_skin_temperature_nan_baselines_keep_their_nights():
    # mcp-fitbit-air list_daily-sleep-temperature-derivations_nofilter.json: 5 nights, the two
    # oldest with baseline and 30-day deviation "NaN" (2 of 5 nights that used to be quarantined)
    page = STREAMS_BY_NAME["daily-sleep-temperature-derivations"].parse(
        capture("mfa_list_daily-sleep-temperature-derivations_nofilter.json"))
    assert page.bad == []
    assert [(r[0], r[2], r[3], r[4]) for r in page.rows] == [
        (date(2026, 1, 7), 34.0, 33.8, 0.4),
        (date(2026, 1, 6), 34.0, 33.8, 0.4),
        (date(2026, 1, 5), 34.0, 33.8, 0.4),
        (date(2026, 1, 4), 34.0, None, None),
        (date(2026, 1, 3), 34.0, None, None),
    ]
    assert {r[1] for r in page.rows} == {("FITBIT", "", "", "", "DERIVED", "")}


def test_heart_rate_page_every_two_seconds():
    # mcp-fitbit-air list_heart_rate_nofilter.json: 60 bpm at 02:25:06..14Z, 2 s apart, UTC-4
    # (the capture's civil minutes read 60: its scrubber's, not read by fitvault)
    name = "mfa_list_heart_rate_nofilter.json"
    stream = STREAMS_BY_NAME["heart-rate"]
    want = [(ms(f"2026-01-08T02:25:{s:02d}Z"), -14400, 60) for s in (14, 12, 10, 8, 6)]
    page = stream.parse(capture(name))
    assert page.bad == [] and [(r[0], r[2], r[3]) for r in page.rows] == want
    fast = stream.parse_bytes(raw(name))  # the bytes path the sync takes
    assert fast.bad == [] and (fast.oldest, fast.newest) == (want[-1][0], want[0][0])
    assert capture(name)["nextPageToken"] == "redacted-nextPageToken"


def test_active_zone_minutes_with_civil_times():
    page = STREAMS_BY_NAME["active-zone-minutes"].parse(capture("mfa_list_azm_nofilter.json"))
    assert page.bad == []
    assert [(r[0], r[2], r[3], r[4], r[5:]) for r in page.rows] == [
        (ms(f"2026-01-{d}T{a}Z"), -14400, ms(f"2026-01-{d}T{b}Z"), -14400, ("FAT_BURN", 1))
        for d, a, b in (("07", "05:27:00", "05:28:00"), ("07", "01:18:00", "01:19:00"), ("06", "00:54:00", "00:55:00"),
                        ("06", "00:48:00", "00:49:00"), ("06", "00:36:00", "00:37:00"))
    ]
    dgh = STREAMS_BY_NAME["active-zone-minutes"].parse({"dataPoints": [capture("dgh_active_zone_minutes.json")]})
    assert [(r[0], r[2], r[3], r[5:]) for r in dgh.rows] == [
        (ms("2026-08-05T21:28:00Z"), -14400, ms("2026-08-05T21:29:00Z"), ("FAT_BURN", 1))]
    assert dgh.rows[0][1][1] == "Charge 5"


def test_heart_rate_sample_of_a_charge_5():
    page = STREAMS_BY_NAME["heart-rate"].parse({"dataPoints": [capture("dgh_heart_rate_sample.json")]})
    assert [(r[0], r[1][1], r[2], r[3]) for r in page.rows] == [(ms("2026-08-06T12:01:29Z"), "Charge 5", -14400, 72)]


def test_walk_with_empty_exercise_metadata():
    page = STREAMS_BY_NAME["exercise"].parse({"dataPoints": [capture("dgh_exercise_walking.json")]})
    assert page.bad == []
    (session, splits, events, day), = page.rows
    row = dict(zip(COLUMNS, session))
    assert {k: row[k] for k in ("id", "exercise_type", "display_name", "active_duration_s", "calories_kcal",
                                "distance_mm", "steps", "avg_hr_bpm", "light_zone_s", "moderate_zone_s",
                                "has_gps", "start_ms", "end_ms", "start_offset_s")} == {
        "id": "6661252888799707592", "exercise_type": "WALKING", "display_name": "Walk",
        "active_duration_s": 1025.0, "calories_kcal": 130.0, "distance_mm": 1284300.0, "steps": 1606,
        "avg_hr_bpm": 80, "light_zone_s": 1020.0, "moderate_zone_s": 0.0, "has_gps": 0,
        "start_ms": ms("2026-08-05T14:26:33Z"), "end_ms": ms("2026-08-05T14:43:38Z"), "start_offset_s": -14400,
    }
    assert [e[3] for e in events] == ["START", "STOP"] and splits == [] and day == date(2026, 8, 5)
    # "exerciseMetadata": {} is proto3 JSON for hasGps false: no route export is asked for
    assert STREAMS_BY_NAME["exercise"].wanted_details(page, set()) == []


def test_the_refused_filter_capture_is_a_window_error_not_a_stop():
    body = json.loads((LIVE / "mfa_list_daily-sleep-temperature-derivations.json").read_text())
    err = parse_error(error_response(body["status"], body["body"]))
    assert type(err) is errors.InvalidArgument and disposition(err) == "window"
    assert (err.http_status, err.status, err.reason) == (400, "INVALID_ARGUMENT", "INVALID_DATA_POINT_FILTER")
    assert err.metadata == {"detailedReasons": "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER,"
                                               "INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER"}


def test_account_not_linked_capture_stops_the_run():
    err = parse_error(error_response(400, capture("dgh_error_account_not_linked.json")))
    assert type(err) is errors.AccountNotLinked and disposition(err) == "stop"
    assert (err.status, err.reason) == ("FAILED_PRECONDITION", "ACCOUNT_NOT_LINKED")
    assert err.metadata == {"redirect_uri": "https://fitbit.google.com/auth/signup"}
