"""Vital signs and body measurements of the synthetic person (HRV, SpO2, breathing rate, skin
temperature, weight, body fat, height), with their ground truth.

Nightly metrics come from the person's actual main sleep (``DayPlan.main`` of the schedule, the
session served with ``mainSleep: true``); naps carry none. Per main sleep (a "night"):

- ``heart-rate-variability``: one sample per whole 5-minute window [t, t+300 s) of the sleep,
  t a multiple of 300 s, whose midpoint is not in an AWAKE stage (a few dropped as artefacts);
  RMSSD by stage around a nightly level that moves against resting heart rate.
- ``oxygen-saturation``: one sample per whole minute of non-AWAKE sleep (a few dropped).
- ``respiratory-rate-sleep-summary``: one sample at the sleep's end; per-stage rates only for
  staged (``STAGES``) sleep and stages of at least 10 minutes.
- ``daily-*``: dated by the local date of the sleep's end (offset at the end). Derived from the
  samples: average/deep RMSSD and the SpO2 average/bounds/deviation are the served samples'
  mean/min/max; ``nonRemHeartRateBeatsPerMinute`` is the time-weighted mean of the heart-rate
  model's targets over the non-REM stages (within ~1 bpm of the served samples); the daily breathing rate is the summary's full-sleep rate; skin
  temperature has a baseline (mean of the previous 30 dates' nightly values, at least 3) and the
  30-date standard deviation of nightly - baseline.
- Some nights lack some or all metrics (the device could not compute them); two main sleeps
  ending on one local date give that date's daily values from the longer one.

Arrival (docs/facts/google-health-api.md#late-data-and-change-detection): samples and the sleep summary appear when the sleep is processed
(end + ``PROCESSING_DELAY_S``, as its stages do); daily values at the later of that and local
noon of their date (the resting-heart-rate rule).

Body measurements: a weigh-in now and then, minutes after waking from the main sleep, existing
from its instant on: manual logs (no device, 100 g steps, sometimes a note) until the person gets a scale,
then mostly the scale (50 g steps, usually with body fat) at home and manual logs when away.
Height is logged twice, manually. Their instants have millisecond precision (served with
``.fff`` and civil ``nanos``); vital samples fall on whole seconds.
"""

from __future__ import annotations

import bisect
import math
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from .activity import DAY, SLEEP_CODES
from .cache import DayCache
from .devices import DEVICES, PIXEL_WATCH_3, device_index_at
from .heart_rate import _SLEEP_DELTA
from .rand import digest_int, stream
from .resting import base_rhr
from .sleep import PROCESSING_DELAY_S, SessionPlan
from .timezones import EPOCH_ORDINAL, HOME_ZONE, local_date, parse_utc
from .truth import register

if TYPE_CHECKING:
    from . import SyntheticPerson

HRV_STEP_S = 300
SPO2_STEP_S = 60
SCALE_NAME = "Aria Air"  # DataSource.device of scale weigh-ins (formFactor SCALE)
SCALE_SINCE = parse_utc("2025-06-14T00:00:00Z")  # the person buys a scale
_NAMES = tuple(d.display_name for d in DEVICES)
# The watch that sends standardDeviationMilliseconds 0 on every HRV sample (it computes no SDNN).
_NO_SDNN_DEVICE = DEVICES.index(PIXEL_WATCH_3)
_NOTES = ("Morning, before breakfast", "After the long weekend", "Gym scale", "Felt bloated")

HrvRec = tuple  # (t ms, offset s, rmssd, sdnn|None, lf|None, hf|None, device index)
Spo2Rec = tuple  # (t ms, offset s, percentage, device index)
BreathRec = tuple  # (t ms, offset s, full, stddev, snr, deep|None, light|None, rem|None, device index)
BodyRec = tuple  # (t ms, offset s, id, value, notes|None, scale: bool)


