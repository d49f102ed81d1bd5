"""Steps: daily totals as bars, a 7-day mean and the goal line."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

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

#: The daily goal drawn when the vault does not know the person's own (Fitbit's default).
DEFAULT_GOAL = 10_000


def steps_figure(frame: pd.DataFrame, *, start: date, end: date, goal: int | None = DEFAULT_GOAL) -> Figure:
    """Daily step totals over ``start`` .. ``end`` from ``steps(freq="1D")`` (column ``steps``).

    One bar per day with data (days that reach ``goal`` are coloured apart); ``goal=None`` draws
    no goal line.

    Raises:
        NoData: no steps in the window.
    """
    if frame is None or frame.empty or "steps" not in frame:
        raise NoData(f"no step data between {start} and {end}")
    values = daily_series(frame, "steps", start - timedelta(days=6), end)
    shown = values.loc[pd.Timestamp(start):]
    have = shown.dropna()
    if have.empty:
        raise NoData(f"no step data between {start} and {end}")
    with style():
        fig, ax = new_figure()
        heights = have.to_numpy(dtype=float)
        colors = [COLORS["goal"] if goal and h >= goal else COLORS["line"] for h in heights]
        ax.bar(day_centres(have.index), heights, width=0.8, color=colors, label="Steps", gid="steps")
        mean = values.rolling(7, min_periods=3).mean().loc[shown.index]
        ax.plot(day_centres(shown.index), mean.to_numpy(), color=COLORS["mean"], linewidth=2.2,
                label="7-day mean", gid="rolling")
        if goal:
            ax.axhline(goal, color="#333333", linestyle="--", linewidth=1.4, label=f"Goal {goal:,}", gid="goal")
        date_axis(ax, start, end)
        ax.set_ylabel("Steps per day")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylim(0, max(np.nanmax(heights), goal or 0) * 1.12)
        ax.set_title(f"Steps, {format_range(start, end)}")
        reached = (Patch(color=COLORS["goal"], label="Goal reached"),) if goal and (heights >= goal).any() else ()
        legend(ax, extra=reached)
    return fig
