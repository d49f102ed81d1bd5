"""`fitvault mcp`: the server as an assistant sees it, through the MCP SDK's own client.

One `fitvault mcp --vault DIR` subprocess over stdio answers every call of :data:`CALLS` on the
session's demo vault; each test checks one tool's values against the pandas API (and, where
the tool aggregates, against a second computation from the raw samples). One test speaks
streamable HTTP to `fitvault mcp --http`.
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import time
from datetime import date, timedelta

import httpx
import matplotlib.image
import pandas as pd
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from support.demo_vault import PYTHON, REPO, free_port, subprocess_env

import fitvault
from fitvault.config import VaultPaths
from fitvault.mcp.results import bounded, plain

TOOLS = {"vault_overview", "daily_summary", "heart_rate", "sleep", "exercises", "vitals_trend", "chart", "sql"}


def _days(vault_dir) -> tuple[str, str]:
    """The demo's last full local day of heart rate and the day a week before it."""
    with fitvault.open(vault_dir) as r:
        last = r.tables().loc["heart_rate", "last"].date() - timedelta(days=1)
    return (last - timedelta(days=6)).isoformat(), last.isoformat()


def _calls(first: str, last: str) -> dict[str, tuple[str, dict]]:
    return {
        "overview": ("vault_overview", {}),
        "daily": ("daily_summary", {"start": first, "end": last}),
        "hr_hour": ("heart_rate", {"start": last, "end": last, "resolution": "hour"}),
        "hr_day": ("heart_rate", {"start": first, "end": last, "resolution": "day"}),
        "hr_minute": ("heart_rate", {"start": last, "end": last, "resolution": "minute", "max_rows": 5000}),
        "hr_raw_cut": ("heart_rate", {"start": last, "end": last, "resolution": "raw", "max_rows": 50}),
        "sleep": ("sleep", {"start": first, "end": last, "stages": True}),
        "exercises": ("exercises", {"start": "2000-01-01", "end": last}),
        "rhr": ("vitals_trend", {"metric": "resting_heart_rate", "start": first, "end": last}),
        "hrv": ("vitals_trend", {"metric": "hrv", "start": first, "end": last}),
        "spo2": ("vitals_trend", {"metric": "spo2", "start": first, "end": last}),
        "chart": ("chart", {"kind": "heart", "start": last, "end": last}),
        "sql_days": ("sql", {"query": "SELECT date(time_ms/1000 + utc_offset_s, 'unixepoch') AS day, count(*) AS n, "
                                      "avg(bpm) FROM heart_rate GROUP BY day ORDER BY day", "engine": "sqlite"}),
        "sql_days_duckdb": ("sql", {"query": "SELECT CAST(epoch_ms(time_ms + utc_offset_s * 1000) AS DATE) AS day, "
                                             "count(*) AS n FROM heart_rate GROUP BY day ORDER BY day"}),
        "sql_cut": ("sql", {"query": "SELECT date, bpm FROM resting_heart_rate ORDER BY date", "max_rows": 3}),
        "sql_write": ("sql", {"query": "DELETE FROM resting_heart_rate", "engine": "sqlite"}),
        "sql_write_duckdb": ("sql", {"query": "DELETE FROM resting_heart_rate"}),
        "sql_attach": ("sql", {"query": "ATTACH DATABASE 'x.sqlite' AS x", "engine": "sqlite"}),
        "sql_attach_duckdb": ("sql", {"query": "ATTACH 'x.duckdb' AS x"}),
        "bad_date": ("heart_rate", {"start": "yesterday"}),
        "bad_metric": ("vitals_trend", {"metric": "vo2"}),
        "empty": ("daily_summary", {"start": "2001-01-01", "end": "2001-01-31"}),
        "daily_default": ("daily_summary", {}),
    }


async def _session(server, calls: dict[str, tuple[str, dict]]) -> tuple[list, dict]:
    async with Client(server, read_timeout_seconds=120) as client:
        tools = (await client.list_tools()).tools
        return tools, {key: await client.call_tool(name, args) for key, (name, args) in calls.items()}


