"""Plots of a vault as matplotlib figures (Agg only; never a GUI, never a global rcParams change).

From a vault::

    import fitvault
    from fitvault.plots import Plotter

    plot = Plotter(fitvault.open())        # also ``reader.plot``
    fig = plot.heart("2026-11-20")         # one day: every sample, zones shaded
    plot.save("resting-hr", "rhr.svg")     # PNG or SVG by extension

Or from frames shaped like the pandas API's (one module per kind: ``heart``, ``resting_hr``,
``sleep``, ``steps``, ``hrv``, ``spo2``, ``breathing_rate``, ``skin_temperature``, ``weight``),
e.g. ``heart_figure(frame, start=..., end=...)``. Defaults (documented in ``docs/plots.md``):
zones from the vault, else 220 − age (age 40 when unknown); a step goal of 10,000; a personal
range of the previous 30 days' mean ± 2 SD.
"""

from __future__ import annotations

from fitvault.plots._plotter import KINDS, Plotter, heart_bucket
from fitvault.plots.base import NoData, save_figure, style
from fitvault.plots.breathing_rate import breathing_rate_figure
from fitvault.plots.heart import Zone, default_zones, heart_figure, zones_from_frame
from fitvault.plots.hrv import hrv_figure
from fitvault.plots.resting_hr import resting_hr_figure
from fitvault.plots.skin_temperature import skin_temperature_figure
from fitvault.plots.sleep import hypnogram_figure, nightly_stage_minutes, sleep_nights_figure
from fitvault.plots.spo2 import spo2_figure
from fitvault.plots.steps import DEFAULT_GOAL, steps_figure
from fitvault.plots.weight import weight_figure

__all__ = [
    "DEFAULT_GOAL",
    "KINDS",
    "NoData",
    "Plotter",
    "Zone",
    "breathing_rate_figure",
    "default_zones",
    "heart_bucket",
    "heart_figure",
    "hrv_figure",
    "hypnogram_figure",
    "nightly_stage_minutes",
    "resting_hr_figure",
    "save_figure",
    "skin_temperature_figure",
    "sleep_nights_figure",
    "spo2_figure",
    "steps_figure",
    "style",
    "weight_figure",
    "zones_from_frame",
]
