"""Frames shaped like the pandas API's and a reader double that serves them (the plot and
report tests)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

# -- frames shaped like fitvault.query's ------------------------------------------------------------

OFFSET = -5 * 3600  # UTC-5
LAST = date(2026, 11, 20)


def timed(local: pd.DatetimeIndex, offset_s, index_name: str) -> pd.DataFrame:
    """An index of UTC instants with ``utc_offset_s`` and ``local_time`` for naive wall-clock times."""
    offsets = np.broadcast_to(np.asarray(offset_s), (len(local),)).astype(int)
    utc = (local - pd.to_timedelta(offsets, unit="s")).tz_localize("UTC")
    return pd.DataFrame({"utc_offset_s": offsets, "local_time": local}, index=pd.DatetimeIndex(utc, name=index_name))


def heart_samples(first: date, last: date, step_s: int = 60, offset_s=OFFSET) -> pd.DataFrame:
    """One sample every ``step_s`` seconds of wall-clock time, 55..150 bpm in a daily wave."""
    local = pd.date_range(pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1), freq=f"{step_s}s",
                          inclusive="left")
    f = timed(local, offset_s, "time")
    hours = (local.hour + local.minute / 60).to_numpy()
    f["bpm"] = (60 + 30 * np.clip(np.sin((hours - 6) / 24 * 2 * np.pi), 0, None) + (hours.astype(int) == 18) * 60)
    f["bpm"] = f["bpm"].round().astype(int)
    f["device"] = "Pixel Watch 3"
    return f[["bpm", "utc_offset_s", "local_time", "device"]]


def heart_resampled(samples: pd.DataFrame, rule: str) -> pd.DataFrame:
    g = samples.groupby(samples["local_time"].dt.floor(rule))["bpm"]
    out = pd.DataFrame({"bpm_mean": g.mean(), "bpm_min": g.min(), "bpm_max": g.max(), "samples": g.size()})
    out.index.name = "local_time"
    return out


def daily(first: date, last: date, **columns) -> pd.DataFrame:
    idx = pd.DatetimeIndex(pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D"), name="date")
    n = len(idx)
    return pd.DataFrame({k: (v(np.arange(n)) if callable(v) else v) for k, v in columns.items()}, index=idx)


STAGED_NIGHT = [("LIGHT", 20), ("DEEP", 45), ("LIGHT", 30), ("REM", 25), ("AWAKE", 5), ("LIGHT", 60), ("DEEP", 30),
                ("REM", 40), ("LIGHT", 50), ("AWAKE", 8), ("REM", 35), ("LIGHT", 40)]


def sleep_frames(first: date, last: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nights ``first`` .. ``last`` (each from 23:10 the evening before) and a 13:00 nap each day."""
    sessions, stages = [], []
    for i, night in enumerate(pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D")):
        t = night - pd.Timedelta(hours=1, minutes=50)
        sid = f"s{i}"
        per = {}
        for stage, minutes in STAGED_NIGHT:
            minutes = minutes + (i % 3) * (stage == "DEEP")
            stages.append({"local": t, "session_id": sid, "kind": "stage", "stage": stage, "seconds": minutes * 60})
            per[stage] = per.get(stage, 0) + minutes
            t = t + pd.Timedelta(minutes=minutes)
        stages.append({"local": night + pd.Timedelta(hours=2), "session_id": sid, "kind": "short_awakening",
                       "stage": "AWAKE", "seconds": 60})
        start = night - pd.Timedelta(hours=1, minutes=50)
        sessions.append({"local": start, "id": sid, "end_local": t, "main_sleep": True, "nap": False, **per})
        nap = night + pd.Timedelta(hours=13)
        sessions.append({"local": nap, "id": f"n{i}", "end_local": nap + pd.Timedelta(minutes=30), "main_sleep": False,
                         "nap": True, "LIGHT": 30})
    s = pd.DataFrame(sessions)
    sf = timed(pd.DatetimeIndex(s["local"]), OFFSET, "start")
    sf["id"] = s["id"].to_numpy()
    sf["end"] = (pd.DatetimeIndex(s["end_local"]) - pd.Timedelta(seconds=OFFSET)).tz_localize("UTC")
    sf["date"] = pd.DatetimeIndex(s["end_local"]).normalize()
    sf["main_sleep"], sf["nap"] = s["main_sleep"].to_numpy(), s["nap"].to_numpy()
    for stage in ("DEEP", "LIGHT", "REM", "AWAKE"):
        sf[f"{stage.lower()}_minutes"] = s.get(stage, pd.Series(np.nan, index=s.index)).fillna(0).to_numpy()
    sf["minutes_asleep"] = sf[["deep_minutes", "light_minutes", "rem_minutes"]].sum(axis=1)
    st = pd.DataFrame(stages)
    tf = timed(pd.DatetimeIndex(st["local"]), OFFSET, "start")
    for c in ("session_id", "kind", "stage", "seconds"):
        tf[c] = st[c].to_numpy()
    tf["end"] = tf.index + pd.to_timedelta(tf["seconds"], unit="s")
    return sf, tf


class FakeReader:
    """A stand-in for ``fitvault.query.VaultReader`` holding fixed frames; honours start/end."""

    def __init__(self, first: date = LAST - timedelta(days=119), last: date = LAST, *, empty: bool = False,
                 zones: bool = True, device: str = "Pixel Watch 3") -> None:
        self.first, self.last, self.empty = first, last, empty
        hr_first = last - timedelta(days=13)
        self._hr = heart_samples(hr_first, last)
        self._hr["device"] = device
        self._daily = {
            "resting_heart_rate": daily(first, last, bpm=lambda i: 58 + (i % 7) - (i // 30)),
            "daily_hrv": daily(first, last, average_hrv_ms=lambda i: 40 + 5 * np.sin(i / 5)),
            "daily_spo2": daily(first, last, average_pct=lambda i: 96 + (i % 3) * 0.5,
                                lower_bound_pct=lambda i: 93 + (i % 3) * 0.5, upper_bound_pct=lambda i: 99.0 + i * 0),
            "breathing_rate": daily(first, last, breaths_per_min=lambda i: 14 + (i % 4) * 0.3),
            "skin_temperature": daily(first, last, nightly_c=lambda i: 33.5 + np.sin(i / 3) * 0.6,
                                      baseline_c=33.5 + 0 * np.arange(1), relative_c=lambda i: np.sin(i / 3) * 0.6),
            "steps": daily(first, last, steps=lambda i: 6000 + (i % 10) * 900),
        }
        self._sessions, self._stages = sleep_frames(first, last)
        w = pd.DatetimeIndex(pd.date_range(pd.Timestamp(first) + pd.Timedelta(hours=7), pd.Timestamp(last)
                                           + pd.Timedelta(hours=7), freq="3D"))
        self._weight = timed(w, OFFSET, "time")
        self._weight["weight_g"] = 72000 + np.arange(len(w)) * 20.0
        self._zones = daily(last - timedelta(days=2), last, zone="LIGHT", min_bpm=92, max_bpm=110)
        if zones:
            z = []
            for name, lo, hi in (("LIGHT", 92, 110), ("MODERATE", 110, 128), ("VIGOROUS", 128, 156),
                                 ("PEAK", 156, 185)):
                z.append(daily(last - timedelta(days=2), last, zone=name, min_bpm=lo, max_bpm=hi))
            self._zones = pd.concat(z).sort_index()
        else:
            self._zones = pd.DataFrame(columns=["zone", "min_bpm", "max_bpm"], index=pd.DatetimeIndex([], name="date"))
        self.devices_frame = pd.DataFrame({"device_version": [device], "device_type": ["WATCH"],
                                           "battery_level": [80]}, index=pd.Index(["d1"], name="id"))
        self.sources_frame = pd.DataFrame({"origin": ["google-health-api"], "device": [device],
                                           "manufacturer": ["Google"], "platform": ["FITBIT"]},
                                          index=pd.Index([1], name="id"))
        self.calls: list[tuple] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    # -- helpers
    def _cut(self, frame: pd.DataFrame, start, end, by) -> pd.DataFrame:
        if self.empty:
            return frame.iloc[0:0]
        days = by(frame)
        keep = np.ones(len(frame), bool)
        if start is not None:
            keep &= days >= pd.Timestamp(start)
        if end is not None:
            keep &= days <= pd.Timestamp(end)
        return frame[keep]

    @staticmethod
    def _by_index(f):
        return pd.DatetimeIndex(f.index).normalize()

    @staticmethod
    def _by_local(f):
        return pd.DatetimeIndex(f["local_time"]).normalize()

    # -- the API used by plots and the report
    def heart_rate(self, start=None, end=None, tz=None, resample=None):
        self.calls.append(("heart_rate", start, end, resample))
        f = self._cut(self._hr, start, end, self._by_local)
        return heart_resampled(f, resample) if resample else f

    def heart_rate_zones(self, start=None, end=None, tz=None):
        return self._cut(self._zones, start, end, self._by_index)

    def resting_heart_rate(self, start=None, end=None, tz=None):
        return self._cut(self._daily["resting_heart_rate"], start, end, self._by_index)

    def daily_hrv(self, start=None, end=None, tz=None):
        return self._cut(self._daily["daily_hrv"], start, end, self._by_index)

    def daily_spo2(self, start=None, end=None, tz=None):
        return self._cut(self._daily["daily_spo2"], start, end, self._by_index)

    def breathing_rate(self, start=None, end=None, tz=None):
        return self._cut(self._daily["breathing_rate"], start, end, self._by_index)

    def skin_temperature(self, start=None, end=None, tz=None):
        return self._cut(self._daily["skin_temperature"], start, end, self._by_index)

    def steps(self, start=None, end=None, tz=None, freq="1D"):
        return self._cut(self._daily["steps"], start, end, self._by_index)

    def weight(self, start=None, end=None, tz=None, convert=False):
        return self._cut(self._weight, start, end, self._by_local)

    def sleep_sessions(self, start=None, end=None, tz=None):
        return self._cut(self._sessions, start, end, lambda f: pd.DatetimeIndex(f["date"]))

    def sleep_stages(self, start=None, end=None, tz=None):
        return self._cut(self._stages, start, end, self._by_local)

    def tables(self):
        """The catalogue: index ``table``; ``rows``, ``first``, ``last`` (local dates)."""
        frames = {"heart_rate": pd.DatetimeIndex(self._hr["local_time"]),
                  "resting_heart_rate": self._daily["resting_heart_rate"].index,
                  "daily_steps": self._daily["steps"].index}
        rows = {name: (0, pd.NaT, pd.NaT) if self.empty else (len(idx), idx.min().normalize(), idx.max().normalize())
                for name, idx in frames.items()}
        return pd.DataFrame(rows.values(), columns=["rows", "first", "last"], index=pd.Index(rows, name="table"))

    def devices(self):
        return self.devices_frame.iloc[0:0] if self.empty else self.devices_frame

    def sources(self):
        return self.sources_frame.iloc[0:0] if self.empty else self.sources_frame

    def exercises(self, start=None, end=None, tz=None):
        local = pd.DatetimeIndex([pd.Timestamp(self.last) + pd.Timedelta(hours=18)])
        f = timed(local, OFFSET, "start")
        f["end"] = f.index + pd.Timedelta(minutes=42)
        f["exercise_type"], f["display_name"] = "RUNNING", self.devices_frame["device_version"].iloc[0] + " run"
        f["active_duration_s"], f["avg_hr_bpm"], f["calories_kcal"] = 2520.0, 151, 410.0
        return self._cut(f, start, end, self._by_local)

    def account(self):
        return {"membership_start": "2020-01-01"}
