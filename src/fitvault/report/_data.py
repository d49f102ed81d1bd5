"""What the report shows, read once from the vault's pandas API: frames, summaries, completeness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from fitvault.plots import NoData
from fitvault.plots.base import as_date, naive_index, wall_clock
from fitvault.plots.heart import zones_from_frame
from fitvault.plots.reader import catalogue
from fitvault.plots.sleep import nightly_minutes_asleep, nightly_stage_minutes
from fitvault.plots.steps import DEFAULT_GOAL
from fitvault.plots.weight import daily_weight_kg

#: Days the report covers when no dates are given (ending on the last day with data, starting no
#: earlier than the first).
DEFAULT_DAYS = 30


def heart_bucket(days: int) -> str:
    """Heart-rate resolution in the report: per minute up to a month, then 5 minutes, then hourly.

    Keeps the file small (a month of minutes is ~43,000 points, a few hundred kB).
    """
    if days <= 31:
        return "1min"
    if days <= 92:
        return "5min"
    return "1h"


@dataclass
class Card:
    """One summary card: a title, the headline value and a line of context."""

    title: str
    value: str
    detail: str
    unit: str = ""


@dataclass
class CompletenessRow:
    """One data type in the completeness calendar: per day, the share covered (0..1) and a note."""

    label: str
    days: dict[date, tuple[float, str]] = field(default_factory=dict)


@dataclass
class ReportData:
    start: date
    end: date
    heart: pd.DataFrame | None = None
    heart_bucket: str = "1min"
    heart_hourly: pd.DataFrame | None = None
    zones: list = field(default_factory=list)
    resting_hr: pd.DataFrame | None = None
    hrv: pd.DataFrame | None = None
    spo2: pd.DataFrame | None = None
    breathing: pd.DataFrame | None = None
    skin: pd.DataFrame | None = None
    steps: pd.DataFrame | None = None
    sleep_nights: pd.DataFrame | None = None
    sleep_asleep: pd.Series | None = None  # minutes asleep per night (the sleep summary's figure)
    weight: pd.DataFrame | None = None
    exercises: pd.DataFrame | None = None
    devices: pd.DataFrame | None = None
    sources: pd.DataFrame | None = None
    steps_goal: int = DEFAULT_GOAL

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def has_any(self) -> bool:
        frames = (self.heart, self.resting_hr, self.hrv, self.spo2, self.breathing, self.skin, self.steps,
                  self.sleep_nights, self.weight, self.exercises)
        return any(f is not None and not f.empty for f in frames)


def _get(reader: Any, method: str, **kwargs: Any) -> Any:
    """``reader.method(**kwargs)``, or ``None`` when the reader has no such method (a reader of
    an older API, or a test double): the report leaves that part out. Errors propagate."""
    call = getattr(reader, method, None)
    return None if call is None else call(**kwargs)


def _clip_daily(frame: pd.DataFrame | None, start: date, end: date) -> pd.DataFrame | None:
    if frame is None or frame.empty:
        return None
    idx = pd.DatetimeIndex(frame.index).normalize()
    out = frame[(idx >= pd.Timestamp(start)) & (idx <= pd.Timestamp(end))]
    return out if not out.empty else None


def _local_dates(frame: pd.DataFrame | None, column: str | None = None) -> list[date]:
    if frame is None or frame.empty:
        return []
    idx = naive_index(pd.to_datetime(frame[column]) if column and column in frame.columns else frame.index)
    return [d.date() for d in idx.normalize().dropna().unique()]


def first_day_with_data(reader: Any) -> date | None:
    """The first local date holding any data, from the catalogue (``None`` without one)."""
    tables = catalogue(reader)
    if tables is None or tables.empty or "first" not in tables.columns:
        return None
    first = pd.to_datetime(tables["first"]).dropna()
    return first.min().date() if not first.empty else None


def last_day_with_data(reader: Any) -> date | None:
    """The last local date holding a measurement: the latest ``last_measured`` (else ``last``) of
    the catalogue ``tables()`` (local dates), else the last day of the ``daily()`` frame or of the
    heart-rate days."""
    tables = catalogue(reader)
    if tables is not None and not tables.empty and "last" in tables.columns:
        # placeholder rows (a trailing all-zero day) are not data: the window ends on a measurement
        column = "last_measured" if "last_measured" in tables.columns else "last"
        last = pd.to_datetime(tables[column]).dropna()
        return last.max().date() if not last.empty else None
    found = _local_dates(_get(reader, "daily"))
    heart = _get(reader, "heart_rate", resample="1D")
    if heart is not None and not heart.empty:
        found += _local_dates(heart.dropna(subset=["bpm_mean"]))
    return max(found) if found else None


def collect(reader: Any, start: str | date | None = None, end: str | date | None = None) -> ReportData:
    """Read everything the report needs for ``start`` .. ``end`` (local dates, inclusive).

    Raises:
        NoData: the vault has nothing at all in the window.
    """
    s, e = as_date(start), as_date(end)
    if e is None:
        e = last_day_with_data(reader)
        if e is None:
            raise NoData("the vault is empty: nothing to report (run `fitvault sync` or `fitvault demo`)")
        if s is not None and e < s:
            raise NoData(f"no data from {s} on (the last day with data is {e})")
    if s is None:
        s = e - timedelta(days=DEFAULT_DAYS - 1)
        first = first_day_with_data(reader)
        if first is not None and s < first <= e:
            s = first
    if s > e:
        from fitvault.errors import ConfigError

        raise ConfigError(f"the start date {s} is after the end date {e}")
    data = ReportData(start=s, end=e)
    data.heart_bucket = heart_bucket((e - s).days + 1)
    data.heart = _buckets(_get(reader, "heart_rate", start=s, end=e, resample=data.heart_bucket))
    data.heart_hourly = (data.heart if data.heart_bucket == "1h" else
                         _buckets(_get(reader, "heart_rate", start=s, end=e, resample="1h")))
    data.zones = zones_from_frame(_get(reader, "heart_rate_zones", end=e), e)
    data.resting_hr = _clip_daily(_get(reader, "resting_heart_rate", start=s, end=e), s, e)
    data.hrv = _clip_daily(_get(reader, "daily_hrv", start=s, end=e), s, e)
    data.spo2 = _clip_daily(_get(reader, "daily_spo2", start=s, end=e), s, e)
    data.breathing = _clip_daily(_get(reader, "breathing_rate", start=s, end=e), s, e)
    data.skin = _clip_daily(_get(reader, "skin_temperature", start=s, end=e), s, e)
    data.steps = _clip_daily(_get(reader, "steps", start=s, end=e, freq="1D"), s, e)
    sessions = _get(reader, "sleep_sessions", start=s, end=e)
    if sessions is not None and not sessions.empty:
        data.sleep_nights = _clip_daily(nightly_stage_minutes(sessions), s, e)
        asleep = nightly_minutes_asleep(sessions)
        asleep = asleep[(asleep.index >= pd.Timestamp(s)) & (asleep.index <= pd.Timestamp(e))]
        data.sleep_asleep = asleep[asleep > 0] if (asleep > 0).any() else None
    data.weight = _clip_daily(daily_weight_kg(_get(reader, "weight", start=s, end=e)), s, e)
    data.exercises = _nonempty(_get(reader, "exercises", start=s, end=e))
    data.devices = _nonempty(_get(reader, "devices"))
    data.sources = _nonempty(_get(reader, "sources"))
    account = _get(reader, "account")
    if isinstance(account, dict):
        for key in ("steps_goal", "step_goal", "daily_step_goal"):
            try:
                if int(float(account.get(key) or 0)) > 0:
                    data.steps_goal = int(float(account[key]))
                    break
            except (TypeError, ValueError):
                continue
    if not data.has_any():
        raise NoData(f"no data between {s} and {e} (the last day with data is {last_day_with_data(reader)})")
    return data


def _nonempty(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    return frame if frame is not None and not frame.empty else None


def _buckets(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """Heart-rate buckets that hold samples (the API lists empty ones too)."""
    return _nonempty(frame.dropna(subset=["bpm_mean"])) if frame is not None else None


# -- summaries -------------------------------------------------------------------------------------


def _hm(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60} h {m % 60:02d} min"


def _latest(frame: pd.DataFrame, column: str) -> tuple[float, date] | None:
    s = pd.to_numeric(frame[column], errors="coerce").dropna()
    if s.empty:
        return None
    return float(s.iloc[-1]), pd.Timestamp(s.index[-1]).date()


def _short(d: date) -> str:
    return f"{d.day} {d:%b}"


def cards(data: ReportData) -> list[Card]:
    """Summary cards: resting HR, sleep, steps, HRV (always), then SpO2 and breathing if present."""
    out: list[Card] = []
    # A frame whose values are all blank has no latest value: that is "no data" too.
    if data.resting_hr is not None and "bpm" in data.resting_hr and (latest := _latest(data.resting_hr, "bpm")):
        bpm = pd.to_numeric(data.resting_hr["bpm"], errors="coerce").dropna()
        out.append(Card("Resting HR", f"{bpm.mean():.0f}", f"average of {len(bpm)} days; latest "
                        f"{latest[0]:.0f} bpm on {_short(latest[1])}, range {bpm.min():.0f}–{bpm.max():.0f}", "bpm"))
    else:
        out.append(Card("Resting HR", "—", "no data in this period"))
    if data.sleep_asleep is not None:
        asleep = data.sleep_asleep
        out.append(Card("Sleep", _hm(asleep.mean()), f"asleep per night, average of {len(asleep)} nights; "
                        f"shortest {_hm(asleep.min())}, longest {_hm(asleep.max())}"))
    else:
        out.append(Card("Sleep", "—", "no data in this period"))
    if data.steps is not None and "steps" in data.steps:
        steps = pd.to_numeric(data.steps["steps"], errors="coerce").dropna()
        reached = int((steps >= data.steps_goal).sum())
        out.append(Card("Steps", f"{steps.mean():,.0f}", f"per day, average of {len(steps)} days; goal "
                        f"{data.steps_goal:,} reached on {reached} of {len(steps)} days", "steps"))
    else:
        out.append(Card("Steps", "—", "no data in this period"))
    if data.hrv is not None and "average_hrv_ms" in data.hrv and (latest := _latest(data.hrv, "average_hrv_ms")):
        hrv = pd.to_numeric(data.hrv["average_hrv_ms"], errors="coerce").dropna()
        out.append(Card("HRV", f"{hrv.mean():.0f}",
                        f"nightly RMSSD, average of {len(hrv)} nights; latest {latest[0]:.0f} ms on "
                        f"{_short(latest[1])}", "ms"))
    else:
        out.append(Card("HRV", "—", "no data in this period"))
    if data.spo2 is not None and "average_pct" in data.spo2:
        v = pd.to_numeric(data.spo2["average_pct"], errors="coerce").dropna()
        out.append(Card("Blood oxygen", f"{v.mean():.1f}", f"nightly SpO2, average of {len(v)} nights", "%"))
    if data.breathing is not None and "breaths_per_min" in data.breathing:
        v = pd.to_numeric(data.breathing["breaths_per_min"], errors="coerce").dropna()
        out.append(Card("Breathing", f"{v.mean():.1f}", f"in sleep, average of {len(v)} nights",
                        "breaths/min"))
    return out


# -- completeness ----------------------------------------------------------------------------------


def _present(frame: pd.DataFrame | None, column: str | None, label: str, unit: str = "") -> CompletenessRow:
    row = CompletenessRow(label)
    if frame is None or frame.empty:
        return row
    values = frame[column] if column and column in frame else pd.Series(1, index=frame.index)
    for when, value in zip(pd.DatetimeIndex(frame.index).normalize(), values):
        if pd.notna(value):
            note = f"{value:,.1f}".rstrip("0").rstrip(".") + (f" {unit}" if unit else "") if column else "data"
            row.days[when.date()] = (1.0, note)
    return row


def completeness(data: ReportData) -> list[CompletenessRow]:
    """Per data type and day: how much of the day has data (heart rate: hours worn of 24)."""
    rows: list[CompletenessRow] = []
    heart = CompletenessRow("Heart rate")
    if data.heart_hourly is not None:
        f = data.heart_hourly
        hours = wall_clock(f)
        samples = f["samples"] if "samples" in f.columns else pd.Series(1, index=f.index)
        per_day = pd.DataFrame({"day": hours.normalize(), "n": samples.to_numpy()})
        per_day = per_day[per_day["n"] > 0].groupby("day")["n"].agg(["size", "sum"])
        for day, (h, n) in per_day.iterrows():
            heart.days[day.date()] = (min(h / 24, 1.0), f"{h} of 24 hours, {n:,} samples")
    rows.append(heart)
    rows.append(_present(data.resting_hr, "bpm", "Resting HR", "bpm"))
    sleep = CompletenessRow("Sleep")
    if data.sleep_nights is not None:
        for night, total in data.sleep_nights.sum(axis=1).items():
            if total > 0:
                sleep.days[night.date()] = (1.0, f"{_hm(total)} in bed (stages summed)")
    rows.append(sleep)
    rows.append(_present(data.steps, "steps", "Steps", "steps"))
    rows.append(_present(data.hrv, "average_hrv_ms", "HRV", "ms"))
    rows.append(_present(data.spo2, "average_pct", "SpO2", "%"))
    rows.append(_present(data.breathing, "breaths_per_min", "Breathing rate", "breaths/min"))
    skin_col = "relative_c" if data.skin is not None and "relative_c" in data.skin else "nightly_c"
    rows.append(_present(data.skin, skin_col, "Skin temperature", "°C"))
    rows.append(_present(data.weight, "weight_kg", "Weight", "kg"))
    ex = CompletenessRow("Exercise")
    if data.exercises is not None:
        f = data.exercises
        local = wall_clock(f)
        for day, n in pd.Series(1, index=local.normalize()).groupby(level=0).size().items():
            ex.days[day.date()] = (1.0, f"{n} exercise{'s' if n > 1 else ''}")
    rows.append(ex)
    return rows
