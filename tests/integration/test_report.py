"""The HTML report: its content, its escaping, and the page as headless Chromium shows it.

Chromium is found and launched as ``support.browser`` says (in CI a missing browser fails the
run; on a developer machine without it these tests are skipped with the reason).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from support.browser import CHROMIUM_ARGS, chromium_executable
from support.plots import LAST, FakeReader

from fitvault.plots import NoData
from fitvault.report import build_report, collect, write_report
from fitvault.report._data import cards, completeness, heart_bucket

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def evil_report(tmp_path_factory) -> Path:
    """A 30-day report whose device and exercise names are script tags."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(FakeReader(device=EVIL), path)


def _outside_scripts(text: str) -> str:
    return re.sub(r"<script>.*?</script>", "<script></script>", text, flags=re.S)


# -- content ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_is_one_self_contained_file(evil_report):
    text = evil_report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in text
    assert "default-src 'none'" in text  # the CSP forbids every network request
    markup = _outside_scripts(text)
    assert not re.search(r"<(link|iframe|img|object|embed)\b", markup, re.I)
    assert not re.search(r"\b(src|href)\s*=", markup, re.I)
    assert "@import" not in markup and "url(" not in markup
    assert len(text) < 8_000_000  # plotly.js (~4.8 MB) + a month of per-minute heart rate


def test_text_from_data_is_escaped(evil_report):
    text = evil_report.read_text(encoding="utf-8")
    assert EVIL not in text and "alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # devices, sources, exercises tables
    # the exercise's hover text in plotly's JSON: HTML-escaped (plotly renders some tags), then JSON
    assert '"hovertext":["&lt;script&gt;alert(1)&lt;\\u002fscript&gt; run' in text


def test_report_window_cards_and_completeness():
    reader = FakeReader()
    data = collect(reader)
    assert (data.start, data.end) == (LAST - timedelta(days=29), LAST)
    assert data.heart_bucket == "1min"
    by_title = {c.title: c for c in cards(data)}
    rhr = reader.resting_heart_rate(data.start, data.end)["bpm"]
    assert by_title["Resting HR"].value == f"{rhr.mean():.0f}"
    steps = reader.steps(data.start, data.end)["steps"]
    assert by_title["Steps"].value == f"{steps.mean():,.0f}"
    assert f"reached on {(steps >= 10_000).sum()} of 30 days" in by_title["Steps"].detail
    # minutes asleep as the sleep summary counts them (restless and awake left out), not the stages summed
    sessions = reader.sleep_sessions(data.start, data.end)
    asleep = sessions[~sessions["nap"].fillna(False).astype(bool)].groupby("date")["minutes_asleep"].sum()
    mean = round(asleep.mean())
    assert by_title["Sleep"].value == f"{mean // 60} h {mean % 60:02d} min" and "30 nights" in by_title["Sleep"].detail
    assert by_title["HRV"].unit == "ms"
    rows = {r.label: r for r in completeness(data)}
    assert len(rows["Heart rate"].days) == 14  # the double holds two weeks of heart rate
    assert all(share == 1.0 for share, _ in rows["Heart rate"].days.values())
    assert len(rows["Steps"].days) == 30 and len(rows["Weight"].days) == 10
    assert list(rows["Exercise"].days) == [LAST]


def test_report_html_has_every_section(evil_report):
    text = evil_report.read_text(encoding="utf-8")
    for chart in ("heart", "resting-hr", "sleep", "steps", "hrv", "spo2", "breathing-rate", "skin-temperature",
                  "weight"):
        assert f'id="chart-{chart}"' in text
    for card in ("Resting HR", "Sleep", "Steps", "HRV"):
        assert f'data-card="{card}"' in text
    calendar = re.search(r'<table class="cal" id="completeness">.*?</table>', text, re.S).group(0)
    assert calendar.count("<tr data-type=") == 10
    assert calendar.count('<td class="c3"') == 14 + 30 * 7 + 10 + 1


def test_heart_rate_is_downsampled_for_long_ranges():
    assert [heart_bucket(d) for d in (1, 31, 32, 92, 93, 365)] == ["1min", "1min", "5min", "5min", "1h", "1h"]
    reader = FakeReader()
    collect(reader, LAST - timedelta(days=59), LAST)
    assert ("heart_rate", LAST - timedelta(days=59), LAST, "5min") in reader.calls


def test_empty_or_out_of_range_is_a_clear_error(tmp_path):
    with pytest.raises(NoData, match="the vault is empty"):
        build_report(FakeReader(empty=True))
    with pytest.raises(NoData, match="no data between 2020-01-01 and 2020-01-31"):
        build_report(FakeReader(), "2020-01-01", "2020-01-31")


