"""Breathing rate during sleep: nightly values, a 7-day mean and the personal range."""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots._trend import trend_figure


def breathing_rate_figure(frame: pd.DataFrame, *, start: date, end: date) -> Figure:
    """Nightly breathing rate over ``start`` .. ``end`` from ``breathing_rate()`` (``breaths_per_min``)."""
    return trend_figure(frame, "breaths_per_min", start=start, end=end, title="Breathing rate",
                        ylabel="Breathing rate in sleep (breaths/min)", label="Nightly rate",
                        show_personal_range=True)
