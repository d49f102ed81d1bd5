"""Plots: each figure's content (labels, units, extents, data), drawn from frames shaped like the
pandas API's, and the `fitvault plot` command on a reader double."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from support.plots import (
    LAST,
    OFFSET,
    STAGED_NIGHT,
    FakeReader,
    daily,
    heart_resampled,
    heart_samples,
    sleep_frames,
    timed,
)

from fitvault.plots import (
    NoData,
    Plotter,
    breathing_rate_figure,
    default_zones,
    heart_figure,
    hrv_figure,
    hypnogram_figure,
    resting_hr_figure,
    save_figure,
    skin_temperature_figure,
    sleep_nights_figure,
    spo2_figure,
    steps_figure,
    weight_figure,
)
from fitvault.plots.heart import Zone, zones_from_frame

ROOT = Path(__file__).resolve().parents[2]



# -- helpers ---------------------------------------------------------------------------------------


def ax_of(fig):
    return fig.axes[0]


def by_gid(ax, gid, kind="lines"):
    found = [a for a in getattr(ax, kind) if a.get_gid() == gid]
    assert found, f"no {kind} artist with gid {gid!r}: {[a.get_gid() for a in getattr(ax, kind)]}"
    return found[0]


def fig_legend_title(ax):
    return ax.figure.legends[0].get_title().get_text()


def xlim_dates(ax):
    lo, hi = ax.get_xlim()
    return mdates.num2date(lo).replace(tzinfo=None), mdates.num2date(hi).replace(tzinfo=None)


def assert_covers(ax, start: date, end: date):
    lo, hi = xlim_dates(ax)
    assert lo <= pd.Timestamp(start) and hi >= pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    assert hi - lo <= pd.Timedelta(days=(end - start).days + 2)


def assert_ticks_do_not_overlap(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [t.get_window_extent(renderer) for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            for a, b in zip(boxes, boxes[1:]):
                assert not a.overlaps(b), f"tick labels overlap: {a} {b}"


def bars(ax, gid):
    containers = [c for c in ax.containers if c.patches and c.patches[0].get_gid() == gid]
    assert containers, f"no bar container {gid!r}: {[c.patches[0].get_gid() for c in ax.containers]}"
    return containers[0]


# -- heart -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_heart_one_day_draws_every_sample_in_local_time_with_zones():
    day = LAST
    frame = heart_samples(day, day)
    zones = [Zone("LIGHT", 92, 110), Zone("MODERATE", 110, 128), Zone("VIGOROUS", 128, 156), Zone("PEAK", 156, 185)]
    fig = heart_figure(frame, start=day, end=day, zones=zones)
    ax = ax_of(fig)
    assert ax.get_ylabel() == "Heart rate (bpm)" and ax.get_xlabel() == "Local time"
    line = by_gid(ax, "samples")
    y = np.asarray(line.get_ydata(), float)
    np.testing.assert_array_equal(y[np.isfinite(y)], frame["bpm"].to_numpy(float))
    x = mdates.date2num(line.get_xdata())
    # local wall clock, not UTC: the first sample is at local midnight
    assert mdates.num2date(np.nanmin(x)).replace(tzinfo=None) == pd.Timestamp(day)
    assert_covers(ax, day, day)
    for z in zones:
        patch = by_gid(ax, f"zone-{z.name}", "patches")
        assert (patch.get_y(), patch.get_y() + patch.get_height()) == (z.min_bpm, z.max_bpm)
    assert [t.get_text() for t in ax.texts] == ["Light", "Moderate"]  # zones named where visible (data up to 120)
    assert_ticks_do_not_overlap(fig)


def test_heart_range_draws_means_with_a_min_max_band():
    first, last = LAST - timedelta(days=6), LAST
    frame = heart_resampled(heart_samples(first, last), "1h")
    fig = heart_figure(frame, start=first, end=last, bucket="1h")
    ax = ax_of(fig)
    mean = np.asarray(by_gid(ax, "mean").get_ydata(), float)
    np.testing.assert_allclose(mean[np.isfinite(mean)], frame["bpm_mean"].to_numpy())
    band = by_gid(ax, "band", "collections")
    ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    assert ys.min() == frame["bpm_min"].min() and ys.max() == frame["bpm_max"].max()
    assert "hourly" in ax.get_title(loc="left")
    assert_covers(ax, first, last)
    assert_ticks_do_not_overlap(fig)


def test_heart_with_only_empty_buckets_is_no_data():
    frame = heart_resampled(heart_samples(LAST, LAST), "1h")
    frame[["bpm_mean", "bpm_min", "bpm_max"]] = np.nan
    with pytest.raises(NoData, match="no heart-rate data between"):
        heart_figure(frame, start=LAST, end=LAST, bucket="1h")


def test_heart_default_zones_are_age_based_and_documented():
    zones, note = default_zones(None)
    assert [z.name for z in zones] == ["LIGHT", "MODERATE", "VIGOROUS", "PEAK"]
    assert zones[-1].max_bpm == 180 and "age 40 assumed" in note
    zones, note = default_zones(30)
    assert zones[0].min_bpm == 95 and zones[-1].max_bpm == 190 and "age 30" in note
    fig = heart_figure(heart_samples(LAST, LAST), start=LAST, end=LAST)
    ax = ax_of(fig)
    by_gid(ax, "zone-PEAK", "patches")
    assert "age 40 assumed" in fig_legend_title(ax)


def test_heart_does_not_bridge_gaps_or_repeated_wall_clock_hours():
    frame = heart_samples(LAST, LAST)
    frame = frame[(frame["local_time"].dt.hour < 10) | (frame["local_time"].dt.hour >= 12)]  # two hours unworn
    y = np.asarray(by_gid(ax_of(heart_figure(frame, start=LAST, end=LAST)), "samples").get_ydata(), float)
    assert np.isnan(y).sum() == 1


def test_zone_shading_has_no_seams_between_integer_bounds():
    zones = [Zone("MODERATE", 109, 134), Zone("LIGHT", 96, 108), Zone("PEAK", 161, 190)]
    ax = ax_of(heart_figure(heart_samples(LAST, LAST), start=LAST, end=LAST, zones=zones))
    spans = {n: (p.get_y(), p.get_y() + p.get_height()) for n in ("LIGHT", "MODERATE", "PEAK")
             for p in [by_gid(ax, f"zone-{n}", "patches")]}
    assert spans == {"LIGHT": (96, 109), "MODERATE": (109, 161), "PEAK": (161, 190)}


def test_zones_from_frame_takes_the_latest_set_on_or_before_the_end():
    z = pd.concat([
        daily(date(2026, 1, 1), date(2026, 1, 1), zone="PEAK", min_bpm=150, max_bpm=180),
        daily(date(2026, 2, 1), date(2026, 2, 1), zone="PEAK", min_bpm=155, max_bpm=185),
    ])
    assert zones_from_frame(z, date(2026, 1, 15)) == [Zone("PEAK", 150, 180)]
    assert zones_from_frame(z, None) == [Zone("PEAK", 155, 185)]
    assert zones_from_frame(None) == []


# -- daily trends ----------------------------------------------------------------------------------


def test_resting_hr_daily_values_rolling_mean_and_personal_range():
    first, last = LAST - timedelta(days=89), LAST
    frame = daily(first - timedelta(days=30), last, bpm=lambda i: 55 + (i % 5))
    fig = resting_hr_figure(frame, start=first, end=last)
    ax = ax_of(fig)
    assert ax.get_ylabel() == "Resting heart rate (bpm)"
    y = np.asarray(by_gid(ax, "daily").get_ydata(), float)
    np.testing.assert_array_equal(y, frame.loc[pd.Timestamp(first):, "bpm"].to_numpy(float))
    assert len(y) == 90
    rolling = np.asarray(by_gid(ax, "rolling").get_ydata(), float)
    expected = frame["bpm"].rolling(7, min_periods=3).mean().loc[pd.Timestamp(first):].to_numpy()
    np.testing.assert_allclose(rolling, expected)
    band = by_gid(ax, "personal-range", "collections")
    assert "Personal range" in band.get_label()
    assert_covers(ax, first, last)
    assert_ticks_do_not_overlap(fig)


def test_daily_line_breaks_on_missing_days():
    frame = daily(LAST - timedelta(days=9), LAST, bpm=lambda i: 60 + i)
    frame = frame.drop(frame.index[4])
    y = np.asarray(by_gid(ax_of(resting_hr_figure(frame, start=LAST - timedelta(days=9), end=LAST)), "daily")
                   .get_ydata(), float)
    assert len(y) == 10 and np.isnan(y[4]) and np.isfinite(y).sum() == 9


@pytest.mark.parametrize("figure, column, ylabel", [
    (hrv_figure, "average_hrv_ms", "HRV, nightly RMSSD (ms)"),
    (breathing_rate_figure, "breaths_per_min", "Breathing rate in sleep (breaths/min)"),
    (spo2_figure, "average_pct", "SpO2, nightly average (%)"),
])
def test_daily_trends_label_units_and_plot_the_values(figure, column, ylabel):
    first, last = LAST - timedelta(days=29), LAST
    frame = daily(first, last, **{column: lambda i: 40 + (i % 9) * 0.5, "lower_bound_pct": lambda i: 38.0 + i * 0,
                                  "upper_bound_pct": lambda i: 50.0 + i * 0})
    ax = ax_of(figure(frame, start=first, end=last))
    assert ax.get_ylabel() == ylabel
    np.testing.assert_allclose(np.asarray(by_gid(ax, "daily").get_ydata(), float), frame[column].to_numpy())
    assert_covers(ax, first, last)
    if figure is spo2_figure:
        ys = np.concatenate([p.vertices[:, 1] for p in by_gid(ax, "band", "collections").get_paths()])
        assert (ys.min(), ys.max()) == (38.0, 50.0)


def test_skin_temperature_bars_are_the_difference_from_baseline():
    first, last = LAST - timedelta(days=13), LAST
    frame = daily(first, last, nightly_c=lambda i: 33 + i * 0.1, baseline_c=lambda i: 33.5 + i * 0)
    ax = ax_of(skin_temperature_figure(frame, start=first, end=last))
    heights = [r.get_height() for r in bars(ax, "relative")]
    np.testing.assert_allclose(heights, (frame["nightly_c"] - frame["baseline_c"]).to_numpy())
    assert ax.get_ylabel() == "Skin temperature vs baseline (°C)"
    assert_covers(ax, first, last)


def test_weight_is_daily_kilograms_from_gram_measurements():
    first, last = LAST - timedelta(days=29), LAST
    local = pd.DatetimeIndex([pd.Timestamp(first) + pd.Timedelta(hours=7), pd.Timestamp(first) + pd.Timedelta(hours=20),
                              pd.Timestamp(last) + pd.Timedelta(hours=7)])
    frame = timed(local, OFFSET, "time")
    frame["weight_g"] = [70000.0, 71000.0, 69500.0]
    ax = ax_of(weight_figure(frame, start=first, end=last))
    y = np.asarray(by_gid(ax, "daily").get_ydata(), float)
    np.testing.assert_allclose(y, [70.5, 69.5])  # one value per local day, the day's mean
    assert ax.get_ylabel() == "Weight (kg)"
    assert_covers(ax, first, last)


# -- steps -----------------------------------------------------------------------------------------


def test_steps_one_bar_per_day_and_the_goal_line():
    first, last = LAST - timedelta(days=29), LAST
    frame = daily(first, last, steps=lambda i: 5000 + i * 300)
    ax = ax_of(steps_figure(frame, start=first, end=last))
    rects = bars(ax, "steps")
    assert len(rects) == 30
    np.testing.assert_array_equal([r.get_height() for r in rects], frame["steps"].to_numpy())
    goal = by_gid(ax, "goal")
    assert list(goal.get_ydata()) == [10_000, 10_000] and "10,000" in goal.get_label()
    assert ax.get_ylabel() == "Steps per day"
    assert_covers(ax, first, last)
    ax2 = ax_of(steps_figure(frame, start=first, end=last, goal=None))
    assert not [line for line in ax2.lines if line.get_gid() == "goal"]


# -- sleep -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sleep_range_stacks_minutes_per_stage_one_bar_per_night_dated_by_the_end():
    sessions, _ = sleep_frames(LAST - timedelta(days=6), LAST)
    fig = sleep_nights_figure(sessions, start=LAST - timedelta(days=6), end=LAST)
    ax = ax_of(fig)
    main = sessions[~sessions["nap"]]
    for stage in ("DEEP", "LIGHT", "REM", "AWAKE"):
        rects = bars(ax, f"stage-{stage}")
        assert len(rects) == 7  # one bar per night, naps not counted
        np.testing.assert_allclose([r.get_height() for r in rects], main[f"{stage.lower()}_minutes"].to_numpy() / 60)
    # the night of the 20th began at 22:10 on the 19th: its bar sits on the 20th
    last_bar = bars(ax, "stage-DEEP")[-1]
    centre = mdates.num2date(last_bar.get_x() + last_bar.get_width() / 2).replace(tzinfo=None)
    assert centre.date() == LAST
    assert ax.get_ylabel() == "Time in stage (hours)"
    assert ax.get_xlabel() == "Night (local date of waking)"
    assert_covers(ax, LAST - timedelta(days=6), LAST)
    assert_ticks_do_not_overlap(fig)


def test_hypnogram_of_one_night():
    _, stages = sleep_frames(LAST, LAST)
    fig = hypnogram_figure(stages, night=LAST)
    ax = ax_of(fig)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Deep", "Light", "REM", "Awake"]
    for stage in ("DEEP", "LIGHT", "REM", "AWAKE"):
        rects = bars(ax, f"stage-{stage}")
        expected = [m for s, m in STAGED_NIGHT if s == stage]
        assert len(rects) == len(expected)  # short awakenings are not stage segments
        np.testing.assert_allclose([r.get_width() * 24 * 60 for r in rects], expected, rtol=1e-6)
    lo, hi = xlim_dates(ax)
    assert lo <= pd.Timestamp(LAST) - pd.Timedelta(hours=1, minutes=50) and hi >= pd.Timestamp(LAST) + pd.Timedelta(hours=4, minutes=38)
    assert ax.get_xlabel() == "Local time"
    assert "night of 20 Nov 2026" in ax.get_title(loc="left")
    assert_ticks_do_not_overlap(fig)


# -- the Plotter over a reader ---------------------------------------------------------------------


@pytest.mark.slow
def test_plotter_default_windows_end_on_the_last_day_with_data():
    plot = Plotter(FakeReader())
    ax = ax_of(plot.heart())
    assert_covers(ax, LAST, LAST)
    assert by_gid(ax, "zone-VIGOROUS", "patches")  # the vault's zones
    assert "your own" in fig_legend_title(ax)
    ax = ax_of(plot.resting_hr())
    assert_covers(ax, LAST - timedelta(days=89), LAST)
    assert len(by_gid(ax, "daily").get_ydata()) == 90
    ax = ax_of(plot.sleep())
    assert len(bars(ax, "stage-DEEP")) == 30
    ax = ax_of(plot.sleep(LAST, LAST))  # one night: the hypnogram
    assert ax.get_ylabel() == "Sleep stage"
    assert ax_of(plot.hypnogram()).get_title(loc="left") == ax.get_title(loc="left")


def test_the_default_hypnogram_is_the_last_night_with_stages():
    """The night that just ended is served without stages while Google still processes it: the
    default hypnogram is then the night before, a night asked for by date still says it has none."""
    reader = FakeReader()
    last_main = reader._sessions.loc[reader._sessions["main_sleep"], "id"].iloc[-1]
    reader._stages = reader._stages[reader._stages["session_id"] != last_main]
    plot = Plotter(reader)
    assert "night of 19 Nov 2026" in ax_of(plot.hypnogram()).get_title(loc="left")
    with pytest.raises(NoData, match="no sleep stages for the night of 2026-11-20"):
        plot.hypnogram(LAST)
    reader._stages = reader._stages.iloc[:0]  # no night has stages: the last night, which says so
    with pytest.raises(NoData, match="no sleep stages for the night of 2026-11-20"):
        plot.hypnogram()


def test_plotter_heart_buckets_by_range():
    reader = FakeReader()
    plot = Plotter(reader)
    for days, rule in ((1, None), (2, "15min"), (3, "15min"), (4, "1h"), (10, "1h")):
        ax = ax_of(plot.heart(LAST - timedelta(days=days - 1), LAST))
        assert reader.calls[-1][3] == rule
        assert_covers(ax, LAST - timedelta(days=days - 1), LAST)


def test_plotter_uses_default_zones_when_the_vault_has_none():
    ax = ax_of(Plotter(FakeReader(zones=False)).heart())
    assert "age 40 assumed" in fig_legend_title(ax)


def test_plotter_no_data_is_a_clear_error():
    plot = Plotter(FakeReader(empty=True))
    for kind in ("heart", "resting-hr", "sleep", "steps", "weight"):
        with pytest.raises(NoData, match="no .* data"):
            plot.figure(kind)
    with pytest.raises(NoData, match="between 2020-01-01 and 2020-01-31"):
        Plotter(FakeReader()).steps("2020-01-01", "2020-01-31")


@pytest.mark.slow
def test_every_kind_draws_from_the_reader():
    plot = Plotter(FakeReader())
    for kind in plot.kinds:
        fig = plot.figure(kind)
        assert fig.axes and fig.axes[0].get_ylabel()


# -- output ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_png_or_svg_by_extension(tmp_path):
    fig = steps_figure(daily(LAST - timedelta(days=9), LAST, steps=lambda i: 8000 + i), start=LAST - timedelta(days=9),
                       end=LAST)
    png = save_figure(fig, tmp_path / "s.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = save_figure(fig, tmp_path / "s.SVG").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    from fitvault.errors import ConfigError

    with pytest.raises(ConfigError, match="png or .svg"):
        save_figure(fig, tmp_path / "s.jpg")


@pytest.mark.slow
def test_plots_leave_rcparams_alone_and_never_import_pyplot():
    before = mpl.rcParams.copy()
    Plotter(FakeReader()).figure("steps")
    assert mpl.rcParams.copy() == before
    code = ("import sys; sys.path.insert(0, 'tests'); from support.plots import FakeReader; from fitvault.plots import "
            "Plotter; Plotter(FakeReader()).figure('heart').savefig('/dev/null', format='png'); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- the command ---------------------------------------------------------------------------------


def _cli(monkeypatch, reader):
    from fitvault.cli import plot, report  # noqa: F401 - registers the commands
    from fitvault.cli.main import cli

    monkeypatch.setattr("fitvault.cli.plot.open_reader", lambda app: reader)
    return cli


@pytest.mark.slow
def test_plot_command_writes_png_or_svg(monkeypatch, tmp_path):
    cli = _cli(monkeypatch, FakeReader())
    result = CliRunner().invoke(cli, ["plot", "resting-hr", "--from", "2026-10-01", "--to", "2026-10-31",
                                      "--out", str(tmp_path / "rhr.svg")])
    assert result.exit_code == 0, result.output
    assert "Resting heart rate, 1 Oct – 31 Oct 2026" in result.output
    assert (tmp_path / "rhr.svg").read_text().lstrip().startswith("<?xml")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["plot", "heart"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fitvault-heart.png").read_bytes()[:4] == b"\x89PNG"


def test_plot_command_errors_are_clear(monkeypatch, tmp_path):
    cli = _cli(monkeypatch, FakeReader(empty=True))
    result = CliRunner().invoke(cli, ["plot", "steps", "--out", str(tmp_path / "s.png")])
    assert result.exit_code == 1 and "the vault has no step data" in result.output
    assert not (tmp_path / "s.png").exists()
    result = CliRunner().invoke(cli, ["plot", "steps", "--out", str(tmp_path / "s.jpg")])
    assert result.exit_code == 2 and "neither .png nor .svg" in result.output
    result = CliRunner().invoke(cli, ["plot", "steps", "--from", "2026-11-02", "--to", "2026-11-01"])
    assert result.exit_code == 2 and "after" in result.output
    result = CliRunner().invoke(cli, ["plot", "pulse"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_plot_command_on_an_empty_vault(tmp_path):
    from fitvault.cli import plot, report  # noqa: F401
    from fitvault.cli.main import cli
    from fitvault.store.vault import Vault

    Vault(tmp_path / "v").close()
    for args in (["plot", "heart"], ["plot", "sleep"], ["report", "--out", str(tmp_path / "r.html")]):
        result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "v")] + args)
        assert result.exit_code == 1, result.output
        assert "error:" in result.output and ("no heart-rate data" in result.output or "no sleep data" in result.output
                                              or "the vault is empty" in result.output)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("name", ["plot", "report"])
def test_plot_and_report_have_help_on_every_option(name):
    from fitvault.cli import plot, report  # noqa: F401
    from fitvault.cli.main import cli

    command = cli.commands[name]
    assert command.help and len(command.help) > 20
    assert all(p.help for p in command.params if p.param_type_name == "option")
    assert CliRunner().invoke(cli, [name, "--help"]).exit_code == 0


def test_report_sleep_card_counts_minutes_asleep_as_the_summary_does_not_restless():
    """A classic night (asleep / restless / awake, as old Fitbit logs have): the card gives the
    session's minutes_asleep (Fitbit's own figure: 435 of 466 minutes in bed), not every
    non-awake stage summed (which counted 31 restless minutes as asleep)."""
    from datetime import date

    import pandas as pd

    from fitvault.plots.sleep import nightly_minutes_asleep as per_night
    from fitvault.report._data import ReportData, cards

    night = pd.DataFrame({"date": [date(2026, 3, 2), date(2026, 3, 2)], "nap": [False, True],
                          "minutes_asleep": [435, 40], "asleep_minutes": [435, 40],
                          "restless_minutes": [31, 0], "awake_minutes": [12, 2]})
    assert per_night(night).tolist() == [435.0]  # the nap is not part of the night
    data = ReportData(start=date(2026, 3, 2), end=date(2026, 3, 2), sleep_asleep=per_night(night))
    sleep = {c.title: c for c in cards(data)}["Sleep"]
    assert sleep.value == "7 h 15 min"