@pytest.mark.slow
def test_report_command(monkeypatch, tmp_path):
    from fitvault.cli import plot, report  # noqa: F401 - registers the commands
    from fitvault.cli.main import cli

    monkeypatch.setattr("fitvault.cli.report.open_reader", lambda app: FakeReader())
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--from", "2026-11-01", "--to", "2026-11-20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "1 Nov – 20 Nov 2026" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "not an .html file" in result.output
    assert CliRunner().invoke(cli, ["report"]).exit_code == 2  # --out is required


# -- in a real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    executable = chromium_executable("the report")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path: Path):
    """Open ``path``; returns the page and what it did: requests, console errors, dialogs."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"requests": [], "errors": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: m.type in ("error", "assert") and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))",
        timeout=30_000)
    return page, seen


def _pixels(png: bytes) -> np.ndarray:
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


@pytest.mark.slow
def test_report_in_headless_chromium(browser, evil_report):
    page, seen = open_page(browser, evil_report)
    try:
        shot = _pixels(page.screenshot(full_page=True))
        assert shot.std() > 0.05, "the screenshot is blank"
        rgb = (shot * 255).astype(np.uint32)
        assert len(np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])) > 100  # colours, not a flat page
        charts = page.locator(".plotly-graph-div").count()
        assert charts == 9
        assert page.locator("#chart-heart .scatterlayer .trace").count() >= 2  # band and mean
        # escaped text shows as text, and never ran
        assert EVIL in page.locator("#sources").inner_text()
        assert EVIL in page.locator("#exercises").inner_text()
        assert seen["dialogs"] == []
        # zoom on heart rate: a drag narrows the x range; the mode bar offers pan
        before = page.evaluate("() => document.getElementById('chart-heart')._fullLayout.xaxis.range.slice()")
        box = page.locator("#chart-heart .nsewdrag").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.6, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.8, y, steps=5)
        page.mouse.up()
        page.wait_for_function(f"() => document.getElementById('chart-heart')._fullLayout.xaxis.range[0] "
                               f"!== {before[0]!r}", timeout=5_000)
        assert page.locator('#chart-heart .modebar-btn[data-val="pan"]').count() == 1
        assert seen["errors"] == [], seen["errors"]
        assert seen["requests"] == [evil_report.resolve().as_uri()], seen["requests"]
    finally:
        page.close()


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory) -> Path:
    """Three days of the simulator's person, synced into a real vault."""
    from fitvault.demo import run_demo

    vault = tmp_path_factory.mktemp("demo") / "vault"
    assert not run_demo(vault, days=3).report.incomplete
    return vault


@pytest.mark.slow
def test_every_plot_of_a_demo_vault_through_the_real_reader(demo_vault, tmp_path):
    import fitvault
    from fitvault.plots import KINDS, Plotter

    with fitvault.open(demo_vault) as vault:
        plot = Plotter(vault)
        tables = vault.tables()
        source = {"heart": ["heart_rate"], "resting-hr": ["resting_heart_rate"], "steps": ["daily_steps", "steps"],
                  "hrv": ["daily_hrv"], "spo2": ["daily_spo2"], "breathing-rate": ["daily_breathing_rate"],
                  "skin-temperature": ["daily_skin_temperature"], "weight": ["weight"], "sleep": ["sleep_sessions"]}
        for kind in KINDS:
            last = tables.loc[source[kind], "last"].max().date()
            try:
                fig = plot.figure(kind)
            except NoData:
                assert kind == "weight", f"{kind}: no data in the demo vault"
                continue
            ax = fig.axes[0]
            assert ax.get_ylabel() and ax.get_title(loc="left")
            hi = pd.Timestamp(ax.get_xlim()[1], unit="D").normalize().date()
            assert hi == last + timedelta(days=1), kind  # the window ends on the kind's last day with data
        night = plot.hypnogram()
        assert night.axes[0].get_ylabel() == "Sleep stage"


@pytest.mark.slow
def test_report_of_a_demo_vault_in_chromium(browser, demo_vault):
    """End to end: the simulator's vault, `fitvault report`, Chromium."""
    from fitvault.cli import plot, report  # noqa: F401 - registers the commands
    from fitvault.cli.main import cli

    vault = demo_vault
    out = vault.parent / "report.html"
    result = CliRunner().invoke(cli, ["--vault", str(vault), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["--vault", str(vault), "plot", "heart", "--out", str(vault.parent / "h.svg")])
    assert result.exit_code == 0, result.output
    page, seen = open_page(browser, out)
    try:
        assert page.locator("#chart-heart .main-svg").count() >= 1
        assert "—" not in page.locator('[data-card="Resting HR"] .value').inner_text()
        assert _pixels(page.screenshot()).std() > 0.05
        assert seen["errors"] == [] and seen["dialogs"] == []
        assert seen["requests"] == [out.resolve().as_uri()]
    finally:
        page.close()


@pytest.mark.slow
def test_dates_in_report_header_follow_the_window():
    text = build_report(FakeReader(), date(2026, 11, 14), date(2026, 11, 20))
    assert "<title>fitvault report · 14 Nov – 20 Nov 2026</title>" in text