@dataclass(frozen=True)
class Night:
    """What one main sleep yields, apart from the per-sample arrays (cheap; kept for long)."""

    start: int
    end: int
    day: date  # local date of the end
    end_offset: int
    device: int  # index into DEVICES, the device at the sleep's start
    staged: bool
    ready_ms: int  # samples and the breathing summary exist from here
    daily_ms: int  # the daily values exist from here
    has_hrv: bool
    has_spo2: bool
    breathing: BreathRec | None
    temperature: float | None
    entropy: float | None
    non_rem_bpm: int


@dataclass(frozen=True)
class NightSamples:
    """The sample arrays of one night and the daily values derived from them."""

    hrv_times: list[int]
    hrv: list[HrvRec]
    spo2_times: list[int]
    spo2: list[Spo2Rec]
    daily_hrv: tuple | None  # (average, non-REM bpm, entropy|None, deep|None)
    daily_spo2: tuple | None  # (average, lower, upper, stddev|None)


def _marks(stages: tuple[tuple[int, int, str], ...], start: int, end: int, step: int) -> list[tuple[int, str]]:
    """(t, stage) for every t that is a multiple of ``step`` with start <= t, t + step <= end;
    the stage is the one holding the window's midpoint t + step / 2."""
    first, last, half = -(-start // step) * step, end - step, step // 2
    out: list[tuple[int, str]] = []
    for s, e, kind in stages:
        lo = max(first, -(-(s - half) // step) * step)
        out.extend((t, kind) for t in range(lo, min(last + 1, e - half), step))
    return out


def _round(x: float, digits: int) -> float:
    return round(x, digits) + 0.0  # no negative zero


def make_night(seed: int, plan: SessionPlan, zones: Any) -> Night:
    """The night-level values of a main sleep (no per-sample arrays)."""
    rng = stream(seed, "night", plan.start)
    end_off = zones.offset_at(plan.end)
    day = local_date(plan.end, end_off)
    ready = plan.end + PROCESSING_DELAY_S
    noon = zones.local_to_utc(datetime.combine(day, time(12, 0)))
    draws = [rng.random() for _ in range(5)]
    nothing = draws[0] < 0.03  # the device could not compute anything this night
    has_hrv, has_spo2 = not nothing and draws[1] >= 0.03, not nothing and draws[2] >= 0.05
    has_br, has_temp = not nothing and draws[3] >= 0.03, not nothing and draws[4] >= 0.05

    seconds: dict[str, int] = {}
    for s, e, kind in plan.stages:
        seconds[kind] = seconds.get(kind, 0) + e - s
    ordinal = day.toordinal()
    breathing = None
    base = 14.6 + 0.5 * math.sin(2 * math.pi * ordinal / 41) + rng.gauss(0, 0.3)
    sd, snr = _round(rng.uniform(0.6, 1.8), 1), _round(rng.uniform(3.0, 16.0), 1)
    rates = {"DEEP": base - rng.uniform(0.4, 1.0), "LIGHT": base + rng.gauss(0, 0.15),
             "REM": base + rng.uniform(0.4, 1.2)}
    if has_br:
        if plan.staged:
            weight = sum(seconds.get(k, 0) for k in rates)
            full = sum(rates[k] * seconds.get(k, 0) for k in rates) / weight
            per = [_round(rates[k], 1) if seconds.get(k, 0) >= 600 else None for k in ("DEEP", "LIGHT", "REM")]
        else:
            full, per = base, [None, None, None]
        breathing = (plan.end * 1000, end_off, _round(full, 1), sd, snr, *per, device_index_at(plan.start))
    temp = (34.35 + 0.12 * math.sin(2 * math.pi * ordinal / 29.5) + 0.08 * math.sin(ordinal / 11)
            + rng.gauss(0, 0.1))
    entropy = _round(rng.gauss(2.9, 0.25), 2) if rng.random() >= 0.15 else None
    return Night(
        start=plan.start, end=plan.end, day=day, end_offset=end_off, device=device_index_at(plan.start),
        staged=plan.staged, ready_ms=ready * 1000, daily_ms=max(ready, noon) * 1000,
        has_hrv=has_hrv, has_spo2=has_spo2, breathing=breathing,
        temperature=_round(temp, 2) if has_temp else None, entropy=entropy,
        non_rem_bpm=_non_rem_bpm(seed, plan, zones),
    )


def _non_rem_bpm(seed: int, plan: SessionPlan, zones: Any) -> int:
    """Time-weighted mean of the heart-rate model's targets (resting HR of the local date + the
    stage's delta, see :mod:`.heart_rate`) over the non-REM stages of the sleep."""
    kinds = ("LIGHT", "DEEP") if plan.staged else ("ASLEEP",)
    total = seconds = 0.0
    for s, e, kind in plan.stages:
        if kind not in kinds:
            continue
        delta = _SLEEP_DELTA[SLEEP_CODES[kind]]
        while s < e:  # split at local midnight: the resting HR is per local date
            off = zones.offset_at(s)
            local_day = (s + off) // DAY
            cut = min(e, (local_day + 1) * DAY - off)
            total += (cut - s) * (base_rhr(seed, EPOCH_ORDINAL + local_day) + delta)
            seconds += cut - s
            s = cut
    if not seconds:
        return int(base_rhr(seed, EPOCH_ORDINAL + plan.end // DAY) + 0.5)
    return int(total / seconds + 0.5)


_RMSSD_FACTOR = {"DEEP": 1.3, "LIGHT": 1.0, "REM": 0.82, "ASLEEP": 1.0, "RESTLESS": 0.9}
_LF_HF = {"DEEP": 0.6, "LIGHT": 1.2, "REM": 2.2, "ASLEEP": 1.1, "RESTLESS": 1.6}


def make_samples(seed: int, plan: SessionPlan, night: Night, zones: Any) -> NightSamples:
    """Generate the night's HRV and SpO2 samples and the daily values derived from them."""
    rng = stream(seed, "night-samples", plan.start)
    random, gauss, uniform = rng.random, rng.gauss, rng.uniform
    off_start, dev = zones.offset_at(plan.start), night.device
    same_offset = off_start == night.end_offset
    offset_at = zones.offset_at

    hrv_times: list[int] = []
    hrv: list[HrvRec] = []
    daily_hrv = None
    if night.has_hrv:
        level = 40.0 - 2.0 * (base_rhr(seed, night.day.toordinal()) - 56.0) + gauss(0, 3.0)
        level = min(max(level, 12.0), 95.0)
        deep: list[float] = []
        for t, kind in _marks(plan.stages, plan.start, plan.end, HRV_STEP_S):
            if kind == "AWAKE" or random() < 0.06:  # awake, or an artefact-ridden window
                continue
            rmssd = round(min(max(level * _RMSSD_FACTOR[kind] * math.exp(gauss(0, 0.13)), 5.0), 200.0), 1)
            sdnn = round(rmssd * uniform(1.1, 1.5), 1) if random() >= 0.05 else None
            if dev == _NO_SDNN_DEVICE:
                sdnn = 0.0  # sent as 0: "not measured" (open-wearables #1586); the truth has None
            lf = hf = None
            if random() >= 0.1:
                hf_raw = rmssd * rmssd * uniform(0.4, 0.7)
                hf = round(hf_raw, 1)
                lf = round(hf_raw * _LF_HF[kind] * math.exp(gauss(0, 0.25)), 1)
            off = off_start if same_offset else offset_at(t)
            hrv_times.append(t * 1000)
            hrv.append((t * 1000, off, rmssd, sdnn, lf, hf, dev))
            if kind == "DEEP":
                deep.append(rmssd)
        if len(hrv) >= 12:
            avg = round(sum(r[2] for r in hrv) / len(hrv), 1)
            deep_avg = round(sum(deep) / len(deep), 1) if len(deep) >= 3 else None
            daily_hrv = (avg, night.non_rem_bpm, night.entropy, deep_avg)

    spo2_times: list[int] = []
    spo2: list[Spo2Rec] = []
    daily_spo2 = None
    if night.has_spo2:
        mean = min(max(gauss(96.2, 0.5), 94.5), 97.8)
        v, dip_left, depth = 0.0, 0, 0.0
        for t, kind in _marks(plan.stages, plan.start, plan.end, SPO2_STEP_S):
            v = 0.7 * v + random() + random() + random() - 1.5  # AR(1), innovations sd 0.5
            if dip_left:
                dip_left -= 1
            elif random() < 0.004:  # a short desaturation
                dip_left, depth = rng.randint(2, 5), uniform(2.0, 5.0)
            if kind == "AWAKE" or random() < 0.04:
                continue
            x = mean + v - (depth if dip_left else 0.0)
            off = off_start if same_offset else offset_at(t)
            spo2_times.append(t * 1000)
            x = 85.0 if x < 85.0 else 100.0 if x > 100.0 else x
            spo2.append((t * 1000, off, int(x * 10 + 0.5) / 10, dev))  # round(x, 1), 5x faster
        if len(spo2) >= 60:
            vals = [r[2] for r in spo2]
            avg = sum(vals) / len(vals)
            sd = math.sqrt(sum((x - avg) ** 2 for x in vals) / len(vals))
            daily_spo2 = (round(avg, 1), min(vals), max(vals), round(sd, 2) if random() >= 0.2 else None)
    return NightSamples(hrv_times, hrv, spo2_times, spo2, daily_hrv, daily_spo2)


# -- body measurements ---------------------------------------------------------------------------

def _point_id(seed: int, kind: str, t_ms: int) -> str:
    return str(6_000_000_000_000_000_000 + digest_int(seed, kind + "-id", t_ms) % 3_000_000_000_000_000_000)


def _weight_model(seed: int, t: int, history_start: int) -> float:
    """The body's weight in grams at epoch second ``t`` (slow loss, then seasons)."""
    days = (t - history_start) / DAY
    phase = digest_int(seed, "weight-phase") % 628 / 100
    return (80_500.0 - 4_200.0 * (1 - math.exp(-max(days, 0.0) / 120)) + 900.0 * math.sin(2 * math.pi * days / 365
            + phase) + 250.0 * math.sin(days / 17))


def make_morning(seed: int, plan: SessionPlan, zones: Any, history_start: int) -> tuple[list[BodyRec], list[BodyRec]]:
    """(weights, body fats) logged the morning after main sleep ``plan``."""
    rng = stream(seed, "body", plan.start)
    t_ms = (plan.end + rng.randint(4 * 60, 45 * 60)) * 1000 + rng.randrange(1000)
    t = t_ms // 1000
    tr = zones.at(t)
    home = tr.zone == HOME_ZONE
    u_scale, u_manual, u_fat, u_note = rng.random(), rng.random(), rng.random(), rng.random()
    noise_w, noise_f = rng.gauss(0, 300.0), rng.gauss(0, 0.5)
    note = rng.choice(_NOTES)
    scale = home and t >= SCALE_SINCE and u_scale < 0.45
    manual = not scale and u_manual < (0.04 if home and t >= SCALE_SINCE else 0.2 if not home else 0.3)
    if not (scale or manual):
        return [], []
    grams = _weight_model(seed, t, history_start) + noise_w
    grams = round(grams / 50) * 50.0 if scale else round(grams / 100) * 100.0
    if manual and u_note < 0.3:
        notes: str | None = note if home else "Hotel scale"
    else:
        notes = None
    weights = [(t_ms, tr.offset, _point_id(seed, "weight", t_ms), grams, notes, scale)]
    fats = []
    if (scale and u_fat < 0.85) or (manual and u_fat < 0.1):
        pct = _round(24.0 + (grams - 78_000.0) / 1000 * 0.55 + noise_f, 1)
        fats.append((t_ms, tr.offset, _point_id(seed, "body-fat", t_ms), pct, None, scale))
    return weights, fats


def make_heights(seed: int, zones: Any, history_start: date) -> list[BodyRec]:
    """The two manual height logs: the day after joining, and a re-measurement 660 days later."""
    rng = stream(seed, "height")
    out = []
    for days, hh, mm, mm_height in ((1, 20, 15, 1781), (660, 8, 40, 1779)):
        local = datetime.combine(history_start + timedelta(days=days), time(hh, mm)) + timedelta(
            seconds=rng.randrange(60))
        t_ms = zones.local_to_utc(local) * 1000 + rng.randrange(1000)
        out.append((t_ms, zones.offset_at(t_ms // 1000), _point_id(seed, "height", t_ms), mm_height, None, False))
    return out


# -- the per-person view -------------------------------------------------------------------------

class Vitals:
    """Lazily generated, cached vitals and body measurements of one :class:`SyntheticPerson`."""

    def __init__(self, person: SyntheticPerson, *, sample_nights: int = 16) -> None:
        self.seed = person.seed
        self.zones = person.zones
        self.schedule = person.schedule
        self.history_start = person.history_start
        self.history_start_s = person.history_start_s
        self._nights: DayCache[Night] = DayCache(8192)
        self._daily: DayCache[tuple] = DayCache(8192)  # start -> (daily_hrv, daily_spo2)
        # a night's samples are ~90 KB and the walks go night by night: a few nights are enough
        # (96 held ~8 MiB in the process that syncs in `fitvault demo`, issue #17)
        self._samples: DayCache[NightSamples] = DayCache(sample_nights)
        self._mornings: DayCache[tuple[list[BodyRec], list[BodyRec]]] = DayCache(8192)
        self.heights = make_heights(self.seed, self.zones, self.history_start)

    # -- per night ------------------------------------------------------------------------
    def night(self, plan: SessionPlan) -> Night:
        """Night-level values of main sleep ``plan``."""
        return self._nights.get(plan.start, lambda: make_night(self.seed, plan, self.zones))

    def samples(self, plan: SessionPlan) -> NightSamples:
        """Sample arrays of main sleep ``plan``."""
        return self._samples.get(plan.start, lambda: make_samples(self.seed, plan, self.night(plan), self.zones))

    def daily_of(self, plan: SessionPlan) -> tuple:
        """(daily HRV, daily SpO2) of main sleep ``plan`` (kept after its samples are evicted)."""
        def make() -> tuple:
            s = self.samples(plan)
            return s.daily_hrv, s.daily_spo2
        return self._daily.get(plan.start, make)

    def mains(self, lo_s: int, hi_s: int) -> list[SessionPlan]:
        """Main sleeps after the history start with start < hi and end >= lo, ascending."""
        out = []
        for day in self.schedule.days_overlapping(lo_s - 1, hi_s):
            m = day.main
            if m.start >= self.history_start_s and m.start < hi_s and m.end >= lo_s:
                out.append(m)
        return out

    def nights_by_date(self, first: date, end: date, as_of_ms: int) -> dict[date, SessionPlan]:
        """Main sleeps by the local date of their end, first <= date < end, that ended by
        ``as_of_ms``; the longer (then later) one when two end on one date. Ascending."""
        lo_s = (first.toordinal() - EPOCH_ORDINAL - 1) * DAY
        hi_s = min((end.toordinal() - EPOCH_ORDINAL + 1) * DAY, as_of_ms // 1000 + 1)
        out: dict[date, SessionPlan] = {}
        if lo_s >= hi_s:
            return out
        for m in self.mains(lo_s, hi_s):
            day = self.night(m).day
            if first <= day < end and m.end * 1000 <= as_of_ms:
                cur = out.get(day)
                if cur is None or (m.end - m.start, m.end) > (cur.end - cur.start, cur.end):
                    out[day] = m
        return dict(sorted(out.items()))

    # -- sample streams (epoch ms bounds, [lo, hi)) -----------------------------------------
    def _walk(self, lo_ms: int, hi_ms: int, as_of_ms: int, descending: bool,
              pick: Callable[[SessionPlan, Night], tuple[list[int], list[tuple]]]) -> Iterator[tuple]:
        lo_ms = max(lo_ms, self.history_start_s * 1000)
        hi_ms = min(hi_ms, as_of_ms + 1)
        if lo_ms >= hi_ms:
            return
        mains = self.mains(lo_ms // 1000, -(-hi_ms // 1000))
        for m in reversed(mains) if descending else mains:
            night = self.night(m)
            if night.ready_ms > as_of_ms:
                continue
            times, recs = pick(m, night)
            i, j = bisect.bisect_left(times, lo_ms), bisect.bisect_left(times, hi_ms)
            for k in range(j - 1, i - 1, -1) if descending else range(i, j):
                yield recs[k]

    def iter_hrv(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[HrvRec]:
        """HRV samples with lo <= t < hi that exist at ``as_of_ms``."""
        def pick(m: SessionPlan, n: Night) -> tuple[list[int], list[tuple]]:
            if not n.has_hrv:
                return [], []
            s = self.samples(m)
            return s.hrv_times, s.hrv
        return self._walk(lo_ms, hi_ms, as_of_ms, descending, pick)

    def iter_spo2(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[Spo2Rec]:
        """SpO2 samples with lo <= t < hi that exist at ``as_of_ms``."""
        def pick(m: SessionPlan, n: Night) -> tuple[list[int], list[tuple]]:
            if not n.has_spo2:
                return [], []
            s = self.samples(m)
            return s.spo2_times, s.spo2
        return self._walk(lo_ms, hi_ms, as_of_ms, descending, pick)

    def iter_breathing(self, lo_ms: int, hi_ms: int, as_of_ms: int, *,
                       descending: bool = False) -> Iterator[BreathRec]:
        """Respiratory-rate sleep summaries (timed at the sleep's end) with lo <= t < hi."""
        def pick(m: SessionPlan, n: Night) -> tuple[list[int], list[tuple]]:
            return ([m.end * 1000], [n.breathing]) if n.breathing is not None else ([], [])
        return self._walk(lo_ms, hi_ms, as_of_ms, descending, pick)

    def _iter_body(self, which: int, lo_ms: int, hi_ms: int, as_of_ms: int, descending: bool) -> Iterator[BodyRec]:
        lo_ms = max(lo_ms, self.history_start_s * 1000)
        hi_ms = min(hi_ms, as_of_ms)  # a log exists from its instant on (t < as_of, like samples)
        if lo_ms >= hi_ms:
            return
        mains = self.mains(lo_ms // 1000 - 3600, -(-hi_ms // 1000))
        for m in reversed(mains) if descending else mains:
            recs = self.morning(m)[which]
            for r in reversed(recs) if descending else recs:
                if lo_ms <= r[0] < hi_ms:
                    yield r

    def morning(self, plan: SessionPlan) -> tuple[list[BodyRec], list[BodyRec]]:
        """(weights, body fats) of the morning after main sleep ``plan``."""
        return self._mornings.get(plan.start, lambda: make_morning(self.seed, plan, self.zones,
                                                                     self.history_start_s))

    def iter_weight(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[BodyRec]:
        """Weight logs with lo <= t < hi that exist at ``as_of_ms``."""
        return self._iter_body(0, lo_ms, hi_ms, as_of_ms, descending)

    def iter_body_fat(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[BodyRec]:
        """Body-fat logs with lo <= t < hi that exist at ``as_of_ms``."""
        return self._iter_body(1, lo_ms, hi_ms, as_of_ms, descending)

    def iter_height(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[BodyRec]:
        """Height logs with lo <= t < hi that exist at ``as_of_ms``."""
        hi_ms = min(hi_ms, as_of_ms)
        recs = [r for r in self.heights if lo_ms <= r[0] < hi_ms]
        return iter(reversed(recs) if descending else recs)

    def find_body(self, kind: str, point_id: str, as_of_ms: int) -> BodyRec | None:
        """The weight / body-fat / height log with this id, if it exists at ``as_of_ms``."""
        walk = {"weight": self.iter_weight, "body-fat": self.iter_body_fat, "height": self.iter_height}[kind]
        for r in walk(self.history_start_s * 1000, as_of_ms, as_of_ms, descending=True):
            if r[2] == point_id:
                return r
        return None

    # -- daily streams (local dates, [first, end)) -----------------------------------------
    def _daily_nights(self, first: date, end: date, as_of_ms: int) -> list[tuple[date, SessionPlan, Night]]:
        first = max(first, self.history_start)
        out = []
        for day, m in self.nights_by_date(first, end, as_of_ms).items():
            n = self.night(m)
            if n.daily_ms <= as_of_ms:
                out.append((day, m, n))
        return out

    def iter_daily_hrv(self, first: date, end: date, as_of_ms: int) -> list[tuple]:
        """(date, average, non-REM bpm, entropy, deep RMSSD, device index), ascending."""
        out = []
        for day, m, n in self._daily_nights(first, end, as_of_ms):
            if n.has_hrv:
                v = self.daily_of(m)[0]
                if v is not None:
                    out.append((day, *v, n.device))
        return out

    def iter_daily_spo2(self, first: date, end: date, as_of_ms: int) -> list[tuple]:
        """(date, average, lower, upper, stddev, device index), ascending."""
        out = []
        for day, m, n in self._daily_nights(first, end, as_of_ms):
            if n.has_spo2:
                v = self.daily_of(m)[1]
                if v is not None:
                    out.append((day, *v, n.device))
        return out

    def iter_daily_breathing(self, first: date, end: date, as_of_ms: int) -> list[tuple]:
        """(date, breaths per minute, device index), ascending."""
        return [(day, n.breathing[2], n.device) for day, _m, n in self._daily_nights(first, end, as_of_ms)
                if n.breathing is not None]

    def iter_daily_temperature(self, first: date, end: date, as_of_ms: int) -> list[tuple]:
        """(date, nightly, baseline|None, relative 30-day stddev|None, device index), ascending."""
        first = max(first, self.history_start)
        if first >= end:
            return []
        temps: dict[date, float] = {}
        for d, m in self.nights_by_date(first - timedelta(days=60), end, as_of_ms).items():
            nightly = self.night(m).temperature
            if nightly is not None:
                temps[d] = nightly

        def window(d: date, lo: int, hi: int) -> list[date]:
            return [x for x in (d + timedelta(days=k) for k in range(lo, hi)) if x in temps]

        # Mean of the previous 30 dates' nightly values; none (sent as "NaN") for the first 30 days
        # of the history and on ~1 night in 300 after (docs/facts/google-health-api.md#settled-by-captured-payloads: "roughly the first 30 nights
        # and sporadically after", 6 of 1,719 points in one account).
        baselines: dict[date, float] = {}
        day = first - timedelta(days=29)
        settled = self.history_start + timedelta(days=30)
        while day < end:
            prior = window(day, -30, 0)
            if len(prior) >= 3 and day >= settled and digest_int(self.seed, "temperature-nan", day.toordinal()) % 300:
                baselines[day] = sum(temps[x] for x in prior) / len(prior)
            day += timedelta(days=1)
        out = []
        for day, _m, n in self._daily_nights(first, end, as_of_ms):
            if n.temperature is None:
                continue
            base = baselines.get(day)
            rel = [temps[x] - baselines[x] for x in window(day, -29, 1) if x in baselines]
            sd = None
            if base is not None and len(rel) >= 3:
                mean = sum(rel) / len(rel)
                sd = _round(math.sqrt(sum((r - mean) ** 2 for r in rel) / len(rel)), 2)
            out.append((day, n.temperature, None if base is None else _round(base, 2), sd, n.device))
        return out


_VITALS: weakref.WeakKeyDictionary[Any, Vitals] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def vitals_of(person: SyntheticPerson) -> Vitals:
    """The (cached) :class:`Vitals` of ``person``."""
    with _LOCK:
        v = _VITALS.get(person)
        if v is None:
            v = _VITALS[person] = Vitals(person)
        return v


# -- ground truth ----------------------------------------------------------------------------

def _dev(i: int) -> str:
    return _NAMES[i]


@register("hrv")
def _truth_hrv(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "rmssd_ms": r, "sdnn_ms": s, "lf_power_ms2": lf,
             "hf_power_ms2": hf, "device": _dev(d)}
            for t, off, r, s0, lf, hf, d in vitals_of(person).iter_hrv(lo, hi, as_of_ms)
            for s in [s0 or None]]  # an SDNN of 0 is "not measured": stored as NULL


@register("spo2")
def _truth_spo2(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "spo2_pct": pct, "device": _dev(d)}
            for t, off, pct, d in vitals_of(person).iter_spo2(lo, hi, as_of_ms)]


@register("breathing_rate_sleep")
def _truth_breathing(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "full_breaths_per_min": full, "full_stddev_breaths_per_min": sd,
             "full_signal_to_noise": snr, "deep_breaths_per_min": deep, "light_breaths_per_min": light,
             "rem_breaths_per_min": rem, "device": _dev(d)}
            for t, off, full, sd, snr, deep, light, rem, d in vitals_of(person).iter_breathing(lo, hi, as_of_ms)]


@register("daily_hrv")
def _truth_daily_hrv(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "average_hrv_ms": avg, "non_rem_hr_bpm": bpm, "entropy": ent, "deep_sleep_rmssd_ms": deep,
             "device": _dev(dev)}
            for d, avg, bpm, ent, deep, dev in vitals_of(person).iter_daily_hrv(lo, hi, as_of_ms)]


@register("daily_spo2")
def _truth_daily_spo2(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "average_pct": avg, "lower_bound_pct": low, "upper_bound_pct": up, "stddev_pct": sd,
             "device": _dev(dev)}
            for d, avg, low, up, sd, dev in vitals_of(person).iter_daily_spo2(lo, hi, as_of_ms)]


@register("daily_breathing_rate")
def _truth_daily_breathing(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "breaths_per_min": bpm, "device": _dev(dev)}
            for d, bpm, dev in vitals_of(person).iter_daily_breathing(lo, hi, as_of_ms)]


@register("daily_skin_temperature")
def _truth_daily_temperature(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "nightly_c": nightly, "baseline_c": base, "relative_stddev_30d_c": sd, "device": _dev(dev)}
            for d, nightly, base, sd, dev in vitals_of(person).iter_daily_temperature(lo, hi, as_of_ms)]


def _body_device(scale: bool) -> str:
    return SCALE_NAME if scale else ""


@register("weight")
def _truth_weight(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "id": pid, "weight_g": g, "notes": notes,
             "device": _body_device(scale)}
            for t, off, pid, g, notes, scale in vitals_of(person).iter_weight(lo, hi, as_of_ms)]


@register("body_fat")
def _truth_body_fat(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "id": pid, "body_fat_pct": pct, "device": _body_device(scale)}
            for t, off, pid, pct, _n, scale in vitals_of(person).iter_body_fat(lo, hi, as_of_ms)]


@register("height")
def _truth_height(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "id": pid, "height_mm": mm, "device": ""}
            for t, off, pid, mm, _n, _s in vitals_of(person).iter_height(lo, hi, as_of_ms)]
