"""Sleep: one night's hypnogram, or the time in each stage stacked per night.

A night is dated by the store's rule: the local date on which the session ends (Fitbit's
``dateOfSleep``), so a sleep from 23:30 on the 20th to 07:00 on the 21st is the night of the 21st.
"""

from __future__ import annotations

from datetime import date

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from fitvault.plots.base import (
    NoData,
    date_axis,
    day_centres,
    format_day,
    format_range,
    legend,
    naive_times,
    new_figure,
    style,
    wall_clock,
)

#: Stage colours (dark = deep, light = awake), shared with the report.
STAGE_COLORS = {
    "DEEP": "#1F2A6B",
    "LIGHT": "#3F7FD6",
    "REM": "#7FC8F8",
    "AWAKE": "#F28E2B",
    "ASLEEP": "#6A51A3",
    "RESTLESS": "#BCA9E0",
}
#: Hypnogram rows, bottom to top: staged sleep first, classic sleep's stages after.
STAGE_ORDER = ("DEEP", "LIGHT", "REM", "ASLEEP", "RESTLESS", "AWAKE")
#: ``sleep_sessions()`` column of each stage's minutes.
STAGE_COLUMNS = {
    "DEEP": "deep_minutes",
    "LIGHT": "light_minutes",
    "REM": "rem_minutes",
    "ASLEEP": "asleep_minutes",
    "RESTLESS": "restless_minutes",
    "AWAKE": "awake_minutes",
}


def stage_name(stage: str) -> str:
    """How a stage is written on a plot: ``REM``, ``Deep``, ``Light`` ..."""
    return stage if stage == "REM" else stage.title()


def stage_segments(stages: pd.DataFrame) -> pd.DataFrame:
    """The contiguous stage segments of ``sleep_stages()`` with local start and end times.

    Columns ``stage``, ``session_id``, ``local_start``, ``local_end`` (naive wall clock), sorted
    by start. Short awakenings and out-of-bed spans (other ``kind`` values) are left out.
    """
    f = stages
    if "kind" in f.columns:
        f = f[f["kind"] == "stage"]
    if f.empty:
        return pd.DataFrame(columns=["stage", "session_id", "local_start", "local_end"])
    local_start = wall_clock(f)
    if "seconds" in f.columns:
        length = pd.to_timedelta(f["seconds"].to_numpy(dtype=float), unit="s")
    else:
        length = pd.DatetimeIndex(f["end"]) - pd.DatetimeIndex(f.index)
    out = pd.DataFrame({
        "stage": f["stage"].astype(str).str.upper().to_numpy(),
        "session_id": f["session_id"].to_numpy() if "session_id" in f.columns else None,
        "local_start": local_start,
        "local_end": local_start + length,
    })
    return out.sort_values("local_start", kind="stable").reset_index(drop=True)


def hypnogram_figure(stages: pd.DataFrame, *, night: date | None = None,
                     minutes_asleep: float | None = None) -> Figure:
    """A hypnogram of one sleep session: each stage segment as a bar on its stage's row.

    Args:
        stages: ``sleep_stages()`` rows of one session (other sessions: filter first).
        night: the night's date, for the title.
        minutes_asleep: the session's ``minutes_asleep`` (``sleep_sessions()``, the figure
            ``sleep_summary()`` reports), for the title; the title leaves it out when None or
            missing. It is not summed from the stages: a classic night's RESTLESS minutes are
            not asleep, and a staged night's short awakenings are not stage segments.

    Raises:
        NoData: no stage segments.
    """
    seg = stage_segments(stages)
    if seg.empty:
        raise NoData(f"no sleep stages for the night of {night}" if night else "no sleep stages to plot")
    present = [s for s in STAGE_ORDER if s in set(seg["stage"])] + sorted(set(seg["stage"]) - set(STAGE_ORDER))
    row = {s: i for i, s in enumerate(present)}
    begin, finish = seg["local_start"].min(), seg["local_end"].max()
    with style():
        fig, ax = new_figure(figsize=(10.0, 4.0))
        for stage in present:
            part = seg[seg["stage"] == stage]
            x0 = naive_times(part["local_start"])
            widths = naive_times(part["local_end"]) - x0
            ax.barh(np.full(len(part), row[stage]), widths, left=x0, height=0.7, align="center",
                    color=STAGE_COLORS.get(stage, "#888888"), linewidth=0, gid=f"stage-{stage}")
        # a thin line through the transitions, as hypnograms are read
        xs = np.repeat(naive_times(seg["local_start"]), 2)[1:]
        xs = np.append(xs, naive_times(seg["local_end"])[-1:])
        ys = np.repeat([row[s] for s in seg["stage"]], 2).astype(float)
        ax.plot(xs, ys, color="#555555", linewidth=0.7, zorder=3, gid="transitions")
        ax.set_yticks(range(len(present)), [stage_name(s) for s in present])
        ax.set_ylim(-0.6, len(present) - 0.4)
        ax.grid(axis="y", visible=False)
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        pad = (finish - begin) * 0.02
        ax.set_xlim(begin - pad, finish + pad)
        ax.set_xlabel("Local time")
        ax.set_ylabel("Sleep stage")
        when = night or finish.date()
        asleep = "" if minutes_asleep is None or pd.isna(minutes_asleep) else f", {_hm(float(minutes_asleep))} asleep"
        ax.set_title(f"Sleep, night of {format_day(when)}: {begin:%H:%M} – {finish:%H:%M}{asleep}")
    return fig


