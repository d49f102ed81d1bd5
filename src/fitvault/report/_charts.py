"""The report's interactive charts: Plotly figures rendered as ``<div>`` + inline script.

Times go to Plotly as epoch milliseconds of the *wall-clock* time (``local_time`` read as if it
were UTC): Plotly's date axes do no time-zone conversion on numbers, so the axis shows local
time exactly as lived, across DST changes and travel. Every string that comes from data is
HTML-escaped before Plotly sees it (Plotly renders a few tags such as ``<b>`` or ``<a>`` in
labels and hover text).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from fitvault.plots.base import break_gaps, day_centres, naive_times, wall_clock
from fitvault.plots.heart import ZONE_COLORS, contiguous, default_zones
from fitvault.plots.sleep import STAGE_COLORS, stage_name
from fitvault.report._data import ReportData

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
_BLUE, _ORANGE, _GREEN, _GREY = "#0072B2", "#D55E00", "#009E73", "#888888"
CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"]}


def _day_ms(index) -> np.ndarray:
    """Noon of each date (bars and points sit mid-day) as wall-clock epoch ms."""
    return day_centres(index).astype("int64").astype(float)


def _range_ms(data: ReportData) -> list[float]:
    lo = pd.Timestamp(data.start)
    hi = pd.Timestamp(data.end) + pd.Timedelta(days=1)
    return [float(lo.value // 1_000_000), float(hi.value // 1_000_000)]


def _layout(fig: go.Figure, data: ReportData, ytitle: str, *, height: int = 320) -> go.Figure:
    fig.update_layout(
        template="plotly_white", height=height, margin=dict(l=64, r=24, t=16, b=40),
        font=dict(family=_FONT, size=13), hovermode="x unified",
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
    )
    fig.update_xaxes(type="date", range=_range_ms(data), title_text=None, showline=True, linecolor="#999")
    fig.update_yaxes(title_text=ytitle, showline=True, linecolor="#999", zeroline=False)
    return fig


def to_div(fig: go.Figure, div_id: str) -> str:
    """The figure as a ``<div>`` and its inline script (plotly.js itself is inlined once per page)."""
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, config=CONFIG, div_id=div_id,
                       validate=True)


def heart_chart(data: ReportData) -> go.Figure | None:
    """Heart rate: bucket means (per minute for a month) and the hourly min–max band, zones shaded,
    exercises marked. Drag to zoom, double-click to reset, the mode bar pans."""
    if data.heart is None:
        return None
    f = data.heart.dropna(subset=["bpm_mean"])
    x = naive_times(wall_clock(f))
    order = np.argsort(x, kind="stable")
    x, y = x[order], f["bpm_mean"].to_numpy(dtype=float)[order]
    step = pd.Timedelta(data.heart_bucket).to_timedelta64().astype("timedelta64[ms]")
    xb, yb = break_gaps(x, y, step * 3)
    fig = go.Figure()
    if data.heart_hourly is not None:
        bx, by = _band_polygons(data.heart_hourly)
        fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line=dict(width=0), fill="toself",
                                 fillcolor="rgba(86,180,233,0.35)", name="Hourly min–max", hoverinfo="skip"))
    word = {"1min": "Per-minute", "5min": "5-minute", "1h": "Hourly"}.get(data.heart_bucket, data.heart_bucket)
    fig.add_trace(go.Scatter(x=xb.astype("int64").astype(float), y=yb, mode="lines", name=f"{word} mean",
                             line=dict(color=_BLUE, width=1.2),
                             hovertemplate="%{y:.0f} bpm<extra></extra>"))
    zones = contiguous(data.zones or default_zones()[0])
    for z in zones:
        fig.add_hrect(y0=z.min_bpm, y1=z.max_bpm, fillcolor=ZONE_COLORS.get(z.name.upper(), "#eee"), opacity=0.35,
                      line_width=0, layer="below")
    if data.exercises is not None:
        ex = data.exercises
        start = naive_times(wall_clock(ex))
        if "end" in ex.columns:
            seconds = (pd.DatetimeIndex(ex["end"]) - pd.DatetimeIndex(ex.index)).total_seconds().to_numpy()
        else:
            seconds = np.zeros(len(ex))
        names = [_exercise_name(r) for _, r in ex.iterrows()]
        for s0, sec in zip(start, seconds):
            fig.add_vrect(x0=float(s0.astype("int64")), x1=float(s0.astype("int64") + sec * 1000),
                          fillcolor=_GREEN, opacity=0.18, line_width=0, layer="below")
        top = float(np.nanmax(y)) if len(y) else 100.0
        fig.add_trace(go.Scatter(x=start.astype("int64").astype(float), y=[top + 4] * len(start), mode="markers",
                                 marker=dict(symbol="triangle-down", size=10, color=_GREEN), name="Exercise",
                                 hovertext=names, hovertemplate="%{hovertext}<extra></extra>"))
    _layout(fig, data, "Heart rate (bpm)", height=400)
    fig.update_layout(hovermode="closest", dragmode="zoom")
    fig.update_xaxes(rangeselector=dict(buttons=[
        dict(count=1, label="1 day", step="day", stepmode="backward"),
        dict(count=7, label="7 days", step="day", stepmode="backward"),
        dict(step="all", label="all"),
    ]))
    ylo = np.nanmin(f["bpm_mean"]) if data.heart_hourly is None else np.nanmin(data.heart_hourly["bpm_min"])
    yhi = np.nanmax(f["bpm_mean"]) if data.heart_hourly is None else np.nanmax(data.heart_hourly["bpm_max"])
    fig.update_yaxes(range=[max(0, ylo - 5), yhi + 8])
    return fig


def _band_polygons(hourly: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The hourly min–max band as closed polygons, one per run of consecutive hours, NaN-separated
    (Plotly's ``fill="toself"`` closes each segment of a trace on its own)."""
    h = hourly.dropna(subset=["bpm_min", "bpm_max"])
    x = naive_times(wall_clock(h))
    order = np.argsort(x, kind="stable")
    x = x[order].astype("int64").astype(float)
    lo, hi = h["bpm_min"].to_numpy(dtype=float)[order], h["bpm_max"].to_numpy(dtype=float)[order]
    cuts = np.flatnonzero((np.diff(x) > 2 * 3_600_000) | (np.diff(x) <= 0)) + 1
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for seg in np.split(np.arange(len(x)), cuts):
        if len(seg) < 2:
            continue
        xs += [x[seg], x[seg][::-1], np.array([np.nan])]
        ys += [hi[seg], lo[seg][::-1], np.array([np.nan])]
    if not xs:
        return np.array([]), np.array([])
    return np.concatenate(xs), np.concatenate(ys)