@pytest.fixture(scope="module")
def served(demo_vault):
    """(vault, first day, last day, tools listed, {call key: CallToolResult}) from one stdio server."""
    first, last = _days(demo_vault)
    params = StdioServerParameters(command=PYTHON, args=["-m", "fitvault", "--vault", str(demo_vault), "mcp"],
                                   env=subprocess_env())
    tools, results = asyncio.run(_session(params, _calls(first, last)))
    return demo_vault, first, last, tools, results


def _json(result) -> dict:
    assert not result.is_error, result.content
    assert result.structured_content == json.loads(result.content[0].text)
    return result.structured_content


def _error(result) -> str:
    assert result.is_error
    return result.content[0].text


# -- fast: no server ------------------------------------------------------------------------------


def test_results_are_json_values_and_cut_with_a_note():
    assert [plain(v) for v in (pd.NA, float("nan"), 61.236, pd.Timestamp("2026-11-01 01:30"), True)] == \
        [None, None, 61.24, "2026-11-01 01:30:00", True]
    assert plain(pd.Timestamp("2026-11-01 01:30", tz="UTC")) == "2026-11-01T01:30:00+00:00"
    assert plain(pd.Timestamp("2026-11-01"), day=True) == "2026-11-01"
    rows = [{"t": i} for i in range(5)]
    cut = bounded(rows, 2, "ask for less", start="a")
    assert cut == {"start": "a", "row_count": 5, "truncated": True, "rows": [{"t": 0}, {"t": 1}],
                   "note": "cut: showing the first 2 of 5 rows (up to 1); ask for less"}
    assert "note" not in bounded(rows, 5, "x")


def test_an_empty_vault_answers_empty_windows_ending_today_in_utc(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    from fitvault.mcp import tools
    from fitvault.store.vault import Vault

    class Pinned(datetime):  # the tool's clock at 23:30 UTC: already the next day east of UTC+0:30
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc).astimezone(tz)

    monkeypatch.setattr(tools, "datetime", Pinned)
    Vault(tmp_path).close()  # no account, so no home zone: today is the UTC day, never the host's
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: 8 December on the host
    time.tzset()
    try:
        with fitvault.open(tmp_path) as r:
            result = tools.empty_note(tools.sleep(r, None, None, stages=False))
    finally:
        monkeypatch.undo()  # the host's own TZ again (and the real clock)
        time.tzset()
    assert result == {"start": "2026-12-01", "end": "2026-12-07", "row_count": 0, "truncated": False, "rows": [],
                      "note": "no data between 2026-12-01 and 2026-12-07"}


@pytest.mark.slow
def test_mcp_without_a_vault_says_so_like_every_command(tmp_path):
    proc = subprocess.run([PYTHON, "-m", "fitvault", "--vault", str(tmp_path / "none"), "mcp"], env=subprocess_env(),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 5
    assert "no fitvault vault at" in proc.stderr and "fitvault demo" in proc.stderr


def test_mcp_without_the_sdk_says_what_to_install(tmp_path, monkeypatch):
    import sys

    from click.testing import CliRunner

    from fitvault.cli.main import cli
    from fitvault.store.vault import Vault

    Vault(tmp_path).close()
    for name in [n for n in sys.modules if n == "mcp" or n.startswith("mcp.")] + ["mcp"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the SDK were not installed
    monkeypatch.delitem(sys.modules, "fitvault.mcp.server", raising=False)
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "mcp"])
    assert result.exit_code == 2
    assert result.output.startswith("error: `fitvault mcp` needs the MCP Python SDK, which cannot be imported")
    assert result.output.rstrip().endswith("pip install 'mcp>=2.3,<3' (fitvault's mcp extra)")


# -- stdio: every tool against the pandas API -----------------------------------------------------


@pytest.mark.slow
def test_every_tool_is_listed_read_only_and_closed_world(served):
    tools = {t.name: t for t in served[3]}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
        assert tool.annotations.open_world_hint is False
        assert tool.description


