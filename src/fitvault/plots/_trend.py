"""The daily-trend figure most metrics share: one value per day, a rolling mean, optional bands."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots.base import (
    COLORS,
    NoData,
    daily_series,
    date_axis,
    day_centres,
    format_range,
    legend,
    new_figure,
    style,
)

#: Days of history before the window that rolling means and the personal range look back on.
LOOKBACK_DAYS = 30
ROLLING_DAYS = 7
#: Days a personal range needs before it is drawn.
RANGE_MIN_DAYS = 7


def personal_range(values: pd.Series, days: int = LOOKBACK_DAYS) -> tuple[pd.Series, pd.Series]:
    """The personal range of each day: mean ± 2 SD of the previous ``days`` days (that day excluded).

    Needs at least :data:`RANGE_MIN_DAYS` values in the look-back; NaN otherwise.
    """
    past = values.shift(1).rolling(days, min_periods=RANGE_MIN_DAYS)
    mean, sd = past.mean(), past.std()
    return mean - 2 * sd, mean + 2 * sd


def trend_figure(
    frame: pd.DataFrame,
    column: str,
    *,
    start: date,
    end: date,
    title: str,
    ylabel: str,
    label: str = "Daily value",
    scale: float = 1.0,
    rolling: int | None = ROLLING_DAYS,
    show_personal_range: bool = False,
    band: tuple[str, str, str] | None = None,
    sparse: bool = False,
) -> Figure:
    """A daily trend over ``start`` .. ``end`` (local dates, inclusive).

    Args:
        frame: a daily frame (index ``date``); rows before ``start`` feed the rolling mean and the
            personal range only.
        column: the value column; multiplied by ``scale`` (unit conversion).
        rolling: days of the trailing rolling mean line (``None``: no line).
        show_personal_range: shade the personal range (:func:`personal_range`).
        band: ``(lower column, upper column, label)`` shaded per day (e.g. a night's SpO2 range).
        sparse: values are occasional (weigh-ins): join the points across empty days, and let the
            rolling mean use any values in its window (else it needs 3 of ``rolling`` days).

    Raises:
        NoData: no value of ``column`` falls in the window.
    """
    if frame is None or frame.empty or column not in frame:
        raise NoData(f"no {title.lower()} data between {start} and {end}")
    history_start = start - timedelta(days=LOOKBACK_DAYS)
    values = daily_series(frame, column, history_start, end) * scale
    shown = values.loc[pd.Timestamp(start):]
    if shown.notna().sum() == 0:
        raise NoData(f"no {title.lower()} data between {start} and {end}")
    x = day_centres(shown.index)
    with style():
        fig, ax = new_figure()
        if band is not None and band[0] in frame and band[1] in frame:
            lo = daily_series(frame, band[0], start, end) * scale
            hi = daily_series(frame, band[1], start, end) * scale
            ax.fill_between(x, lo.to_numpy(), hi.to_numpy(), step="mid", color=COLORS["band"], alpha=0.3, linewidth=0,
                            label=band[2], gid="band")
        if show_personal_range:
            lo, hi = personal_range(values)
            lo, hi = lo.loc[shown.index], hi.loc[shown.index]
            if lo.notna().any():
                ax.fill_between(x, lo.to_numpy(), hi.to_numpy(), color=COLORS["muted"], alpha=0.22, linewidth=0,
                                label=f"Personal range ({LOOKBACK_DAYS}-day mean ± 2 SD)", gid="personal-range")
        line = shown.dropna() if sparse else shown
        ax.plot(day_centres(line.index), line.to_numpy(), marker="o", markersize=3.5, linewidth=1,
                color=COLORS["line"], label=label, gid="daily")
        if rolling:
            mean = values.rolling(rolling, min_periods=1 if sparse else min(3, rolling)).mean().loc[shown.index]
            ax.plot(x, mean.to_numpy(), linewidth=2.2, color=COLORS["mean"], label=f"{rolling}-day mean",
                    gid="rolling")
        date_axis(ax, start, end)
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title}, {format_range(start, end)}")
        finite = shown.to_numpy()
        if np.isfinite(finite).sum() == 1:  # a single point: give the y axis some room
            v = float(np.nanmax(finite))
            ax.set_ylim(v - max(abs(v) * 0.05, 1), v + max(abs(v) * 0.05, 1))
        legend(ax)
    return fig