def _exercise_name(row: pd.Series) -> str:
    name = next((str(row[c]) for c in ("display_name", "exercise_type", "name") if c in row and pd.notna(row[c])
                 and str(row[c])), "Exercise")
    extra = []
    if "active_duration_s" in row and pd.notna(row["active_duration_s"]):
        extra.append(f"{row['active_duration_s'] / 60:.0f} min")
    if "avg_hr_bpm" in row and pd.notna(row["avg_hr_bpm"]):
        extra.append(f"avg {row['avg_hr_bpm']:.0f} bpm")
    return html.escape(name) + (" · " + ", ".join(extra) if extra else "")


def daily_line_chart(data: ReportData, frame: pd.DataFrame | None, column: str, ytitle: str, name: str, *,
                     band: tuple[str, str] | None = None, scale: float = 1.0, rolling: int = 7,
                     sparse: bool = False) -> go.Figure | None:
    """A daily metric: the values, a 7-day mean, and optionally a per-day band.

    ``sparse`` (weigh-ins): points are joined across empty days and the mean takes any value.
    """
    if frame is None or column not in frame:
        return None
    values = pd.to_numeric(frame[column], errors="coerce") * scale
    values.index = pd.DatetimeIndex(frame.index).normalize()
    values = values.groupby(level=0).mean()
    full = values.reindex(pd.date_range(pd.Timestamp(data.start), pd.Timestamp(data.end), freq="D"))
    if full.notna().sum() == 0:
        return None
    x = _day_ms(full.index)
    fig = go.Figure()
    if band and band[0] in frame and band[1] in frame:
        lo = pd.to_numeric(frame[band[0]], errors="coerce").groupby(pd.DatetimeIndex(frame.index).normalize()).mean()
        hi = pd.to_numeric(frame[band[1]], errors="coerce").groupby(pd.DatetimeIndex(frame.index).normalize()).mean()
        fig.add_trace(go.Scatter(x=x, y=lo.reindex(full.index).to_numpy(), mode="lines", line=dict(width=0),
                                 showlegend=False, hoverinfo="skip", line_shape="hvh"))
        fig.add_trace(go.Scatter(x=x, y=hi.reindex(full.index).to_numpy(), mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor="rgba(86,180,233,0.30)", name="Night's range",
                                 hoverinfo="skip", line_shape="hvh"))
    fig.add_trace(go.Scatter(x=x, y=full.to_numpy(), mode="lines+markers", name=name, connectgaps=sparse,
                             line=dict(color=_BLUE, width=1.2), marker=dict(size=5)))
    fig.add_trace(go.Scatter(x=x, y=full.rolling(rolling, min_periods=1 if sparse else min(3, rolling)).mean().to_numpy(),
                             mode="lines", name=f"{rolling}-day mean", line=dict(color=_ORANGE, width=2.5)))
    return _layout(fig, data, ytitle)