@pytest.mark.slow
def test_overview_counts_what_the_pandas_api_reads(served):
    vault, first, last, _, results = served
    doc = _json(results["overview"])
    with fitvault.open(vault) as r:
        assert doc["types"]["heart-rate"]["records"] == len(r.heart_rate())
        assert doc["types"]["sleep"]["records"] == len(r.sleep_sessions())
        tables = r.tables()
        devices = set(r.devices()["device_version"])
    assert doc["time_zone"] == "America/New_York"
    assert {d["device"] for d in doc["paired_devices"]} == devices
    assert doc["types"]["heart-rate"]["days_without_data"] == 0
    assert doc["types"]["heart-rate"]["last_sync_utc"]
    held = {t["table"]: t for t in doc["tables"]}
    assert held["resting_heart_rate"]["rows"] == tables.loc["resting_heart_rate", "rows"]
    assert held["heart_rate"]["last_local_day"] == tables.loc["heart_rate", "last"].date().isoformat()
    assert "menstrual_periods" not in held  # the demo person logs none


@pytest.mark.slow
def test_daily_summary_is_the_daily_frame(served):
    vault, first, last, _, results = served
    doc = _json(results["daily"])
    with fitvault.open(vault) as r:
        days = r.daily(first, last, convert=True)
    assert [row["date"] for row in doc["rows"]] == [d.date().isoformat() for d in days.index]
    assert len(doc["rows"]) == 7 and doc["truncated"] is False
    # A day may lack a value (the simulated device computes no resting HR on ~1 day in 20, e.g.
    # 2026-12-07 for seed 7, so whether this week has one depends on the day the test runs): the
    # frame's NA must be the tool's null, never a number.
    for row, (_, expected) in zip(doc["rows"], days.iterrows()):
        for column in ("steps", "resting_hr_bpm", "sleep_minutes_asleep"):
            assert row[column] == (None if pd.isna(expected[column]) else expected[column]), column
        assert row["distance_km"] == (None if pd.isna(expected["distance_km"])
                                      else pytest.approx(expected["distance_km"], abs=0.005))
    assert _json(results["empty"])["note"] == "no data between 2001-01-01 and 2001-01-31"
    # without dates: the week ending on the vault's last day (the demo syncs up to its "now")
    latest = _json(results["daily_default"])
    assert latest["end"] == (date.fromisoformat(last) + timedelta(days=1)).isoformat() and latest["row_count"] == 7


@pytest.mark.slow
def test_heart_rate_buckets_agree_with_the_samples(served):
    vault, first, last, _, results = served
    with fitvault.open(vault) as r:
        week = r.heart_rate(first, last)
    day = week[week["local_time"].dt.date == date.fromisoformat(last)]
    # hour: mean and count of the samples of each local hour, computed here from the samples
    hourly = day.groupby(day["local_time"].dt.floor("h"))["bpm"].agg(["mean", "min", "max", "count"])
    doc = _json(results["hr_hour"])
    assert doc["samples"] == len(day)
    got = {row["local_time"]: row for row in doc["rows"] if row["samples"]}
    assert len(got) == len(hourly)
    for hour, expected in hourly.iterrows():
        row = got[hour.strftime("%Y-%m-%d %H:%M:%S")]
        assert row["samples"] == expected["count"]
        assert row["bpm_mean"] == pytest.approx(expected["mean"], abs=0.005)
        assert (row["bpm_min"], row["bpm_max"]) == (expected["min"], expected["max"])
    # day: samples per local date of the week
    per_day = week.groupby(week["local_time"].dt.date)["bpm"].agg(["mean", "count"])
    doc = _json(results["hr_day"])
    assert [(row["local_time"][:10], row["samples"]) for row in doc["rows"]] == \
        [(d.isoformat(), n) for d, n in per_day["count"].items()]
    assert [row["bpm_mean"] for row in doc["rows"]] == pytest.approx(list(per_day["mean"]), abs=0.005)
    # minute: 1,440 buckets, the samples all counted
    doc = _json(results["hr_minute"])
    assert doc["row_count"] == 1440 and sum(row["samples"] for row in doc["rows"]) == len(day)


