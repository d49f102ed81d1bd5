"""Plots straight from a vault: :class:`Plotter` reads frames through the pandas API and draws them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from fitvault.errors import ConfigError
from fitvault.plots._trend import LOOKBACK_DAYS
from fitvault.plots.base import NoData, as_date, save_figure
from fitvault.plots.breathing_rate import breathing_rate_figure
from fitvault.plots.heart import default_zones, heart_figure, zones_from_frame
from fitvault.plots.hrv import hrv_figure
from fitvault.plots.reader import optional, table_last_date
from fitvault.plots.resting_hr import resting_hr_figure
from fitvault.plots.skin_temperature import skin_temperature_figure
from fitvault.plots.sleep import hypnogram_figure, nightly_stage_minutes, sleep_nights_figure
from fitvault.plots.spo2 import spo2_figure
from fitvault.plots.steps import DEFAULT_GOAL, steps_figure
from fitvault.plots.weight import daily_weight_kg, weight_figure

DateLike = str | date | None

#: Plot kinds (the CLI's KIND), with the days shown when no dates are given (ending on the last
#: day with data) and what they are called in messages.
KINDS: dict[str, tuple[int, str]] = {
    "heart": (1, "heart-rate"),
    "resting-hr": (90, "resting heart rate"),
    "sleep": (30, "sleep"),
    "steps": (90, "step"),
    "hrv": (90, "heart-rate variability"),
    "spo2": (90, "SpO2"),
    "breathing-rate": (90, "breathing-rate"),
    "skin-temperature": (90, "skin-temperature"),
    "weight": (90, "weight"),
}

#: Heart-rate buckets by the number of days shown: one day draws every sample.
HEART_BUCKETS: tuple[tuple[int, str | None], ...] = ((1, None), (3, "15min"), (10_000_000, "1h"))

_AGE_KEYS = ("age", "age_years")
_BIRTH_KEYS = ("birth_date", "date_of_birth", "birthday", "birth_year")
_GOAL_KEYS = ("steps_goal", "step_goal", "daily_step_goal", "goal_steps")


def heart_bucket(days: int) -> str | None:
    """The resampling rule for a heart-rate plot of ``days`` days (``None``: every sample)."""
    return next(rule for limit, rule in HEART_BUCKETS if days <= limit)


class Plotter:
    """matplotlib figures of a vault, read through its pandas API.

    ``Plotter(fitvault.open())`` (or ``reader.plot``). Every method takes ``start`` and ``end``:
    local calendar dates, inclusive (``"2026-11-01"``, :class:`datetime.date`, or ``None``).
    Without them a plot shows the most recent window that has data: heart rate the last day,
    sleep the last 30 nights, every other kind the last 90 days (or fewer, from the first day with
    data). One date (``start == end``) of
    sleep draws that night's hypnogram. Each method returns a :class:`matplotlib.figure.Figure`
    (on the Agg canvas; display it in a notebook or :func:`save` it) and raises
    :class:`~fitvault.plots.NoData` when the window has nothing to draw.
    """

    kinds = tuple(KINDS)

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    # -- one method per kind ---------------------------------------------------------------------

    def heart(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Heart rate: one day's samples, or bucket means (15 min up to 3 days, else hourly) with a min–max band."""
        s, e = self._heart_window(start, end)
        bucket = heart_bucket((e - s).days + 1)
        frame, bucket = self._heart_frame(s, e, bucket)
        if frame is None or frame.empty:
            raise NoData(f"no heart-rate data between {s} and {e}")
        zones = zones_from_frame(optional(self.reader, "heart_rate_zones", end=e), e)
        note = "zones: your own (from the vault)"
        if not zones:
            zones, note = default_zones(self._age(e))
        return heart_figure(frame, start=s, end=e, zones=zones, zones_note=note, bucket=bucket)

    def resting_hr(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Resting heart rate: daily values, 7-day mean and the personal range."""
        frame, s, e = self._daily("resting-hr", self.reader.resting_heart_rate, start, end)
        return resting_hr_figure(frame, start=s, end=e)

    def sleep(self, start: DateLike = None, end: DateLike = None, *, include_naps: bool = False) -> Figure:
        """Sleep stages stacked per night; a single night (``start == end``) as a hypnogram."""
        s0, e0 = as_date(start), as_date(end)
        if s0 is not None and s0 == e0:
            return self.hypnogram(s0)
        sessions, s, e = self._daily("sleep", self.reader.sleep_sessions, start, end, dates=_session_nights)
        return sleep_nights_figure(sessions, start=s, end=e, include_naps=include_naps)

    def hypnogram(self, night: DateLike = None) -> Figure:
        """The hypnogram of one night's main sleep (default: the last night with stages).

        The night is the local date the sleep ends on.
        """
        n = as_date(night)
        if n is None:
            n = self._last_staged_night()
        sessions = self.reader.sleep_sessions(start=n - timedelta(days=1), end=n + timedelta(days=1))
        chosen = _main_session(sessions, n)
        if chosen is None:
            raise NoData(f"no sleep on the night of {n} (the night a sleep ends on)")
        stages = self.reader.sleep_stages(start=n - timedelta(days=1), end=n + timedelta(days=1))
        if stages is not None and "session_id" in stages.columns:
            stages = stages[stages["session_id"].astype(str) == str(chosen)]
        asleep = sessions.loc[sessions["id"].astype(str) == str(chosen), "minutes_asleep"]
        return hypnogram_figure(stages, night=n, minutes_asleep=asleep.iloc[0] if len(asleep) else None)

    def _last_staged_night(self) -> date:
        """The last night whose main sleep has stages, else the last night. The night that just
        ended is served without stages for hours while Google still processes it
        (docs/facts/google-health-api.md#late-data-and-change-detection)."""
        sessions = self.reader.sleep_sessions()
        nights = _session_nights(_non_naps(sessions))
        if not len(nights):
            raise NoData("the vault has no sleep data (run `fitvault sync`)")
        stages = self.reader.sleep_stages()
        staged = set(stages["session_id"].astype(str)) if stages is not None and "session_id" in stages.columns else set()
        for n in sorted(nights, reverse=True):
            if str(_main_session(sessions, n)) in staged:
                return n
        return max(nights)

    def steps(self, start: DateLike = None, end: DateLike = None, *, goal: int | None = None) -> Figure:
        """Daily step totals with a 7-day mean and the goal line (the vault's goal, else 10,000)."""
        frame, s, e = self._daily("steps", lambda **kw: self.reader.steps(freq="1D", **kw), start, end)
        return steps_figure(frame, start=s, end=e, goal=goal or self._steps_goal())

    def hrv(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Nightly heart-rate variability (RMSSD, ms)."""
        frame, s, e = self._daily("hrv", self.reader.daily_hrv, start, end)
        return hrv_figure(frame, start=s, end=e)

    def spo2(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Nightly blood oxygen saturation (%), with the night's range."""
        frame, s, e = self._daily("spo2", self.reader.daily_spo2, start, end)
        return spo2_figure(frame, start=s, end=e)

    def breathing_rate(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Nightly breathing rate (breaths/min)."""
        frame, s, e = self._daily("breathing-rate", self.reader.breathing_rate, start, end)
        return breathing_rate_figure(frame, start=s, end=e)

    def skin_temperature(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Nightly skin temperature relative to the personal baseline (°C)."""
        frame, s, e = self._daily("skin-temperature", self.reader.skin_temperature, start, end)
        return skin_temperature_figure(frame, start=s, end=e)

    def weight(self, start: DateLike = None, end: DateLike = None) -> Figure:
        """Body weight (kg): daily means and a 7-day trend."""
        frame, s, e = self._daily("weight", self.reader.weight, start, end,
                                  dates=lambda f: daily_weight_kg(f).index)
        return weight_figure(frame, start=s, end=e)

    # -- by name ---------------------------------------------------------------------------------

    def figure(self, kind: str, start: DateLike = None, end: DateLike = None) -> Figure:
        """The figure of ``kind`` (one of :data:`KINDS`, e.g. ``"resting-hr"``)."""
        if kind not in KINDS:
            raise ConfigError(f"unknown plot kind {kind!r}; choose one of: {', '.join(KINDS)}")
        method: Callable[..., Figure] = getattr(self, kind.replace("-", "_"))
        return method(start, end)

    def save(self, kind: str, path: str | Path, start: DateLike = None, end: DateLike = None) -> Path:
        """Draw ``kind`` and write it to ``path`` (PNG or SVG by extension)."""
        return save_figure(self.figure(kind, start, end), path)

    # -- windows ---------------------------------------------------------------------------------

    def _daily(self, kind: str, fetch: Callable[..., pd.DataFrame], start: DateLike, end: DateLike,
               dates: Callable[[pd.DataFrame], Any] | None = None) -> tuple[pd.DataFrame, date, date]:
        """Fetch a day-based kind with ``LOOKBACK_DAYS`` of history before the window.

        Without ``start``/``end`` the window ends on the last day with data, so the whole
        (small) table is read once and its last date taken.
        """
        days, what = KINDS[kind]
        s, e = as_date(start), as_date(end)
        _check_order(s, e)
        if s is not None and e is not None:
            return fetch(start=s - timedelta(days=LOOKBACK_DAYS), end=e), s, e
        frame = fetch(end=e) if e is not None else fetch()
        have = [d for d in (dates or _index_dates)(frame) if s is None or d >= s]
        if frame is None or frame.empty or not have:
            where = f" from {s}" if s else (f" up to {e}" if e else "")
            raise NoData(f"the vault has no {what} data{where} (run `fitvault sync`)")
        e = e or max(have)
        # the default window starts no earlier than the data does
        s = s or max(e - timedelta(days=days - 1), min(have))
        return frame, s, e

    def _heart_window(self, start: DateLike, end: DateLike) -> tuple[date, date]:
        s, e = as_date(start), as_date(end)
        _check_order(s, e)
        if s is not None and e is not None:
            return s, e
        last = self._last_heart_date(upto=e)
        if last is None or (s is not None and last < s):
            where = f" from {s}" if s else (f" up to {e}" if e else "")
            raise NoData(f"the vault has no heart-rate data{where} (run `fitvault sync`)")
        e = e or last
        return (s or e), e

    def _last_heart_date(self, upto: date | None) -> date | None:
        """The last local date with heart rate (on or before ``upto``)."""
        last = table_last_date(self.reader, "heart_rate")
        if last is not None and (upto is None or last <= upto):
            return last
        if upto is not None:  # the last day up to ``upto``: look near it, then anywhere before it
            for lo in (upto - timedelta(days=2), None):
                frame = self.reader.heart_rate(start=lo, end=upto, resample="1D")
                have = frame.dropna(subset=["bpm_mean"]) if frame is not None and not frame.empty else None
                if have is not None and not have.empty:
                    return pd.DatetimeIndex(have.index).max().date()
            return None
        frame = self.reader.heart_rate(resample="1D")  # no catalogue: daily buckets
        have = frame.dropna(subset=["bpm_mean"]) if frame is not None and not frame.empty else None
        return pd.DatetimeIndex(have.index).max().date() if have is not None and not have.empty else None

    def _heart_frame(self, s: date, e: date, bucket: str | None) -> tuple[pd.DataFrame, str | None]:
        try:
            return self.reader.heart_rate(start=s, end=e, resample=bucket), bucket
        except ValueError:
            if bucket in (None, "1h"):
                raise
            return self.reader.heart_rate(start=s, end=e, resample="1h"), "1h"

    # -- context from the account ----------------------------------------------------------------

    def _account(self) -> dict:
        account = optional(self.reader, "account")
        return account if isinstance(account, dict) else {}

    def _age(self, on: date) -> int | None:
        account = self._account()
        for key in _AGE_KEYS:
            if account.get(key):
                try:
                    return int(float(account[key]))
                except (TypeError, ValueError):
                    pass
        for key in _BIRTH_KEYS:
            value = account.get(key)
            if not value:
                continue
            try:
                year = int(value) if str(value).isdigit() else pd.Timestamp(value).year
            except (TypeError, ValueError):
                continue
            return on.year - year
        return None

    def _steps_goal(self) -> int:
        account = self._account()
        for key in _GOAL_KEYS:
            try:
                goal = int(float(account.get(key) or 0))
            except (TypeError, ValueError):
                continue
            if goal > 0:
                return goal
        return DEFAULT_GOAL


def _check_order(s: date | None, e: date | None) -> None:
    if s is not None and e is not None and s > e:
        raise ConfigError(f"the start date {s} is after the end date {e}")


def _index_dates(frame: pd.DataFrame | None) -> list[date]:
    """The days of a daily frame that hold a measurement: a row whose numeric values are all 0 or
    missing (an export's placeholder day) does not make a window end there."""
    if frame is None or frame.empty:
        return []
    values = frame.select_dtypes("number").drop(columns=["utc_offset_s", "end_offset_s"], errors="ignore")
    if not values.empty and len(values.columns):
        frame = frame[(values.fillna(0) != 0).any(axis=1).to_numpy()]
    return sorted({d.date() for d in pd.DatetimeIndex(frame.index)})


def _non_naps(sessions: pd.DataFrame | None) -> pd.DataFrame:
    if sessions is None or sessions.empty or "nap" not in sessions.columns:
        return sessions if sessions is not None else pd.DataFrame()
    return sessions[~sessions["nap"].fillna(False).astype(bool)]


def _session_nights(sessions: pd.DataFrame | None) -> list[date]:
    if sessions is None or sessions.empty:
        return []
    return list(nightly_stage_minutes(sessions, include_naps=True).index.date)


def _main_session(sessions: pd.DataFrame | None, night: date) -> Any:
    """The id of the night's main sleep (else its longest non-nap sleep, else its longest)."""
    if sessions is None or sessions.empty:
        return None
    f = sessions[pd.to_datetime(sessions["date"]).dt.date == night]
    if f.empty:
        return None
    length = pd.DatetimeIndex(f["end"]) - pd.DatetimeIndex(f.index)
    f = f.assign(_len=length.total_seconds())
    for pick in ("main_sleep", "nap"):
        if pick in f.columns:
            flag = f[pick].fillna(False).astype(bool)
            sub = f[flag] if pick == "main_sleep" else f[~flag]
            if not sub.empty:
                f = sub
                break
    best = f.sort_values("_len").iloc[-1]
    return best["id"] if "id" in f.columns else best.name
