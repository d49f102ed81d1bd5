"""What every plot shares: the style, a figure on the Agg canvas, date axes, windows, saving.

A public module: the HTML report (``fitvault.report``) draws its charts with the same wall-clock
axes, gap breaking and date formats, so the two never disagree about where a day starts.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas attached, never through
``pyplot``: no GUI backend is ever touched, no global figure registry fills up, and
``matplotlib.rcParams`` are never changed (the style is applied with :func:`style`, a
``rc_context``, while a figure is built and while it is saved).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fitvault.errors import ConfigError, FitvaultError

#: The rc settings of every fitvault figure (applied inside a ``rc_context`` only).
STYLE: dict[str, object] = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}

#: Colour-blind-safe colours (Okabe & Ito) used across plots.
COLORS = {
    "line": "#0072B2",
    "mean": "#D55E00",
    "band": "#56B4E9",
    "goal": "#009E73",
    "muted": "#999999",
    "above": "#D55E00",
    "below": "#0072B2",
}

FIGSIZE = (10.0, 4.5)


class NoData(FitvaultError):
    """There is nothing to plot or report in the requested window (or in the vault at all)."""

    exit_code = 1


@contextlib.contextmanager
def style() -> Iterator[None]:
    """fitvault's plot style, for the duration of the ``with`` block only."""
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]  # the stubs want a Literal of every rc key
        yield


def new_figure(figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """A figure with one axes on an Agg canvas, laid out with constrained layout.

    Call inside :func:`style`.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    return fig, ax


def as_date(value: str | date | datetime | pd.Timestamp | None) -> date | None:
    """A calendar date from a str, date, datetime or Timestamp (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return pd.Timestamp(value).date()
    if isinstance(value, datetime):  # also pd.Timestamp; its wall-clock date, not converted
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"not a date: {value!r}")


def day_start(d: date) -> datetime:
    """Local midnight starting ``d`` (a naive datetime: wall-clock time)."""
    return datetime(d.year, d.month, d.day)


def window_limits(start: date, end: date) -> tuple[datetime, datetime]:
    """The x limits that show whole days ``start`` .. ``end`` inclusive."""
    return day_start(start), day_start(end) + timedelta(days=1)


def date_axis(ax: Axes, start: date, end: date, *, xlabel: str | None = "Local date") -> None:
    """Concise date ticks (no overlapping labels) and x limits covering ``start`` .. ``end``."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))
    lo, hi = window_limits(start, end)
    ax.set_xlim(lo, hi)  # type: ignore[arg-type]  # datetimes are converted by the date units (stubs: float)
    if xlabel:
        ax.set_xlabel(xlabel)


def naive_index(values) -> pd.DatetimeIndex:
    """Wall-clock times without a zone: a zone, if any, is dropped and each time kept as it reads."""
    idx = pd.DatetimeIndex(values)
    return idx.tz_localize(None) if idx.tz is not None else idx


def wall_clock(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """The local wall-clock time of each row of a timed frame: its ``local_time`` column, else its index."""
    return naive_index(frame["local_time"] if "local_time" in frame.columns else frame.index)


def naive_times(values) -> np.ndarray:
    """Wall-clock times as ``datetime64`` (what matplotlib's date converter takes directly)."""
    return naive_index(values).to_numpy(dtype="datetime64[ms]")


def day_centres(dates) -> np.ndarray:
    """Noon of each date, so that a day's point or bar sits in the middle of its day."""
    return naive_times(pd.DatetimeIndex(dates).normalize() + pd.Timedelta(hours=12))


def daily_series(frame: pd.DataFrame, column: str, start: date, end: date) -> pd.Series:
    """One value per day ``start`` .. ``end``, NaN where a day has none (so lines break at gaps).

    ``frame`` is a daily frame (index ``date``); several rows on one date are averaged.
    """
    values = pd.to_numeric(frame[column], errors="coerce")
    values.index = pd.DatetimeIndex(frame.index).normalize()
    values = values.groupby(level=0).mean()
    full = pd.date_range(day_start(start), day_start(end), freq="D")
    return values.reindex(full)


def format_day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def format_range(start: date, end: date) -> str:
    """``21 Oct – 19 Nov 2026`` (or one day)."""
    if start == end:
        return format_day(start)
    if start.year == end.year:
        return f"{start.day} {start:%b} – {format_day(end)}"
    return f"{format_day(start)} – {format_day(end)}"


def break_gaps(x: np.ndarray, y: np.ndarray, max_gap: np.timedelta64) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where consecutive times jump by more than ``max_gap`` or go backwards.

    A line is then drawn only across real data: an unworn hour, or a wall clock that repeats an
    hour (DST ends, or a flight west), is not bridged by a straight segment.
    """
    if len(x) < 2:
        return x, y
    step = np.diff(x)
    cut = np.flatnonzero((step > max_gap) | (step < np.timedelta64(0, "ms"))) + 1
    if not len(cut):
        return x, y
    x2 = np.insert(x, cut, x[cut - 1] + np.timedelta64(1, "ms"))
    y2 = np.insert(y.astype(float), cut, np.nan)
    return x2, y2


def legend(ax: Axes, *, title: str | None = None, extra: tuple = ()) -> None:
    """The legend below the axes, in one row, where it can never hide data.

    ``extra``: legend-only handles (e.g. a ``Patch`` naming a bar colour).
    """
    handles, labels = ax.get_legend_handles_labels()
    handles += list(extra)
    labels += [h.get_label() for h in extra]
    if not handles:
        return
    leg = ax.figure.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 4),
                           title=title, title_fontsize=9)
    if title:
        leg.get_title().set_color("#555555")


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG or SVG, chosen by the file's extension (``.png`` / ``.svg``)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ConfigError(f"cannot tell the image format from {path.name!r}: use a .png or .svg file name")
    with style():
        fig.savefig(path, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None})
    return path