def sleep_chart(data: ReportData) -> go.Figure | None:
    """Hours in each stage, stacked, one bar per night (the local date of waking)."""
    if data.sleep_nights is None:
        return None
    nights = data.sleep_nights
    fig = go.Figure()
    x = _day_ms(nights.index)
    for stage in nights.columns:
        fig.add_trace(go.Bar(x=x, y=nights[stage].to_numpy(dtype=float) / 60, name=stage_name(stage),
                             marker_color=STAGE_COLORS.get(stage, _GREY),
                             hovertemplate=f"{stage_name(stage)} %{{y:.2f}} h<extra></extra>"))
    fig.update_layout(barmode="stack", bargap=0.15)
    return _layout(fig, data, "Time in stage (hours)")


def steps_chart(data: ReportData) -> go.Figure | None:
    if data.steps is None or "steps" not in data.steps:
        return None
    steps = pd.to_numeric(data.steps["steps"], errors="coerce")
    steps.index = pd.DatetimeIndex(data.steps.index).normalize()
    steps = steps.groupby(level=0).sum(min_count=1).dropna()
    goal = data.steps_goal
    colors = [_GREEN if v >= goal else _BLUE for v in steps.to_numpy()]
    fig = go.Figure(go.Bar(x=_day_ms(steps.index), y=steps.to_numpy(dtype=float), marker_color=colors, name="Steps",
                           hovertemplate="%{y:,.0f} steps<extra></extra>"))
    fig.add_hline(y=goal, line_dash="dash", line_color="#333", annotation_text=f"goal {goal:,}",
                  annotation_position="top right", annotation_bgcolor="rgba(255,255,255,0.85)")
    return _layout(fig, data, "Steps per day")


def skin_chart(data: ReportData) -> go.Figure | None:
    f = data.skin
    if f is None:
        return None
    rel = f["relative_c"] if "relative_c" in f else pd.Series(np.nan, index=f.index)
    if {"nightly_c", "baseline_c"} <= set(f.columns):
        rel = rel.fillna(f["nightly_c"] - f["baseline_c"])
    rel = pd.to_numeric(rel, errors="coerce").dropna()
    if rel.empty:
        return None
    fig = go.Figure(go.Bar(x=_day_ms(rel.index), y=rel.to_numpy(dtype=float), name="vs baseline",
                           marker_color=[_ORANGE if v >= 0 else _BLUE for v in rel.to_numpy()],
                           hovertemplate="%{y:+.2f} °C<extra></extra>"))
    return _layout(fig, data, "Skin temp. vs baseline (°C)")


def all_charts(data: ReportData) -> list[tuple[str, str, str, go.Figure]]:
    """``(id, title, caption, figure)`` of every chart that has data, in page order."""
    charts = [
        ("heart", "Heart rate", "Drag to zoom, scroll to zoom, double-click to reset; the pan tool is in the "
         "bar above the chart. Shaded: heart-rate zones; green: exercises.", heart_chart(data)),
        ("resting-hr", "Resting heart rate", "Daily value and 7-day mean.",
         daily_line_chart(data, data.resting_hr, "bpm", "Resting HR (bpm)", "Resting HR")),
        ("sleep", "Sleep stages", "Minutes in each stage per night, naps excluded; a night is the local date "
         "the sleep ends on.", sleep_chart(data)),
        ("steps", "Steps", "Daily totals; green bars reached the goal.", steps_chart(data)),
        ("hrv", "Heart-rate variability", "Nightly average RMSSD.",
         daily_line_chart(data, data.hrv, "average_hrv_ms", "HRV (ms)", "Nightly HRV")),
        ("spo2", "Blood oxygen (SpO2)", "Nightly average and the night's range.",
         daily_line_chart(data, data.spo2, "average_pct", "SpO2 (%)", "Nightly average",
                          band=("lower_bound_pct", "upper_bound_pct"))),
        ("breathing-rate", "Breathing rate", "Average breathing rate during sleep.",
         daily_line_chart(data, data.breathing, "breaths_per_min", "Breaths/min", "Nightly rate")),
        ("skin-temperature", "Skin temperature", "Nightly skin temperature minus the personal baseline.",
         skin_chart(data)),
        ("weight", "Weight", "Daily mean of the day's measurements.",
         daily_line_chart(data, data.weight, "weight_kg", "Weight (kg)", "Weight", sparse=True)),
    ]
    return [c for c in charts if c[3] is not None]