@pytest.mark.slow
def test_raw_heart_rate_is_cut_with_a_note(served):
    vault, first, last, _, results = served
    with fitvault.open(vault) as r:
        day = r.heart_rate(last, last)
    doc = _json(results["hr_raw_cut"])
    assert doc["truncated"] is True and doc["samples"] == doc["row_count"] == len(day)
    assert len(doc["rows"]) == 50
    assert [row["bpm"] for row in doc["rows"]] == list(day["bpm"][:50])
    assert doc["rows"][0]["local_time"] == day["local_time"].iloc[0].strftime("%Y-%m-%d %H:%M:%S")
    assert doc["note"].startswith(f"cut: showing the first 50 of {len(day)} rows")
    assert "resolution 'minute' or 'hour'" in doc["note"]


@pytest.mark.slow
def test_sleep_nights_with_their_stage_timelines(served):
    vault, first, last, _, results = served
    doc = _json(results["sleep"])
    with fitvault.open(vault) as r:
        nights = r.sleep_summary(first, last)
    assert [row["date"] for row in doc["rows"]] == [d.date().isoformat() for d in nights.index]
    for row, (_, expected) in zip(doc["rows"], nights.iterrows()):
        assert row["minutes_asleep"] == expected["minutes_asleep"]
        assert row["main_start_local"] == expected["main_start_local"].strftime("%Y-%m-%d %H:%M:%S")
        assert row["deep_minutes"] == plain(expected["deep_minutes"])
        # the timeline of the night's sessions: stage minutes add up to the night's stage totals
        # for a single-session night (naps are timelines of their own)
        if row["sessions"] == 1 and row["deep_minutes"] is not None:
            by_stage: dict[str, float] = {}
            for _start, _end, stage, minutes in row["stages"]:
                by_stage[stage] = by_stage.get(stage, 0) + minutes
            assert by_stage["DEEP"] == pytest.approx(row["deep_minutes"], abs=1)
            assert by_stage["REM"] == pytest.approx(row["rem_minutes"], abs=1)
            asleep = by_stage["DEEP"] + by_stage["REM"] + by_stage["LIGHT"]
            assert asleep == pytest.approx(row["minutes_asleep"], abs=1)


@pytest.mark.slow
def test_exercises_and_vital_trends_are_the_frames(served):
    vault, first, last, _, results = served
    with fitvault.open(vault) as r:
        workouts = r.exercises("2000-01-01", last, convert=True)
        rhr = r.resting_heart_rate(first, last)["bpm"]
        hrv = r.daily_hrv(first, last)["average_hrv_ms"]
        spo2 = r.daily_spo2(first, last)["average_pct"]
    doc = _json(results["exercises"])
    assert [row["id"] for row in doc["rows"]] == list(workouts["id"])
    assert [row["avg_hr_bpm"] for row in doc["rows"]] == [plain(v) for v in workouts["avg_hr_bpm"]]
    assert [row["exercise_type"] for row in doc["rows"]] == list(workouts["exercise_type"])
    for key, series in (("rhr", rhr), ("hrv", hrv), ("spo2", spo2)):
        doc = _json(results[key])
        assert [(row["date"], row["value"]) for row in doc["rows"]] == \
            [(d.date().isoformat(), plain(float(v))) for d, v in series.items()], key
        assert doc["summary"]["mean"] == pytest.approx(series.mean(), abs=0.005)
        assert doc["summary"]["days"] == len(series)
        assert sum(w["days"] for w in doc["weekly"]) == len(series)


@pytest.mark.slow
def test_chart_is_a_png_with_its_title(served):
    results = served[4]
    result = results["chart"]
    assert not result.is_error
    title, image = result.content
    assert title.type == "text" and "Heart rate" in title.text
    assert image.type == "image" and image.mime_type == "image/png"
    import base64

    pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(image.data)), format="png")
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600


