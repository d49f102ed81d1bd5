"""Skin temperature in sleep: each night's difference from the personal baseline."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots.base import COLORS, NoData, daily_series, date_axis, day_centres, format_range, new_figure, style


def skin_temperature_figure(frame: pd.DataFrame, *, start: date, end: date) -> Figure:
    """Nightly skin temperature relative to baseline over ``start`` .. ``end`` (°C).

    From ``skin_temperature()``: ``relative_c``, or ``nightly_c − baseline_c`` where that is
    missing. Bars above zero are warmer than the baseline, below zero cooler.

    Raises:
        NoData: no night in the window has a value.
    """
    if frame is None or frame.empty:
        raise NoData(f"no skin-temperature data between {start} and {end}")
    f = frame.copy()
    if "relative_c" not in f:
        f["relative_c"] = np.nan
    if {"nightly_c", "baseline_c"} <= set(f.columns):
        f["relative_c"] = f["relative_c"].fillna(f["nightly_c"] - f["baseline_c"])
    have = daily_series(f, "relative_c", start, end).dropna()
    if have.empty:
        raise NoData(f"no skin-temperature data between {start} and {end}")
    with style():
        fig, ax = new_figure()
        heights = have.to_numpy(dtype=float)
        colors = [COLORS["above"] if h >= 0 else COLORS["below"] for h in heights]
        ax.bar(day_centres(have.index), heights, width=0.8, color=colors, gid="relative")
        ax.axhline(0, color="#333333", linewidth=1, gid="baseline")
        date_axis(ax, start, end)
        ax.set_ylabel("Skin temperature vs baseline (°C)")
        lim = max(0.5, float(np.nanmax(np.abs(heights))) * 1.15)
        ax.set_ylim(-lim, lim)
        ax.set_title(f"Skin temperature in sleep, {format_range(start, end)}")
    return fig
