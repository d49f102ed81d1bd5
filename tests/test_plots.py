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

ROOT = Path(__file__).resolve().parents[1]

# -- frames shaped like fitvault.query's ------------------------------------------------------------

OFFSET = -5 * 3600  # UTC-5
LAST = date(2026, 11, 20)


def _timed(local: pd.DatetimeIndex, offset_s, index_name: str) -> pd.DataFrame:
    """An index of UTC instants with ``utc_offset_s`` and ``local_time`` for naive wall-clock times."""
    offsets = np.broadcast_to(np.asarray(offset_s), (len(local),)).astype(int)
    utc = (local - pd.to_timedelta(offsets, unit="s")).tz_localize("UTC")
    return pd.DataFrame({"utc_offset_s": offsets, "local_time": local}, index=pd.DatetimeIndex(utc, name=index_name))


def heart_samples(first: date, last: date, step_s: int = 60, offset_s=OFFSET) -> pd.DataFrame:
    """One sample every ``step_s`` seconds of wall-clock time, 55..150 bpm in a daily wave."""
    local = pd.date_range(pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1), freq=f"{step_s}s",
                          inclusive="left")
    f = _timed(local, offset_s, "time")
    hours = (local.hour + local.minute / 60).to_numpy()
    f["bpm"] = (60 + 30 * np.clip(np.sin((hours - 6) / 24 * 2 * np.pi), 0, None) + (hours.astype(int) == 18) * 60)
    f["bpm"] = f["bpm"].round().astype(int)
    f["device"] = "Pixel Watch 3"
    return f[["bpm", "utc_offset_s", "local_time", "device"]]


def heart_resampled(samples: pd.DataFrame, rule: str) -> pd.DataFrame:
    g = samples.groupby(samples["local_time"].dt.floor(rule))["bpm"]
    out = pd.DataFrame({"bpm_mean": g.mean(), "bpm_min": g.min(), "bpm_max": g.max(), "samples": g.size()})
    out.index.name = "local_time"
    return out


def daily(first: date, last: date, **columns) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D"), name="date")
    n = len(idx)
    return pd.DataFrame({k: (v(np.arange(n)) if callable(v) else v) for k, v in columns.items()}, index=idx)


STAGED_NIGHT = [("LIGHT", 20), ("DEEP", 45), ("LIGHT", 30), ("REM", 25), ("AWAKE", 5), ("LIGHT", 60), ("DEEP", 30),
                ("REM", 40), ("LIGHT", 50), ("AWAKE", 8), ("REM", 35), ("LIGHT", 40)]


