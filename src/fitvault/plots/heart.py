"""Heart rate: one day's samples, or a longer range as bucket means with a min–max band.

The x axis is the local wall-clock time of each record (``local_time``: the record's own UTC
offset, so DST and travel come out as the person lived them). Heart-rate zones are shaded
behind the data: the person's own zones (``heart_rate_zones``) when the vault has them, else the
age-based defaults of :func:`default_zones`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from fitvault.plots.base import (
    COLORS,
    NoData,
    break_gaps,
    date_axis,
    format_range,
    legend,
    naive_times,
    new_figure,
    style,
    wall_clock,
)

#: Age assumed for the default zones when the vault does not know the person's age.
DEFAULT_AGE = 40

#: Default zones as fractions of the age-predicted maximum heart rate (220 − age), named like
#: the Google Health API's ``heartRateZoneType``.
DEFAULT_ZONE_FRACTIONS: tuple[tuple[str, float, float], ...] = (
    ("LIGHT", 0.50, 0.60),
    ("MODERATE", 0.60, 0.70),
    ("VIGOROUS", 0.70, 0.85),
    ("PEAK", 0.85, 1.00),
)

ZONE_COLORS = {
    "LIGHT": "#FFF3B0",
    "MODERATE": "#FFD38A",
    "VIGOROUS": "#FFA46B",
    "PEAK": "#F76E5C",
    # the legacy Fitbit names, should a vault hold them
    "FAT_BURN": "#FFD38A",
    "CARDIO": "#FFA46B",
}


@dataclass(frozen=True)
class Zone:
    """A heart-rate zone: ``name`` from ``min_bpm`` to ``max_bpm``."""

    name: str
    min_bpm: float
    max_bpm: float


def default_zones(age: int | None = None) -> tuple[list[Zone], str]:
    """Age-based zones and a note saying how they were made.

    Maximum heart rate = 220 − age (``DEFAULT_AGE`` when unknown); LIGHT 50–60 %, MODERATE
    60–70 %, VIGOROUS 70–85 %, PEAK 85–100 % of it.
    """
    used = age if age and 5 <= age <= 120 else DEFAULT_AGE
    hr_max = 220 - used
    zones = [Zone(name, round(lo * hr_max), round(hi * hr_max)) for name, lo, hi in DEFAULT_ZONE_FRACTIONS]
    how = f"age {used}" if used == age else f"age {used} assumed"
    return zones, f"zones: defaults for {how} (max HR 220 − age = {hr_max} bpm)"


def zones_from_frame(frame: pd.DataFrame | None, end: date | None = None) -> list[Zone]:
    """The zones in force on ``end`` (the latest set on or before it) from ``heart_rate_zones()``.

    An empty list when the frame has none.
    """
    if frame is None or frame.empty or not {"zone", "min_bpm", "max_bpm"} <= set(frame.columns):
        return []
    f = frame.dropna(subset=["min_bpm", "max_bpm"])
    dates = pd.DatetimeIndex(f.index).normalize()
    if end is not None and (dates <= pd.Timestamp(end)).any():
        keep = dates <= pd.Timestamp(end)
        f, dates = f[keep], dates[keep]
    if f.empty:
        return []
    latest = f[dates == dates.max()].drop_duplicates(subset="zone")  # two devices: one set
    return sorted((Zone(str(r.zone), float(r.min_bpm), float(r.max_bpm)) for r in latest.itertuples()),
                  key=lambda z: z.min_bpm)


def _is_resampled(frame: pd.DataFrame) -> bool:
    return "bpm_mean" in frame.columns


def heart_figure(
    frame: pd.DataFrame,
    *,
    start: date,
    end: date,
    zones: list[Zone] | None = None,
    zones_note: str = "zones: your own",
    bucket: str | None = None,
) -> Figure:
    """Heart rate over ``start`` .. ``end`` (local dates, inclusive).

    Args:
        frame: ``heart_rate()`` samples (``bpm``, ``local_time``) — drawn as a line — or a
            resampled frame (index ``local_time``; ``bpm_mean``, ``bpm_min``, ``bpm_max``) drawn
            as the mean with a min–max band.
        zones: zones to shade; ``None`` or empty: the defaults of :func:`default_zones`.
        zones_note: how the zones were obtained (shown in the legend).
        bucket: the resampling rule, for the title (``"1h"`` → "hourly").

    Raises:
        NoData: the frame is empty.
    """
    resampled = frame is not None and _is_resampled(frame)
    if frame is not None:  # a resampled frame lists empty buckets too
        frame = frame.dropna(subset=["bpm_mean" if resampled else "bpm"])
    if frame is None or frame.empty:
        raise NoData(f"no heart-rate data between {start} and {end}")
    if not zones:
        zones, zones_note = default_zones()
    with style():
        fig, ax = new_figure()
        if resampled:
            f = frame
            x = naive_times(wall_clock(f))
            order = np.argsort(x, kind="stable")
            x = x[order]
            step = _bucket_timedelta(bucket, x)
            lo = f["bpm_min"].to_numpy(dtype=float)[order]
            hi = f["bpm_max"].to_numpy(dtype=float)[order]
            mean = f["bpm_mean"].to_numpy(dtype=float)[order]
            xb, lo_b = break_gaps(x, lo, step * 2)
            _, hi_b = break_gaps(x, hi, step * 2)
            _, mean_b = break_gaps(x, mean, step * 2)
            ax.fill_between(xb, lo_b, hi_b, color=COLORS["band"], alpha=0.35, linewidth=0,
                            label=f"{_bucket_word(bucket).capitalize()} min–max", gid="band")
            ax.plot(xb, mean_b, color=COLORS["line"], linewidth=1.4, label=f"{_bucket_word(bucket).capitalize()} mean",
                    gid="mean")
            y_lo, y_hi = np.nanmin(lo), np.nanmax(hi)
            what = f"{_bucket_word(bucket)} means with min–max band"
        else:
            f = frame
            x = naive_times(wall_clock(f))
            y = f["bpm"].to_numpy(dtype=float)
            xb, yb = break_gaps(x, y, np.timedelta64(5, "m"))
            ax.plot(xb, yb, color=COLORS["line"], linewidth=0.8, label="Heart rate", gid="samples")
            y_lo, y_hi = np.nanmin(y), np.nanmax(y)
            what = f"{len(f):,} samples"
        pad = max(5.0, (y_hi - y_lo) * 0.06)
        ax.set_ylim(max(0.0, y_lo - pad), y_hi + pad)
        _shade_zones(ax, zones)
        date_axis(ax, start, end, xlabel="Local time")
        ax.set_ylabel("Heart rate (bpm)")
        ax.set_title(f"Heart rate, {format_range(start, end)} ({what})")
        legend(ax, title=f"Shaded: heart-rate {zones_note}")
    return fig


def contiguous(zones: list[Zone]) -> list[Zone]:
    """Zones sorted, each reaching up to the next one's lower bound (the API's integer bounds
    leave 1-bpm gaps: 96–108, 109–134 ...), so the shading has no white seams."""
    zones = sorted(zones, key=lambda z: z.min_bpm)
    return [Zone(z.name, z.min_bpm, max(z.max_bpm, nxt.min_bpm)) if nxt is not None else z
            for z, nxt in zip(zones, [*zones[1:], None])]


def _shade_zones(ax, zones: list[Zone]) -> None:
    """Shade each zone's band behind the data and name it at the right edge (when visible)."""
    y_lo, y_hi = ax.get_ylim()
    edge = blended_transform_factory(ax.transAxes, ax.transData)
    for zone in contiguous(zones):
        color = ZONE_COLORS.get(zone.name.upper(), "#EEEEEE")
        ax.axhspan(zone.min_bpm, zone.max_bpm, color=color, alpha=0.45, linewidth=0, zorder=0,
                   gid=f"zone-{zone.name}")
        lo, hi = max(zone.min_bpm, y_lo), min(zone.max_bpm, y_hi)
        if hi - lo >= (y_hi - y_lo) * 0.04:
            ax.text(1.005, (lo + hi) / 2, zone.name.title(), transform=edge, va="center", ha="left",
                    fontsize=9, color="#555555", gid=f"zone-label-{zone.name}")


def _bucket_word(bucket: str | None) -> str:
    return {"1min": "per-minute", "1h": "hourly", "1D": "daily", "5min": "5-minute", "15min": "15-minute"}.get(
        bucket or "", f"{bucket} bucket" if bucket else "bucket")


def _bucket_timedelta(bucket: str | None, x: np.ndarray) -> np.timedelta64:
    if bucket:
        try:
            return pd.Timedelta(pd.tseries.frequencies.to_offset(bucket)).to_timedelta64().astype("timedelta64[ms]")
        except (ValueError, TypeError):
            pass
    if len(x) > 1:
        return np.median(np.diff(x))
    return np.timedelta64(1, "h")
