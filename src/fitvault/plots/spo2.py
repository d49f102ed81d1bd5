"""Blood oxygen saturation: the nightly average with the night's lower–upper range."""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from fitvault.plots._trend import trend_figure


def spo2_figure(frame: pd.DataFrame, *, start: date, end: date) -> Figure:
    """Nightly SpO2 over ``start`` .. ``end`` from ``daily_spo2()`` (``average_pct``, bounds shaded)."""
    return trend_figure(frame, "average_pct", start=start, end=end, title="Blood oxygen (SpO2)",
                        ylabel="SpO2, nightly average (%)", label="Nightly average",
                        band=("lower_bound_pct", "upper_bound_pct", "Night's range"))
