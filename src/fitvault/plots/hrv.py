"""Heart-rate variability: the nightly average RMSSD, a 7-day mean and the personal range."""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots._trend import trend_figure


def hrv_figure(frame: pd.DataFrame, *, start: date, end: date) -> Figure:
    """Nightly HRV over ``start`` .. ``end`` from ``daily_hrv()`` (column ``average_hrv_ms``)."""
    return trend_figure(frame, "average_hrv_ms", start=start, end=end, title="Heart-rate variability",
                        ylabel="HRV, nightly RMSSD (ms)", label="Nightly HRV", show_personal_range=True)