def sleep_frames(first: date, last: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nights ``first`` .. ``last`` (each from 23:10 the evening before) and a 13:00 nap each day."""
    sessions, stages = [], []
    for i, night in enumerate(pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")):
        t = night - pd.Timedelta(hours=1, minutes=50)
        sid = f"s{i}"
        per = {}
        for stage, minutes in STAGED_NIGHT:
            minutes = minutes + (i % 3) * (stage == "DEEP")
            stages.append({"local": t, "session_id": sid, "kind": "stage", "stage": stage, "seconds": minutes * 60})
            per[stage] = per.get(stage, 0) + minutes
            t = t + pd.Timedelta(minutes=minutes)
        stages.append({"local": night + pd.Timedelta(hours=2), "session_id": sid, "kind": "short_awakening",
                       "stage": "AWAKE", "seconds": 60})
        start = night - pd.Timedelta(hours=1, minutes=50)
        sessions.append({"local": start, "id": sid, "end_local": t, "main_sleep": True, "nap": False, **per})
        nap = night + pd.Timedelta(hours=13)
        sessions.append({"local": nap, "id": f"n{i}", "end_local": nap + pd.Timedelta(minutes=30), "main_sleep": False,
                         "nap": True, "LIGHT": 30})
    s = pd.DataFrame(sessions)
    sf = _timed(pd.DatetimeIndex(s["local"]), OFFSET, "start")
    sf["id"] = s["id"].to_numpy()
    sf["end"] = (pd.DatetimeIndex(s["end_local"]) - pd.Timedelta(seconds=OFFSET)).tz_localize("UTC")
    sf["date"] = pd.DatetimeIndex(s["end_local"]).normalize()
    sf["main_sleep"], sf["nap"] = s["main_sleep"].to_numpy(), s["nap"].to_numpy()
    for stage in ("DEEP", "LIGHT", "REM", "AWAKE"):
        sf[f"{stage.lower()}_minutes"] = s.get(stage, pd.Series(np.nan, index=s.index)).fillna(0).to_numpy()
    sf["minutes_asleep"] = sf[["deep_minutes", "light_minutes", "rem_minutes"]].sum(axis=1)
    st = pd.DataFrame(stages)
    tf = _timed(pd.DatetimeIndex(st["local"]), OFFSET, "start")
    for c in ("session_id", "kind", "stage", "seconds"):
        tf[c] = st[c].to_numpy()
    tf["end"] = tf.index + pd.to_timedelta(tf["seconds"], unit="s")
    return sf, tf


class FakeReader:
    """A stand-in for ``fitvault.query.VaultReader`` holding fixed frames; honours start/end."""

    def __init__(self, first: date = LAST - timedelta(days=119), last: date = LAST, *, empty: bool = False,
                 zones: bool = True, device: str = "Pixel Watch 3") -> None:
        self.first, self.last, self.empty = first, last, empty
        hr_first = last - timedelta(days=13)
        self._hr = heart_samples(hr_first, last)
        self._hr["device"] = device
        self._daily = {
            "resting_heart_rate": daily(first, last, bpm=lambda i: 58 + (i % 7) - (i // 30)),
            "daily_hrv": daily(first, last, average_hrv_ms=lambda i: 40 + 5 * np.sin(i / 5)),
            "daily_spo2": daily(first, last, average_pct=lambda i: 96 + (i % 3) * 0.5,
                                lower_bound_pct=lambda i: 93 + (i % 3) * 0.5, upper_bound_pct=lambda i: 99.0 + i * 0),
            "breathing_rate": daily(first, last, breaths_per_min=lambda i: 14 + (i % 4) * 0.3),
            "skin_temperature": daily(first, last, nightly_c=lambda i: 33.5 + np.sin(i / 3) * 0.6,
                                      baseline_c=33.5 + 0 * np.arange(1), relative_c=lambda i: np.sin(i / 3) * 0.6),
            "steps": daily(first, last, steps=lambda i: 6000 + (i % 10) * 900),
        }
        self._sessions, self._stages = sleep_frames(first, last)
        w = pd.DatetimeIndex(pd.date_range(pd.Timestamp(first) + pd.Timedelta(hours=7), pd.Timestamp(last)
                                           + pd.Timedelta(hours=7), freq="3D"))
        self._weight = _timed(w, OFFSET, "time")
        self._weight["weight_g"] = 72000 + np.arange(len(w)) * 20.0
        self._zones = daily(last - timedelta(days=2), last, zone="LIGHT", min_bpm=92, max_bpm=110)
        if zones:
            z = []
            for name, lo, hi in (("LIGHT", 92, 110), ("MODERATE", 110, 128), ("VIGOROUS", 128, 156),
                                 ("PEAK", 156, 185)):
                z.append(daily(last - timedelta(days=2), last, zone=name, min_bpm=lo, max_bpm=hi))
            self._zones = pd.concat(z).sort_index()
        else:
            self._zones = pd.DataFrame(columns=["zone", "min_bpm", "max_bpm"], index=pd.DatetimeIndex([], name="date"))
        self.devices_frame = pd.DataFrame({"device_version": [device], "device_type": ["WATCH"],
                                           "battery_level": [80]}, index=pd.Index(["d1"], name="id"))
        self.sources_frame = pd.DataFrame({"origin": ["google-health-api"], "device": [device],
                                           "manufacturer": ["Google"], "platform": ["FITBIT"]},
                                          index=pd.Index([1], name="id"))
        self.calls: list[tuple] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    # -- helpers
    def _cut(self, frame: pd.DataFrame, start, end, by) -> pd.DataFrame:
        if self.empty:
            return frame.iloc[0:0]
        days = by(frame)
        keep = np.ones(len(frame), bool)
        if start is not None:
            keep &= days >= pd.Timestamp(start)
        if end is not None:
            keep &= days <= pd.Timestamp(end)
        return frame[keep]

    @staticmethod
    def _by_index(f):
        return pd.DatetimeIndex(f.index).normalize()

    @staticmethod
    def _by_local(f):
        return pd.DatetimeIndex(f["local_time"]).normalize()

    # -- the API used by plots and the report
    def heart_rate(self, start=None, end=None, tz=None, resample=None):
        self.calls.append(("heart_rate", start, end, resample))
        f = self._cut(self._hr, start, end, self._by_local)
        return heart_resampled(f, resample) if resample else f

    def heart_rate_zones(self, start=None, end=None, tz=None):
        return self._cut(self._zones, start, end, self._by_index)

    def resting_heart_rate(self, start=None, end=None, tz=None):
        return self._cut(self._daily["resting_heart_rate"], start, end, self._by_index)

    def daily_hrv(self, start=None, end=None, tz=None):
        return self._cut(self._daily["daily_hrv"], start, end, self._by_index)

    def daily_spo2(self, start=None, end=None, tz=None):
        return self._cut(self._daily["daily_spo2"], start, end, self._by_index)

    def breathing_rate(self, start=None, end=None, tz=None):
        return self._cut(self._daily["breathing_rate"], start, end, self._by_index)

    def skin_temperature(self, start=None, end=None, tz=None):
        return self._cut(self._daily["skin_temperature"], start, end, self._by_index)

    def steps(self, start=None, end=None, tz=None, freq="1D"):
        return self._cut(self._daily["steps"], start, end, self._by_index)

    def weight(self, start=None, end=None, tz=None, convert=False):
        return self._cut(self._weight, start, end, self._by_local)

    def sleep_sessions(self, start=None, end=None, tz=None):
        return self._cut(self._sessions, start, end, lambda f: pd.DatetimeIndex(f["date"]))

    def sleep_stages(self, start=None, end=None, tz=None):
        return self._cut(self._stages, start, end, self._by_local)

    def tables(self):
        """The catalogue: index ``table``; ``rows``, ``first``, ``last`` (local dates)."""
        frames = {"heart_rate": pd.DatetimeIndex(self._hr["local_time"]),
                  "resting_heart_rate": self._daily["resting_heart_rate"].index,
                  "daily_steps": self._daily["steps"].index}
        rows = {name: (0, pd.NaT, pd.NaT) if self.empty else (len(idx), idx.min().normalize(), idx.max().normalize())
                for name, idx in frames.items()}
        return pd.DataFrame(rows.values(), columns=["rows", "first", "last"], index=pd.Index(rows, name="table"))

    def devices(self):
        return self.devices_frame.iloc[0:0] if self.empty else self.devices_frame

    def sources(self):
        return self.sources_frame.iloc[0:0] if self.empty else self.sources_frame

    def exercises(self, start=None, end=None, tz=None):
        local = pd.DatetimeIndex([pd.Timestamp(self.last) + pd.Timedelta(hours=18)])
        f = _timed(local, OFFSET, "start")
        f["end"] = f.index + pd.Timedelta(minutes=42)
        f["exercise_type"], f["display_name"] = "RUNNING", self.devices_frame["device_version"].iloc[0] + " run"
        f["active_duration_s"], f["avg_hr_bpm"], f["calories_kcal"] = 2520.0, 151, 410.0
        return self._cut(f, start, end, self._by_local)

    def account(self):
        return {"membership_start": "2020-01-01"}


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
    frame = _timed(local, OFFSET, "time")
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


def test_every_kind_draws_from_the_reader():
    plot = Plotter(FakeReader())
    for kind in plot.kinds:
        fig = plot.figure(kind)
        assert fig.axes and fig.axes[0].get_ylabel()


# -- output ----------------------------------------------------------------------------------------


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


def test_plots_leave_rcparams_alone_and_never_import_pyplot():
    before = mpl.rcParams.copy()
    Plotter(FakeReader()).figure("steps")
    assert mpl.rcParams.copy() == before
    code = ("import sys; sys.path.insert(0, 'tests'); from test_plots import FakeReader; from fitvault.plots import "
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
