"""Body weight: each day's mean measurement and a 7-day trend."""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots._trend import trend_figure
from fitvault.plots.base import NoData


def daily_weight_kg(frame: pd.DataFrame) -> pd.DataFrame:
    """A daily frame (index ``date``, column ``weight_kg``) from ``weight()`` measurements.

    Measurements are grouped by their local date (``local_time``); a day's value is its mean.
    Accepts ``weight_g`` or, from ``weight(convert=True)``, ``weight_kg``.
    """
    if frame is None or frame.empty:
        return pd.DataFrame({"weight_kg": []}, index=pd.DatetimeIndex([], name="date"))
    kg = frame["weight_kg"] if "weight_kg" in frame else frame["weight_g"] / 1000.0
    when = frame["local_time"] if "local_time" in frame else frame.index.to_series()
    days = pd.DatetimeIndex(when).normalize()
    if days.tz is not None:
        days = days.tz_localize(None)
    daily = pd.to_numeric(kg, errors="coerce").groupby(days.to_numpy()).mean()
    return pd.DataFrame({"weight_kg": daily.to_numpy()}, index=pd.DatetimeIndex(daily.index, name="date"))


def weight_figure(frame: pd.DataFrame, *, start: date, end: date) -> Figure:
    """Weight over ``start`` .. ``end`` (kg) from ``weight()`` measurements."""
    daily = daily_weight_kg(frame)
    if daily.empty:
        raise NoData(f"no weight data between {start} and {end}")
    return trend_figure(daily, "weight_kg", start=start, end=end, title="Weight", ylabel="Weight (kg)",
                        label="Daily mean", sparse=True)