@pytest.mark.slow
def test_sql_is_fitvault_sql_bounded_and_read_only(served):
    vault, first, last, _, results = served
    doc = _json(results["sql_days"])
    with fitvault.open(vault) as r:
        samples = r.heart_rate()
    per_day = samples.groupby(samples["local_time"].dt.date)["bpm"].count()
    assert doc["columns"] == ["day", "n", "avg(bpm)"]
    assert [(row[0], row[1]) for row in doc["rows"]] == [(d.isoformat(), n) for d, n in per_day.items()]
    # the default engine, DuckDB, in its own dialect: the same days and counts
    duck = _json(results["sql_days_duckdb"])
    assert duck["engine"] == "duckdb" and doc["engine"] == "sqlite"
    assert [(row[0], row[1]) for row in duck["rows"]] == [(d.isoformat(), n) for d, n in per_day.items()]
    cut = _json(results["sql_cut"])
    assert cut["truncated"] is True and len(cut["rows"]) == 3 and "note" in cut
    # a write is refused with the very words `fitvault sql` prints, on either engine
    for key, engine in (("sql_write", ["--engine", "sqlite"]), ("sql_write_duckdb", [])):
        cli = subprocess.run([PYTHON, "-m", "fitvault", "--vault", str(vault), "sql", *engine,
                              "DELETE FROM resting_heart_rate"],
                             env=subprocess_env(COLUMNS="300"), capture_output=True, text=True, timeout=60)
        assert cli.returncode == 5
        assert _error(results[key]) == " ".join(cli.stderr.split())
    assert _error(results["sql_write"]) == "error: the query failed: attempt to write a readonly database"
    with fitvault.open(vault) as r:
        assert len(r.resting_heart_rate()) > 0  # nothing was deleted
    # ATTACH on a read-only connection would still create an empty file: refused
    assert _error(results["sql_attach"]) == ("error: the query failed: ATTACH is not allowed (the vault is read-only "
                                             "and nothing else may be opened or created)")
    assert _error(results["sql_attach_duckdb"]).startswith("error: the query failed:")
    for name in ("x.sqlite", "x.duckdb"):
        assert not (REPO / name).exists() and not (vault / name).exists()


@pytest.mark.slow
def test_errors_say_what_to_do_and_no_token_is_ever_shown(served):
    vault, first, last, _, results = served
    assert _error(results["bad_date"]) == "error: start 'yesterday' is not a date: use YYYY-MM-DD"
    # the SDK checks arguments against the schema (an enum here) before the tool runs
    assert "metric" in _error(results["bad_metric"]) and "'resting_heart_rate'" in _error(results["bad_metric"])
    token = json.loads(VaultPaths(vault).google_token.read_text())
    secrets = [v for k, v in token.items() if "token" in k and isinstance(v, str) and len(v) > 8]
    assert secrets
    for result in results.values():
        text = " ".join(c.text for c in result.content if c.type == "text")
        assert not any(s in text for s in secrets)


# -- streamable HTTP ---------------------------------------------------------------------------


async def _over_http(url: str, day: str) -> tuple:
    async with Client(url, read_timeout_seconds=120) as client:
        hr = await client.call_tool("heart_rate", {"start": day, "end": day, "resolution": "day"})
        rows = await client.call_tool("sql", {"query": "SELECT count(*) FROM resting_heart_rate"})
        return hr, rows


@pytest.mark.slow
def test_streamable_http_on_loopback(demo_vault):
    first, last = _days(demo_vault)
    port = free_port()
    proc = subprocess.Popen([PYTHON, "-m", "fitvault", "--vault", str(demo_vault), "mcp", "--http", "--port", str(port)],
                            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "fitvault mcp --http is not listening after 60 s"
                time.sleep(0.2)
        hr, rows = asyncio.run(_over_http(url, last))
        # a page on another site cannot reach it through DNS rebinding: a foreign Host is refused
        forged = httpx.post(url, headers={"Host": f"attacker.example:{port}", "Accept": "application/json"}, json={})
        assert forged.status_code == 421
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert f"at http://127.0.0.1:{port}/mcp" in proc.stderr.read()
    with fitvault.open(demo_vault) as r:
        day = r.heart_rate(last, last)
        rhr_days = len(r.resting_heart_rate())
    assert _json(hr)["rows"][0]["samples"] == len(day)
    assert _json(rows)["rows"] == [[rhr_days]]
