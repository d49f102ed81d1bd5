"""Resting heart rate: daily values, a 7-day rolling mean and the personal range."""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots._trend import trend_figure


def resting_hr_figure(frame: pd.DataFrame, *, start: date, end: date) -> Figure:
    """Resting heart rate over ``start`` .. ``end`` from ``resting_heart_rate()`` (column ``bpm``).

    The personal range is the mean ± 2 SD of the previous 30 days (see
    :func:`fitvault.plots._trend.personal_range`); pass a frame that starts 30 days before
    ``start`` to have it from the first day.
    """
    return trend_figure(frame, "bpm", start=start, end=end, title="Resting heart rate",
                        ylabel="Resting heart rate (bpm)", label="Resting HR", show_personal_range=True)