def _nights(sessions: pd.DataFrame) -> pd.DatetimeIndex:
    """Each session's night: its ``date`` (the local date of its end), else its end's date."""
    if "date" in sessions.columns:
        return pd.DatetimeIndex(pd.to_datetime(sessions["date"])).normalize()
    end = pd.DatetimeIndex(sessions["end"])
    return (end.tz_localize(None) if end.tz is not None else end).normalize()


def nightly_stage_minutes(sessions: pd.DataFrame, *, include_naps: bool = False) -> pd.DataFrame:
    """Minutes per stage per night (index: the night's date) from ``sleep_sessions()``.

    Sessions are summed per ``date`` (the local date of the session's end); naps are left out
    unless ``include_naps``. A night without stage minutes (stages not computed) shows its
    ``minutes_asleep`` as ``ASLEEP``. Columns: the stages of :data:`STAGE_ORDER` that occur.
    """
    f = sessions
    if not include_naps and "nap" in f.columns:
        f = f[~f["nap"].fillna(False).astype(bool)]
    if f.empty:
        return pd.DataFrame()
    nights = _nights(f)
    cols = {stage: pd.to_numeric(f[c], errors="coerce").to_numpy() if c in f.columns else np.full(len(f), np.nan)
            for stage, c in STAGE_COLUMNS.items()}
    minutes = pd.DataFrame(cols, index=nights)
    if "minutes_asleep" in f.columns:
        none = minutes.fillna(0).sum(axis=1) == 0
        minutes.loc[none, "ASLEEP"] = pd.to_numeric(f["minutes_asleep"], errors="coerce").to_numpy()[none.to_numpy()]
    per_night = minutes.groupby(level=0).sum(min_count=1)
    keep = [s for s in STAGE_ORDER if per_night[s].fillna(0).gt(0).any()]
    return per_night[keep].fillna(0)


def nightly_minutes_asleep(sessions: pd.DataFrame) -> pd.Series:
    """Minutes asleep per night (index: the night's date, as in :func:`nightly_stage_minutes`):
    the sessions' own ``minutes_asleep`` (the sleep summary's figure, which leaves restless and
    awake minutes out), summed over the night's non-nap sessions; nights without it are left out."""
    if "minutes_asleep" not in sessions.columns:
        return pd.Series(dtype="float64")
    f = sessions
    if "nap" in f.columns:
        f = f[~f["nap"].fillna(False).astype(bool)]
    nights = _nights(f)
    asleep = pd.Series(pd.to_numeric(f["minutes_asleep"], errors="coerce").to_numpy(), index=nights)
    return asleep.groupby(level=0).sum(min_count=1).dropna()


def sleep_nights_figure(sessions: pd.DataFrame, *, start: date, end: date, include_naps: bool = False) -> Figure:
    """Time in each stage, stacked, one bar per night over ``start`` .. ``end`` (hours on the y axis).

    Raises:
        NoData: no night in the window.
    """
    per_night = nightly_stage_minutes(sessions, include_naps=include_naps) if sessions is not None else pd.DataFrame()
    if not per_night.empty:
        per_night = per_night.loc[pd.Timestamp(start):pd.Timestamp(end)]
    if per_night.empty:
        raise NoData(f"no sleep between {start} and {end}")
    x = day_centres(per_night.index)
    with style():
        fig, ax = new_figure()
        bottom = np.zeros(len(per_night))
        for stage in per_night.columns:
            hours = per_night[stage].to_numpy(dtype=float) / 60.0
            ax.bar(x, hours, width=0.8, bottom=bottom, color=STAGE_COLORS.get(stage, "#888888"),
                   label=stage_name(stage), gid=f"stage-{stage}")
            bottom += hours
        date_axis(ax, start, end, xlabel="Night (local date of waking)")
        ax.set_ylabel("Time in stage (hours)")
        ax.yaxis.set_major_locator(MultipleLocator(1 if bottom.max() <= 12 else 2))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} h"))
        ax.set_ylim(0, max(bottom.max() * 1.15, 1))
        ax.set_title(f"Sleep stages per night, {format_range(start, end)}")
        legend(ax)
    return fig


def _hm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60} h {m % 60:02d} min"

