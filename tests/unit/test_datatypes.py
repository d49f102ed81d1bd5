"""Parsers against the payload shapes of the reference (docs/facts/google-health-api.md#payload-shapes, live fixtures FIX-DGH), saved
into a real SQLite vault, with exact rows asserted."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from support.heart_rows import heart_rate_sql

from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.store.vault import Vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHARGE6 = ("FITBIT", "Charge 6", "", "", "PASSIVELY_MEASURED", "")


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def vault(tmp_path):
    with Vault(tmp_path / "v") as v:
        yield v


def test_heart_rate_page_parses_instants_offsets_and_int64_strings():
    page = STREAMS_BY_NAME["heart-rate"].parse(load("heart_rate_page.json"))
    assert page.bad == []
    assert page.rows == [
        (1789387385000, CHARGE6, -14400, 64),
        (1789387378250, CHARGE6, -14400, 63),  # fractional seconds kept to the millisecond
    ]
    assert page.oldest == 1789387378250 and page.newest == 1789387385000


def test_heart_rate_upsert_is_idempotent(vault):
    stream = STREAMS_BY_NAME["heart-rate"]
    page = stream.parse(load("heart_rate_page.json"))
    assert vault.save_page(stream, page) == 2
    assert vault.save_page(stream, page) == 0  # same rows again: nothing changes
    rows = heart_rate_sql(
        vault.conn,
        "SELECT time_ms, utc_offset_s, bpm, s.device, s.platform FROM heart_rate JOIN sources s ON s.id = source_id "
        "ORDER BY time_ms",
    ).fetchall()
    assert rows == [(1789387378250, -14400, 63, "Charge 6", "FITBIT"), (1789387385000, -14400, 64, "Charge 6", "FITBIT")]


def test_resting_heart_rate(vault):
    stream = STREAMS_BY_NAME["daily-resting-heart-rate"]
    page = stream.parse(load("resting_heart_rate_page.json"))
    assert page.rows == [(date(2026, 9, 14), ("FITBIT", "Charge 6", "", "", "DERIVED", ""), 55, "WITH_SLEEP")]
    vault.save_page(stream, page)
    assert vault.conn.execute("SELECT date, bpm, calculation_method FROM resting_heart_rate").fetchall() == [
        ("2026-09-14", 55, "WITH_SLEEP")
    ]


def test_sleep_session_with_stages_summary_and_night_date(vault):
    stream = STREAMS_BY_NAME["sleep"]
    page = stream.parse(load("sleep_page.json"))
    assert page.bad == []
    vault.save_page(stream, page)
    session = vault.conn.execute(
        "SELECT id, date, sleep_type, main_sleep, processed, minutes_asleep, minutes_awake, start_ms, end_ms "
        "FROM sleep_sessions"
    ).fetchone()
    assert session == ("7821966286120950001", "2026-09-14", "STAGES", 1, 1, 448, 12, 1789353000000, 1789380600000)
    parts = vault.conn.execute(
        "SELECT kind, stage, (end_ms - start_ms) / 1000 FROM sleep_stages ORDER BY kind, start_ms"
    ).fetchall()
    assert parts == [
        ("short_awakening", "AWAKE", 30),
        ("stage", "AWAKE", 690), ("stage", "LIGHT", 2310), ("stage", "DEEP", 2310), ("stage", "REM", 22290),
    ]
    assert vault.conn.execute("SELECT stage, minutes, count FROM sleep_stage_summary ORDER BY stage").fetchall() == [
        ("AWAKE", 12, 1), ("DEEP", 39, 1), ("LIGHT", 38, 1), ("REM", 371, 1)
    ]


def test_sleep_reprocessed_session_replaces_its_stages(vault):
    stream = STREAMS_BY_NAME["sleep"]
    body = load("sleep_page.json")
    pending = json.loads(json.dumps(body))
    s = pending["dataPoints"][0]["sleep"]
    s.pop("stages"), s["summary"].pop("stagesSummary")
    s["metadata"] = {"processed": False, "mainSleep": True}
    vault.save_page(stream, stream.parse(pending))
    assert vault.conn.execute("SELECT count(*) FROM sleep_stages WHERE kind = 'stage'").fetchone() == (0,)
    vault.save_page(stream, stream.parse(body))
    assert vault.conn.execute("SELECT count(*) FROM sleep_stages WHERE kind = 'stage'").fetchone() == (4,)
    assert vault.conn.execute("SELECT processed FROM sleep_sessions").fetchone() == (1,)
    assert vault.conn.execute("SELECT count(*) FROM sleep_sessions").fetchone() == (1,)


def test_steps_true_zero_with_omitted_count(vault):
    stream = STREAMS_BY_NAME["steps"]
    page = stream.parse(load("steps_page.json"))
    assert [(r[0], r[5]) for r in page.rows] == [(1789387260000, 87), (1789387200000, 0)]
    vault.save_page(stream, page)
    assert vault.conn.execute("SELECT sum(count), count(*) FROM steps").fetchone() == (87, 2)


def test_daily_steps_rollup_keyed_by_bucket_date(vault):
    stream = STREAMS_BY_NAME["steps:daily"]
    page = stream.parse(load("steps_daily_rollup.json"))
    assert [(day, n) for day, _source, n in page.rows] == [(date(2026, 9, 14), 10412), (date(2026, 9, 15), 0)]
    vault.save_page(stream, page)
    assert vault.conn.execute("SELECT date, count FROM daily_steps ORDER BY date").fetchall() == [
        ("2026-09-14", 10412), ("2026-09-15", 0)
    ]


def test_bad_points_are_quarantined_and_the_rest_stored(vault):
    stream = STREAMS_BY_NAME["heart-rate"]
    body = load("heart_rate_page.json")
    body["dataPoints"].append({"heartRate": {"sampleTime": {"physicalTime": "yesterday"}, "beatsPerMinute": "70"}})
    body["dataPoints"].append({"steps": {}})
    page = stream.parse(body)
    assert len(page.rows) == 2 and len(page.bad) == 2
    vault.save_page(stream, page)
    assert vault.quarantine_count() == 2
    assert heart_rate_sql(vault.conn, "SELECT count(*) FROM heart_rate").fetchone() == (2,)


def test_sleep_filters_try_civil_then_physical_end_time():
    stream = STREAMS_BY_NAME["sleep"]
    filters = stream.alternative_filters(date(2026, 9, 1), date(2026, 9, 8))
    assert filters == [
        'sleep.interval.civil_end_time >= "2026-09-01" AND sleep.interval.civil_end_time < "2026-09-08"',
        'sleep.interval.end_time >= "2026-08-31T10:00:00Z" AND sleep.interval.end_time < "2026-09-08T14:00:00Z"',
    ]


def test_instant_filter_and_bounds():
    stream = STREAMS_BY_NAME["heart-rate"]
    assert stream.filter_text(1789387378250, 1789387385000) == (
        'heart_rate.sample_time.physical_time >= "2026-09-14T12:02:58.250Z" AND '
        'heart_rate.sample_time.physical_time < "2026-09-14T12:03:05Z"'
    )
    # Stored bounds are fixed width so that text order is time order.
    assert stream.format_bound(1789387385000) == "2026-09-14T12:03:05.000Z"
    assert stream.format_bound(1789387385000) > stream.format_bound(1789387378250)
