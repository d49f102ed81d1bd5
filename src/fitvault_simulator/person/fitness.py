"""Activity and fitness of the synthetic person, with their ground truth.

Everything derives from the minute plan, the per-minute steps and the heart rate the person
already has, so the types agree with each other:

- ``distance`` (1-minute intervals, like steps): steps x stride (walking 0.65-0.76 m, running
  1.0-1.2 m, longer with effort); an outdoor ride adds its GPS distance (20-26 km/h), an indoor
  one only what the wrist counts. Records exist for worn, awake minutes (true zeros, ZEROS).
- ``floors``: one now and then while walking about, and one per 3.048 m climbed on outdoor runs
  and walks (per-minute altitude changes, the same that build the GPS track's profile).
- ``total-calories`` (rollup only): BMR (Mifflin-St Jeor from age, the weight the vitals family
  gives the body, 178 cm) x MET per minute; MET from pace (ACSM walking/running equations),
  effort on a bike, ~0.95 asleep. Only worn minutes count (docs/facts/google-health-api.md#data-types: on-wrist filtering
  applies to total calories too), so an off-wrist hour is missing from the day's sum.
- ``activity-level``: each worn awake minute is SEDENTARY (< 1.5 MET), LIGHTLY_ACTIVE (< 3),
  MODERATELY_ACTIVE (< 6) or VERY_ACTIVE; served as merged runs of one level, broken where the
  device was off, the person slept or the local date changed. ``sedentary-period``: the
  SEDENTARY runs of at least 10 minutes. ``active-minutes``: one 1-minute interval per active
  minute (the type's storage resolution, docs/facts/google-health-api.md#intraday-resolution) with one entry LIGHT / MODERATE /
  VIGOROUS for LIGHTLY_ / MODERATELY_ / VERY_ACTIVE.
- ``daily-heart-rate-zones``: heart-rate-reserve zones of the date (max 220 - age, resting heart
  rate of the date): LIGHT from 30 bpm (as real exports show), MODERATE from 40 %, VIGOROUS 60 %,
  PEAK 85 % to max.
  ``active-zone-minutes``: minutes whose mean sample (rounded) is in MODERATE (served as
  FAT_BURN, 1 point), VIGOROUS (CARDIO, 2) or PEAK (PEAK, 2) of that minute's local date.
- ``exercise``: one session per scheduled workout (run, walk, bike), its metrics summed over
  its active minutes (pauses excluded) from the arrays above; outdoor ones have GPS, per-km (runs)
  or per-5-km (rides) ``splits`` and, when paused, one MANUAL lap per active stretch in
  ``splitSummaries``. Now and then a manually logged session (yoga, weights) without a device.
- ``run-vo2-max``: one sample at the end of each GPS run, from its pace and the heart rate the
  model drives the body to (ACSM VO2 of the pace / fraction of heart-rate reserve); ``vo2-max``:
  FITBIT_RUN samples after GPS runs (14-day mean of run values) and a weekly HEART_RATE_RATIO
  estimate; ``daily-vo2-max``: the 14-day run mean (``estimated: false``) or, without runs, the
  heart-rate-ratio estimate (``estimated: true``).

Arrival: minute records once their minute has ended (as steps); an exercise at its
``createTime`` (a few minutes after its end; run VO2 samples with it); daily records the next
local morning (06:00-08:00, like resting heart rate they are computed after the day).
"""

from __future__ import annotations

import bisect
import functools
import math
import threading
import weakref
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .activity import ABSENT, DAY, IDLE, OFF, ZERO_OMITTED, MinutePlan, StepsDay
from .cache import DayCache
from .devices import DEVICES, device_index_at
from .heart_rate import _WORKOUT_BASE
from .rand import digest_int, stream
from .resting import base_rhr
from .route import Origin, TrackMinute, render_tcx, trackpoints
from .timezones import EPOCH_ORDINAL
from .truth import register
from .vitals import _weight_model

if TYPE_CHECKING:
    from . import SyntheticPerson

FLOOR_MM = 3048  # one floor = 10 ft of climb
HEIGHT_CM = 178.1  # the body's height (the vitals family logs 1781 mm)
SEDENTARY_MIN_S = 600  # sedentary periods are at least 10 minutes
VO2_DAYS = 14  # VO2 max from runs averages the GPS runs of the last 14 days
_SLEEP_MET = {10: 1.0, 11: 0.95, 12: 0.9, 13: 0.97, 14: 0.95, 15: 1.0}
_RUN, _WALK, _BIKE = 1, 2, 3  # activity.WORKOUT_KINDS

#: activity level codes (0 = not a worn awake minute) and their wire names
SEDENTARY, LIGHT, MODERATE, VIGOROUS = 1, 2, 3, 4
LEVEL_TYPES = ("", "SEDENTARY", "LIGHTLY_ACTIVE", "MODERATELY_ACTIVE", "VERY_ACTIVE")
ACTIVE_LEVELS = ("", "", "LIGHT", "MODERATE", "VIGOROUS")
#: heart-rate zone codes 1..4 (0 = below LIGHT); wire names of the daily zones and of AZM
HR_ZONES = ("", "LIGHT", "MODERATE", "VIGOROUS", "PEAK")
# LIGHT starts at a floor of 30 bpm, MODERATE..PEAK at fractions of the heart-rate reserve. The
# floor is what real data shows: every day of a real Takeout's daily_heart_rate_zones gives LIGHT
# a minimum of 30 bpm, and the live walk of django-google-health (80 bpm on average) spent 1020
# of its 1025 s in lightTime; a LIGHT zone from 30 % of the reserve (~95 bpm) would give 0 s.
_LIGHT_FLOOR_BPM = 30
_ZONE_FRACTIONS = (0.4, 0.6, 0.85)  # of heart-rate reserve, where MODERATE..PEAK start
AZM_ZONES = ("", "", "FAT_BURN", "CARDIO", "PEAK")
AZM_POINTS = (0, 0, 1, 2, 2)
FITNESS_LEVELS = ("POOR", "FAIR", "AVERAGE", "GOOD", "VERY_GOOD", "EXCELLENT")
_FITNESS_CUTS = (36.0, 40.0, 44.0, 48.0, 52.0)  # VO2 max lower bounds of FAIR.. at age 35

_NAMES = tuple(d.display_name for d in DEVICES)
_ORIGINS = {  # where the person exercises: (lat, lon, altitude m) by time zone
    "America/New_York": Origin(40.7812, -73.9665, 38.0),
    "Europe/Berlin": Origin(52.5145, 13.3501, 34.0),
    "Asia/Tokyo": Origin(35.6717, 139.6949, 40.0),
}


# -- per-UTC-day arrays -----------------------------------------------------------------------

@dataclass(frozen=True)
class MotionDay:
    """Per-minute motion of UTC day ``day`` (no heart rate needed)."""

    day: int
    dist: array  # 'I' mm, worn awake minutes
    floors: bytearray
    kcal: array  # 'I' thousandths of a kcal, worn minutes (asleep included)
    level: bytearray  # 0, SEDENTARY .. VIGOROUS
    alt: array  # 'i' signed altitude change (mm) of outdoor workout minutes


def motion_day(seed: int, plan: MinutePlan, steps: StepsDay, terrain: list[float], bmr_milli: float) -> MotionDay:
    """Generate the day's motion; ``terrain`` is the hilliness of outdoor workout minutes (0 =
    indoors or no workout), ``bmr_milli`` the basal rate in thousandths of a kcal per minute."""
    rng = stream(seed, "motion", plan.day)
    rand, randint, gauss = rng.random, rng.randint, rng.gauss
    dist = array("I", bytes(4 * 1440))
    floors = bytearray(1440)
    kcal = array("I", bytes(4 * 1440))
    level = bytearray(1440)
    alt = array("i", bytes(4 * 1440))
    climb = 0
    for m in range(1440):
        st = plan.state[m]
        if st == OFF:
            continue
        if st >= 10:  # asleep
            kcal[m] = int(bmr_milli * _SLEEP_MET[st] + 0.5)
            continue
        n = steps.count[m]
        if st == IDLE:
            d = n * (560 + 16 * n // 10)
            met = 1.15 + d / 35_000
            if n >= 55 and rand() < 0.04:
                floors[m] = 1
        else:
            k, eff, hill = plan.kind[m], plan.effort[m], terrain[m]
            if k == _RUN:
                d = n * (850 + 2 * (n - 150) + 3 * eff)
                met = 1 + d / 17_500  # ACSM running: VO2 = 0.2 * m/min + 3.5
            elif k == _WALK:
                d = n * (650 + n // 2 + eff // 2)
                met = 1 + d / 35_000  # ACSM walking: VO2 = 0.1 * m/min + 3.5
            else:
                d = 60 * (3800 + 35 * eff + randint(-250, 250)) if hill else n * (560 + 16 * n // 10)
                met = 3.5 + eff / 20
            if hill:
                dz = int(gauss(0.0, 2500.0 * hill * (2 if k == _BIKE else 1)))
                alt[m] = dz
                if k != _BIKE and dz > 0:
                    before = climb // FLOOR_MM
                    climb += dz
                    floors[m] = climb // FLOOR_MM - before
        dist[m] = d
        kcal[m] = int(bmr_milli * met + 0.5)
        level[m] = SEDENTARY if met < 1.5 else LIGHT if met < 3 else MODERATE if met < 6 else VIGOROUS
    return MotionDay(plan.day, dist, floors, kcal, level, alt)


@dataclass(frozen=True)
class ZoneDay:
    """Per-minute heart rate of UTC day ``day``: sample sums and counts, zone of the rounded mean."""

    day: int
    hr_sum: array  # 'I'
    hr_n: array  # 'H'
    zone: bytearray  # 0..4 (HR_ZONES)


class DayView(NamedTuple):
    """The arrays of one UTC day a minute walk reads (``zones`` only when asked for)."""

    plan: MinutePlan
    steps: StepsDay
    motion: MotionDay
    zones: ZoneDay | None


class Session(NamedTuple):
    """An exercise as it happened: a scheduled workout or a manual log."""

    start: int  # epoch s
    end: int
    kind: str  # run / walk / bike / yoga / weights
    manual: bool


@dataclass(frozen=True)
class Traits:
    """The per-session choices: GPS, a pause, hilliness, when the record is created/updated."""

    gps: bool
    pause: tuple[int, int] | None  # [start s, end s), whole minutes
    hill: float
    create_us: int
    update_us: int
    notes: str | None


@dataclass(frozen=True)
class Metrics:
    """``MetricsSummary`` values (None = field absent)."""

    calories_kcal: float | None = None
    distance_mm: float | None = None
    steps: int | None = None
    avg_pace_s_per_m: float | None = None
    avg_speed_mm_per_s: float | None = None
    avg_hr_bpm: int | None = None
    active_zone_minutes: int | None = None
    zone_s: tuple[int, int, int, int] | None = None  # light, moderate, vigorous, peak seconds
    elevation_gain_mm: float | None = None
    run_vo2_max: float | None = None
    # running dynamics (mobilityMetrics): cadence steps/min, ground contact s, stride mm,
    # vertical oscillation mm, vertical ratio %
    mobility: tuple[float, float, int, int, float] | None = None


@dataclass(frozen=True)
class Split:
    """One element of ``splits`` (kind "split") or ``splitSummaries`` (kind "summary")."""

    kind: str
    split_type: str
    start_ms: int
    start_offset_s: int
    end_ms: int
    end_offset_s: int
    active_s: int
    metrics: Metrics


@dataclass(frozen=True)
class Exercise:
    """Ground truth: one ``exercise`` data point exactly as served."""

    id: str
    name: str
    start_ms: int
    start_offset_s: int
    end_ms: int
    end_offset_s: int
    exercise_type: str
    display_name: str
    recording_method: str
    device: str | None
    form_factor: str | None
    active_s: int
    metrics: Metrics
    has_gps: bool | None  # None: no exerciseMetadata
    events: tuple[tuple[int, int, str], ...]  # (time ms, offset s, type)
    splits: tuple[Split, ...]
    split_summaries: tuple[Split, ...]
    notes: str | None
    create_us: int
    update_us: int


_TYPES = {"run": ("RUNNING", "Run", "Treadmill"), "walk": ("WALKING", "Walk", "Walk"),
          "bike": ("BIKING", "Outdoor Bike", "Bike"), "yoga": ("YOGA", "Yoga", "Yoga"),
          "weights": ("STRENGTH_TRAINING", "Weights", "Weights")}
_MANUAL_MET = {"yoga": 2.5, "weights": 3.5}
_MANUAL_NOTES = {"yoga": ("Evening yoga", "Stretching after work"), "weights": ("Upper body", "Legs day")}
_GPS_SHARE = {"run": 0.85, "walk": 0.5, "bike": 0.7}
_SPLIT_MM = {"run": 1_000_000, "bike": 5_000_000}  # DISTANCE splits: per km / per 5 km


@lru_cache(maxsize=8192)
def traits(seed: int, s: Session) -> Traits:
    """The session's deterministic choices."""
    rng = stream(seed, "exercise", s.start, s.kind)
    if s.manual:
        create = (s.end + rng.randint(300, 3 * 3600)) * 1_000_000 + rng.randrange(1_000_000)
        notes = rng.choice(_MANUAL_NOTES[s.kind]) if rng.random() < 0.4 else None
        return Traits(False, None, 0.0, create, create, notes)
    gps = rng.random() < _GPS_SHARE[s.kind]
    minutes = (s.end - s.start) // 60
    pause = None
    if gps and s.kind != "walk" and minutes >= 16 and rng.random() < 0.3:
        p0 = s.start + 60 * rng.randint(6, minutes - 8)
        pause = (p0, p0 + 60 * rng.randint(1, 3))
    hill = round(rng.uniform(0.3, 1.6), 2) if gps else 0.0
    create = (s.end + rng.randint(180, 1200)) * 1_000_000 + rng.randrange(1_000_000)
    update = create + (rng.randint(30, 400) * 1_000_000 + rng.randrange(1_000_000) if gps and s.kind == "run" else 0)
    return Traits(gps, pause, hill, create, update, None)


def local_dates_ms(first: date, stop: date) -> tuple[int, int]:
    """[lo, hi) epoch ms holding every instant whose local date (UTC-12 .. UTC+14) is in
    [first, stop)."""
    return (((first.toordinal() - EPOCH_ORDINAL) * DAY - 14 * 3600) * 1000,
            ((stop.toordinal() - EPOCH_ORDINAL) * DAY + 12 * 3600) * 1000)


def _round(x: float, digits: int) -> float:
    return float(round(x, digits))


# -- the per-person model ---------------------------------------------------------------------

class Fitness:
    """Lazily generated, cached activity and fitness data of one :class:`SyntheticPerson`."""

    def __init__(self, person: SyntheticPerson) -> None:
        self.p = person
        self.seed = person.seed
        self.zones = person.zones
        self.history_start_s = person.history_start_s
        self._motion: DayCache[MotionDay] = DayCache(400)
        # a year of zones is ~4 MiB and spares regenerating a day's heart rate per zone request
        self._hr_zones: DayCache[ZoneDay] = DayCache(400)
        self._runs: DayCache[list[tuple[int, int, int, int]]] = DayCache(800)
        self._motion_parts: DayCache[dict] = DayCache(100_000)  # complete UTC days only
        self._zone_parts: DayCache[dict] = DayCache(100_000)
        self._bounds: DayCache[tuple[int, ...]] = DayCache(100_000)
        self._exercises: DayCache[Exercise] = DayCache(4096)
        self._run_vo2: DayCache[float] = DayCache(100_000)
        self._ready: DayCache[int] = DayCache(100_000)
        self._manuals: DayCache[Session | None] = DayCache(100_000)
        self._daily_vo2: DayCache[tuple[float, str, bool, float]] = DayCache(100_000)
        self._ids: dict[str, Session] = {}
        self._ids_upto = self.history_start_s
        self._ids_lock = threading.Lock()

    # -- small helpers -------------------------------------------------------------------
    def _offset(self, t: int) -> int:
        return self.zones.offset_at(t)

    def bmr_milli(self, day: int) -> float:
        """Basal metabolic rate of UTC day ``day`` in thousandths of a kcal per minute."""
        noon = day * DAY + DAY // 2
        kg = _weight_model(self.seed, noon, self.history_start_s) / 1000
        age = self.p.age_on(date.fromordinal(EPOCH_ORDINAL + day))
        return (10 * kg + 6.25 * HEIGHT_CM - 5 * age + 5) * 1000 / 1440

    def zone_bounds(self, ordinal: int) -> tuple[int, int, int, int, int]:
        """(LIGHT, MODERATE, VIGOROUS, PEAK lower bounds, max) in bpm on local date ``ordinal``."""
        def make() -> tuple[int, ...]:
            hr_max = 220 - self.p.age_on(date.fromordinal(ordinal))
            rhr = round(base_rhr(self.seed, ordinal))
            return (_LIGHT_FLOOR_BPM, *(rhr + round(f * (hr_max - rhr)) for f in _ZONE_FRACTIONS), hr_max)
        return self._bounds.get(ordinal, make)  # type: ignore[return-value]

    def _terrain(self, day: int) -> list[float]:
        out = [0.0] * 1440
        t0 = day * DAY
        for plan in self.p.schedule.days_overlapping(t0, t0 + DAY):
            for w in plan.workouts:
                hill = traits(self.seed, Session(w.start, w.end, w.kind, False)).hill
                if hill:
                    for m in range(max((w.start - t0) // 60, 0), min(-(-(w.end - t0) // 60), 1440)):
                        out[m] = hill
        return out

    # -- per-day arrays --------------------------------------------------------------------
    def motion(self, day: int) -> MotionDay:
        """The motion arrays of UTC day ``day``."""
        return self._motion.get(day, lambda: motion_day(self.seed, self.p.minute_plan(day), self.p.steps_day(day),
                                                        self._terrain(day), self.bmr_milli(day)))

    def hr_zones(self, day: int) -> ZoneDay:
        """Per-minute heart-rate sums and zones of UTC day ``day`` (generates its heart rate)."""
        def make() -> ZoneDay:
            hr, plan = self.p.heart_rate_day(day), self.p.minute_plan(day)
            t0 = day * DAY
            minute = (np.frombuffer(hr.times, dtype=np.int64) - t0) // 60
            bpm = np.frombuffer(hr.bpm, dtype=np.uint8)
            sums = array("I", np.bincount(minute, weights=bpm, minlength=1440).astype(np.uint32).tobytes())
            counts = array("H", np.bincount(minute, minlength=1440).astype(np.uint16).tobytes())
            zone = bytearray(1440)
            by_date: dict[int, tuple[int, ...]] = {}
            for m in range(1440):
                if counts[m]:
                    o = EPOCH_ORDINAL + (t0 + 60 * m + plan.offsets[m]) // DAY
                    bounds = by_date.get(o) or by_date.setdefault(o, self.zone_bounds(o))
                    zone[m] = bisect.bisect_right(bounds, int(sums[m] / counts[m] + 0.5), 0, 4)
            return ZoneDay(day, sums, counts, zone)
        return self._hr_zones.get(day, make)

    # -- minute records (distance, floors, AZM, active minutes) ---------------------------
    def _view(self, day: int, zones: bool) -> DayView:
        return DayView(self.p.minute_plan(day), self.p.steps_day(day), self.motion(day),
                       self.hr_zones(day) if zones else None)

    def _minute_walk(self, lo_ms: int, hi_ms: int, as_of_ms: int, descending: bool,
                     emit: Callable[[DayView, int, int, int], tuple | None], zones: bool = False) -> Iterator[tuple]:
        """Records of minutes starting in [lo, hi) that have ended by ``as_of_ms``; ``emit(view of
        the day, minute index, start s, offset)`` gives the record or None."""
        span = self.p._span(lo_ms, min(hi_ms, as_of_ms - 59_999))
        if span is None:
            return
        lo_s, hi_s = span
        days = range(lo_s // DAY, (hi_s - 1) // DAY + 1)
        for day in reversed(days) if descending else days:
            t0 = day * DAY
            v = self._view(day, zones)
            offsets = v.plan.offsets
            m_lo, m_hi = max(-(-(lo_s - t0) // 60), 0), min(-(-(hi_s - t0) // 60), 1440)
            for m in range(m_hi - 1, m_lo - 1, -1) if descending else range(m_lo, m_hi):
                rec = emit(v, m, t0 + 60 * m, offsets[m])
                if rec is not None:
                    yield rec

    def _interval(self, s: int, off: int) -> tuple[int, int, int, int]:
        return s * 1000, off, s * 1000 + 60_000, self._offset(s + 60)

    def iter_distance(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[tuple]:
        """(start ms, off, end ms, off, mm, omitted, device) of worn awake minutes."""
        def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
            p = v.steps.present[m]
            if p == ABSENT:
                return None
            mm = v.motion.dist[m]
            return (*self._interval(s, off), mm, p == ZERO_OMITTED and mm == 0, v.plan.devices[m])
        return self._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit)

    def iter_floors(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[tuple]:
        """(start ms, off, end ms, off, floors, omitted, device) of worn awake minutes."""
        def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
            p = v.steps.present[m]
            if p == ABSENT:
                return None
            n = v.motion.floors[m]
            return (*self._interval(s, off), n, p == ZERO_OMITTED and n == 0, v.plan.devices[m])
        return self._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit)

    def iter_azm(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[tuple]:
        """(start ms, off, end ms, off, zone name, points, device) of minutes in an AZM zone."""
        def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
            z = v.zones.zone[m]  # type: ignore[union-attr]
            if z < 2:
                return None
            return (*self._interval(s, off), AZM_ZONES[z], AZM_POINTS[z], v.plan.devices[m])
        return self._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit, zones=True)

    def iter_active_minutes(self, lo_ms: int, hi_ms: int, as_of_ms: int, *,
                            descending: bool = False) -> Iterator[tuple]:
        """(start ms, off, end ms, off, LIGHT|MODERATE|VIGOROUS, device) of active minutes."""
        def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
            lv = v.motion.level[m]
            if lv < LIGHT:
                return None
            return (*self._interval(s, off), ACTIVE_LEVELS[lv], v.plan.devices[m])
        return self._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit)

    # -- level runs (activity-level, sedentary-period) -----------------------------------
    def _level_at(self, day: int, m: int) -> tuple[int, int]:
        plan = self.p.minute_plan(day)
        return self.motion(day).level[m], (day * DAY + 60 * m + plan.offsets[m]) // DAY

    def level_runs(self, day: int) -> list[tuple[int, int, int, int]]:
        """(start s, end s, level, device) of the level runs that start in UTC day ``day``; a run
        continues across UTC midnight but not across a change of local date."""
        def make() -> list[tuple[int, int, int, int]]:
            t0 = day * DAY
            lv, plan = self.motion(day).level, self.p.minute_plan(day)
            offs, devs = plan.offsets, plan.devices
            out: list[tuple[int, int, int, int]] = []
            cur: list[int] | None = None
            prev, prev_date = self._level_at(day - 1, 1439)
            for m in range(1440):
                level, ldate = lv[m], (t0 + 60 * m + offs[m]) // DAY
                if level and level == prev and ldate == prev_date:
                    if cur is not None:
                        cur[1] += 60
                else:
                    if cur is not None:
                        out.append((cur[0], cur[1], cur[2], cur[3]))
                    cur = [t0 + 60 * m, t0 + 60 * m + 60, level, devs[m]] if level else None
                prev, prev_date = level, ldate
            if cur is not None:  # runs on into the next day(s)
                d = day + 1
                while True:
                    nlv, noffs = self.motion(d).level, self.p.minute_plan(d).offsets
                    m = 0
                    while m < 1440 and nlv[m] == prev and (d * DAY + 60 * m + noffs[m]) // DAY == prev_date:
                        m += 1
                    cur[1] += 60 * m
                    if m < 1440:
                        break
                    d += 1
                out.append((cur[0], cur[1], cur[2], cur[3]))
            return out
        return self._runs.get(day, make)

    def _iter_runs(self, lo_ms: int, hi_ms: int, as_of_ms: int, descending: bool,
                   sedentary: bool) -> Iterator[tuple]:
        span = self.p._span(lo_ms, min(hi_ms, as_of_ms))
        if span is None:
            return
        lo_s, hi_s = span
        cut = as_of_ms // 60_000 * 60  # minutes that have ended
        days = range(lo_s // DAY, (hi_s - 1) // DAY + 1)
        for day in reversed(days) if descending else days:
            runs = self.level_runs(day)
            for s, e, level, dev in reversed(runs) if descending else runs:
                if not lo_s <= s < hi_s:
                    continue
                e = min(e, cut)
                if e <= s or (sedentary and (level != SEDENTARY or e - s < SEDENTARY_MIN_S)):
                    continue
                yield s * 1000, self._offset(s), e * 1000, self._offset(e), LEVEL_TYPES[level], dev

    def iter_activity_level(self, lo_ms: int, hi_ms: int, as_of_ms: int, *,
                            descending: bool = False) -> Iterator[tuple]:
        """(start ms, off, end ms, off, level type, device) of runs starting in [lo, hi)."""
        return self._iter_runs(lo_ms, hi_ms, as_of_ms, descending, False)

    def iter_sedentary(self, lo_ms: int, hi_ms: int, as_of_ms: int, *,
                       descending: bool = False) -> Iterator[tuple]:
        """(start ms, off, end ms, off, "SEDENTARY", device) of sedentary periods (>= 10 min)."""
        return self._iter_runs(lo_ms, hi_ms, as_of_ms, descending, True)

    # -- per-local-date sums (dailyRollUp) ----------------------------------------------
    def _cut(self, day: int, as_of_ms: int) -> int:
        """How many minutes of UTC day ``day`` have ended by ``as_of_ms``."""
        return min(max((as_of_ms // 1000 - day * DAY) // 60, 0), 1440)

    def _motion_part(self, day: int, cut: int) -> dict[int, list[int]]:
        """{local ordinal: [distance, floors, kcal milli, light, moderate, vigorous, awake
        minutes, worn minutes]} over the first ``cut`` minutes of UTC day ``day``."""
        mo, plan, st = self.motion(day), self.p.minute_plan(day), self.p.steps_day(day)
        t0 = day * DAY
        out: dict[int, list[int]] = {}
        for m in range(cut):
            if plan.state[m] == OFF:
                continue
            o = EPOCH_ORDINAL + (t0 + 60 * m + plan.offsets[m]) // DAY
            a = out.get(o)
            if a is None:
                a = out[o] = [0] * 8
            a[2] += mo.kcal[m]
            a[7] += 1
            if st.present[m] != ABSENT:
                a[0] += mo.dist[m]
                a[1] += mo.floors[m]
                lv = mo.level[m]
                if lv >= LIGHT:
                    a[lv + 1] += 1
                a[6] += 1
        return out

    def _zone_part(self, day: int, cut: int) -> dict[int, list[int]]:
        """{local ordinal: [fat burn, cardio, peak points, minutes with heart rate]}."""
        z, plan = self.hr_zones(day), self.p.minute_plan(day)
        t0 = day * DAY
        out: dict[int, list[int]] = {}
        for m in range(cut):
            if not z.hr_n[m]:
                continue
            o = EPOCH_ORDINAL + (t0 + 60 * m + plan.offsets[m]) // DAY
            a = out.get(o)
            if a is None:
                a = out[o] = [0] * 4
            zone = z.zone[m]
            if zone >= 2:
                a[zone - 2] += AZM_POINTS[zone]
            a[3] += 1
        return out

    def _daily(self, part: Callable[[int, int], dict[int, list[int]]], cache: DayCache,
               first: date, stop: date, as_of_ms: int) -> dict[date, list[int]]:
        lo_o, hi_o = first.toordinal(), stop.toordinal()
        acc: dict[int, list[int]] = {}
        first_day = max(lo_o - EPOCH_ORDINAL - 1, self.history_start_s // DAY)
        for day in range(first_day, hi_o - EPOCH_ORDINAL + 1):
            cut = self._cut(day, as_of_ms)
            if cut == 0:
                break
            parts = cache.get(day, functools.partial(part, day, 1440)) if cut == 1440 else part(day, cut)
            for o, vals in parts.items():
                if lo_o <= o < hi_o:
                    a = acc.get(o)
                    if a is None:
                        acc[o] = list(vals)
                    else:
                        for i, v in enumerate(vals):
                            a[i] += v
        return {date.fromordinal(o): acc[o] for o in sorted(acc)}

    def daily_motion(self, first: date, stop: date, as_of_ms: int) -> dict[date, list[int]]:
        """Per local date: [distance mm, floors, kcal milli, light, moderate, vigorous minutes,
        worn awake minutes, worn minutes] (dates with a worn minute)."""
        return self._daily(self._motion_part, self._motion_parts, first, stop, as_of_ms)

    def daily_zones(self, first: date, stop: date, as_of_ms: int) -> dict[date, list[int]]:
        """Per local date: [fat burn, cardio, peak AZM points, minutes with heart rate]."""
        return self._daily(self._zone_part, self._zone_parts, first, stop, as_of_ms)

    def daily_sedentary(self, first: date, stop: date, as_of_ms: int) -> dict[date, int]:
        """Seconds in sedentary periods per local date of their start."""
        lo, hi = local_dates_ms(first, stop)
        out: dict[date, int] = {}
        for s, so, e, _eo, _lv, _d in self.iter_sedentary(lo, hi, as_of_ms):
            d = date.fromordinal(EPOCH_ORDINAL + (s // 1000 + so) // DAY)
            if first <= d < stop:
                out[d] = out.get(d, 0) + (e - s) // 1000
        return out

    # -- per-minute series (rollUp over physical windows) ---------------------------------
    def minute_series(self, what: str, lo_ms: int, hi_ms: int, as_of_ms: int) -> Iterator[tuple[int, tuple]]:
        """(start ms, values) of each minute starting in [lo, hi) that has a record for ``what``
        (distance, floors, total-calories, active-minutes, activity-level, active-zone-minutes,
        sedentary-period), ascending."""
        def emit(v: DayView, m: int, s: int, _off: int) -> tuple | None:
            if what == "active-zone-minutes":
                z = v.zones
                if not z.hr_n[m]:  # type: ignore[union-attr]
                    return None
                zone = z.zone[m]  # type: ignore[union-attr]
                return s * 1000, (int(zone == 2), 2 * int(zone == 3), 2 * int(zone == 4))
            if what == "total-calories":
                return None if v.plan.state[m] == OFF else (s * 1000, (v.motion.kcal[m],))
            if v.steps.present[m] == ABSENT:
                return None
            lv = v.motion.level[m]
            if what == "distance":
                return s * 1000, (v.motion.dist[m],)
            if what == "floors":
                return s * 1000, (v.motion.floors[m],)
            if what == "active-minutes":
                return s * 1000, (int(lv == LIGHT), int(lv == MODERATE), int(lv == VIGOROUS))
            if what == "activity-level":
                return s * 1000, tuple(60 if lv == k else 0 for k in (SEDENTARY, LIGHT, MODERATE, VIGOROUS))
            return s * 1000, (0,)  # sedentary-period: filled in below
        series = self._minute_walk(lo_ms, hi_ms, as_of_ms, False, emit, zones=what == "active-zone-minutes")
        if what != "sedentary-period":
            return series
        periods = [(s, e) for s, _so, e, _eo, _l, _d in
                   self.iter_sedentary(lo_ms - DAY * 1000, hi_ms, as_of_ms)]
        starts = [s for s, _e in periods]

        def mark() -> Iterator[tuple[int, tuple]]:
            for t, _v in series:
                i = bisect.bisect_right(starts, t) - 1
                yield t, ((60,) if i >= 0 and t < periods[i][1] else (0,))
        return mark()

    # -- sessions ------------------------------------------------------------------------
    def _manual(self, plan: Any) -> Session | None:
        return self._manuals.get(plan.evening.toordinal(), lambda: self._make_manual(plan))

    def _make_manual(self, plan: Any) -> Session | None:
        """Now and then (1 evening in 12) a yoga or weights session logged by hand."""
        rng = stream(self.seed, "manual-exercise", plan.evening.toordinal())
        if rng.random() >= 0.08:
            return None
        kind = "yoga" if rng.random() < 0.6 else "weights"
        local = datetime.combine(plan.evening, time(19, 0)) + timedelta(minutes=rng.randint(0, 90))
        start = self.zones.local_to_utc(local)
        end = start + 60 * rng.randint(20, 60)
        if end > plan.main.start - 1800 or any(start < b + 300 and a < end + 300 for a, b in
                                                  [(w.start, w.end) for w in plan.workouts]
                                                  + [(n.start, n.end) for n in plan.naps]):
            return None
        return Session(start, end, kind, True)

    def sessions(self, lo_s: int, hi_s: int) -> list[Session]:
        """Sessions starting in [lo, hi) after the history start, ascending."""
        lo_s = max(lo_s, self.history_start_s)
        if lo_s >= hi_s:
            return []
        out: list[Session] = []
        for plan in self.p.schedule.days_overlapping(lo_s, hi_s):
            cands = [Session(w.start, w.end, w.kind, False) for w in plan.workouts]
            manual = self._manual(plan)
            if manual is not None:
                cands.append(manual)
            out.extend(s for s in cands if lo_s <= s.start < hi_s)
        return sorted(set(out))

    def exists(self, s: Session, as_of_ms: int) -> bool:
        """Has the session's record been created by ``as_of_ms``?"""
        return traits(self.seed, s).create_us <= as_of_ms * 1000

    def session_id(self, s: Session) -> str:
        """The data point id (a long integer, docs/facts/google-health-api.md#get)."""
        return str(6_600_000_000_000_000_000 + digest_int(self.seed, "exercise-id", s.start) % (2 * 10**18))

    def iter_sessions(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False
                      ) -> Iterator[tuple[int, int, Session]]:
        """(start ms, start offset, session) of sessions starting in [lo, hi) that exist; a
        descending walk looks at 30 days at a time (a page of 25 needs only the newest ones)."""
        lo_s, hi_s = -(-lo_ms // 1000), min(-(-hi_ms // 1000), as_of_ms // 1000 + 1)
        step = hi_s - lo_s if not descending else 30 * DAY
        top = hi_s
        while top > lo_s:
            bottom = max(lo_s, top - step)
            found = [s for s in self.sessions(bottom, top) if self.exists(s, as_of_ms)]
            for s in reversed(found) if descending else found:
                yield s.start * 1000, self._offset(s.start), s
            top = bottom

    def session_by_id(self, point_id: str, as_of_ms: int) -> Session | None:
        """The existing session with this id, if any."""
        with self._ids_lock:
            upto = as_of_ms // 1000 + 1
            if upto > self._ids_upto:
                for session in self.sessions(self._ids_upto, upto):
                    self._ids[self.session_id(session)] = session
                self._ids_upto = upto
            s = self._ids.get(point_id)
        return s if s is not None and self.exists(s, as_of_ms) else None

    # -- exercise records ----------------------------------------------------------------
    def _active_minutes(self, s: Session) -> list[int]:
        pause = traits(self.seed, s).pause
        return [t for t in range(s.start, s.end, 60) if pause is None or not pause[0] <= t < pause[1]]

    def run_vo2(self, s: Session) -> float:
        """The run's VO2 max estimate: ACSM VO2 of its pace over the fraction of heart-rate
        reserve the body works at (the heart-rate model's minute targets, no samples needed)."""
        def make() -> float:
            dist = 0
            hr = 0.0
            active = self._active_minutes(s)
            ordinal = EPOCH_ORDINAL + (s.start + self._offset(s.start)) // DAY
            rhr = base_rhr(self.seed, ordinal)
            base, gain = _WORKOUT_BASE[_RUN]
            for t in active:
                day, m = t // DAY, t % DAY // 60
                dist += self.motion(day).dist[m]
                hr += base + gain * self.p.minute_plan(day).effort[m] - (rhr - 56.0)
            speed = dist / 1000 / len(active)
            hr_max = 220 - self.p.age_on(date.fromordinal(ordinal))
            frac = min(max((hr / len(active) - rhr) / (hr_max - rhr), 0.4), 0.98)
            noise = stream(self.seed, "run-vo2", s.start).gauss(0.0, 0.8)
            return _round(3.5 + 0.2 * speed / frac + noise, 1)
        return self._run_vo2.get(s.start, make)

    def exercise(self, s: Session) -> Exercise:
        """The served record of session ``s`` (needs the heart rate of its days)."""
        return self._exercises.get((s.start, s.kind), lambda: self._manual_record(s) if s.manual else self._tracked(s))

    def _base(self, s: Session) -> dict:
        sid = self.session_id(s)
        return {"id": sid, "name": f"users/{self.p.health_user_id}/dataTypes/exercise/dataPoints/{sid}",
                "start_ms": s.start * 1000, "start_offset_s": self._offset(s.start),
                "end_ms": s.end * 1000, "end_offset_s": self._offset(s.end)}

    def _manual_record(self, s: Session) -> Exercise:
        tr = traits(self.seed, s)
        minutes = (s.end - s.start) // 60
        kcal = float(round(self.bmr_milli(s.start // DAY) / 1000 * _MANUAL_MET[s.kind] * minutes))
        etype, name, _ = _TYPES[s.kind]
        return Exercise(**self._base(s), exercise_type=etype, display_name=name, recording_method="MANUAL",
                        device=None, form_factor=None, active_s=s.end - s.start, metrics=Metrics(calories_kcal=kcal),
                        has_gps=None, events=(), splits=(), split_summaries=(), notes=tr.notes,
                        create_us=tr.create_us, update_us=tr.update_us)

    def _minute_rows(self, s: Session) -> list[tuple[int, int, int, int, float | None, int, int]]:
        """Per active minute: (start s, mm, steps, kcal milli, mean bpm or None, zone, altitude change)."""
        rows = []
        for t in self._active_minutes(s):
            day, m = t // DAY, t % DAY // 60
            mo, z = self.motion(day), self.hr_zones(day)
            mean = z.hr_sum[m] / z.hr_n[m] if z.hr_n[m] else None
            rows.append((t, mo.dist[m], self.p.steps_day(day).count[m], mo.kcal[m], mean, z.zone[m], mo.alt[m]))
        return rows

    def _tracked(self, s: Session) -> Exercise:
        tr = traits(self.seed, s)
        rows = self._minute_rows(s)
        active_s = 60 * len(rows)
        metrics = self._metrics(s, tr, rows)
        splits, summaries = self._splits_of(s, tr, rows)
        etype, gps_name, indoor_name = _TYPES[s.kind]
        dev = device_index_at(s.start)
        method = "PASSIVELY_MEASURED" if s.kind == "walk" and not tr.gps else "ACTIVELY_MEASURED"
        return Exercise(**self._base(s), exercise_type=etype, display_name=gps_name if tr.gps else indoor_name,
                        recording_method=method, device=_NAMES[dev], form_factor=DEVICES[dev].form_factor,
                        active_s=active_s, metrics=metrics, has_gps=tr.gps, events=self._events(s, tr),
                        splits=splits, split_summaries=summaries, notes=None, create_us=tr.create_us,
                        update_us=tr.update_us)

    def _metrics(self, s: Session, tr: Traits, rows: list) -> Metrics:
        """The session's totals and averages from its own minutes and the day's heart-rate zones."""
        active_s = 60 * len(rows)
        hr_sum = hr_n = 0
        zones = [0] * 5
        for t, *_x in rows:
            day, m = t // DAY, t % DAY // 60
            z = self.hr_zones(day)
            hr_sum += z.hr_sum[m]
            hr_n += z.hr_n[m]
            zones[z.zone[m]] += 1
        dist = sum(r[1] for r in rows)
        outdoor_bike = s.kind == "bike" and tr.gps
        has_dist = s.kind != "bike" or outdoor_bike
        return Metrics(
            calories_kcal=_round(sum(r[3] for r in rows) / 1000, 1),
            distance_mm=float(dist) if has_dist else None,
            steps=sum(r[2] for r in rows),
            avg_pace_s_per_m=_round(active_s / (dist / 1000), 3) if s.kind != "bike" and dist else None,
            avg_speed_mm_per_s=_round(dist / active_s, 1) if outdoor_bike else None,
            avg_hr_bpm=round(hr_sum / hr_n) if hr_n else None,
            active_zone_minutes=sum(AZM_POINTS[z] * zones[z] for z in range(5)),
            zone_s=(60 * zones[1], 60 * zones[2], 60 * zones[3], 60 * zones[4]),
            elevation_gain_mm=float(sum(max(r[6], 0) for r in rows)) if tr.gps else None,
            run_vo2_max=self.run_vo2(s) if tr.gps and s.kind == "run" else None,
            mobility=self._mobility(s, rows) if tr.gps and s.kind == "run" else None,
        )

    def _events(self, s: Session, tr: Traits) -> tuple:
        """START, the pause and resume if any, STOP: (ms, utc offset, name) each."""
        events = [(s.start * 1000, self._offset(s.start), "START")]
        if tr.pause is not None:
            names = ("AUTO_PAUSE", "AUTO_RESUME") if s.kind == "run" else ("PAUSE", "RESUME")
            events += [(t * 1000, self._offset(t), name) for t, name in zip(tr.pause, names)]
        events.append((s.end * 1000, self._offset(s.end), "STOP"))
        return tuple(events)

    def _splits_of(self, s: Session, tr: Traits, rows: list) -> tuple[tuple[Split, ...], tuple[Split, ...]]:
        """(distance splits, manual summaries before and after the pause) of a GPS session."""
        if not (tr.gps and s.kind in _SPLIT_MM):
            return (), ()
        splits = self._distance_splits(s, rows, _SPLIT_MM[s.kind])
        if tr.pause is None:
            return splits, ()
        before = sum(1 for r in rows if r[0] < tr.pause[0])
        summaries = tuple(self._split(s, rows, "summary", "MANUAL", a, b, None)
                          for a, b in ((0, 60 * before), (60 * before, 60 * len(rows))))
        return splits, summaries

    def _mobility(self, s: Session, rows: list) -> tuple[float, float, int, int, float] | None:
        """Running dynamics of a GPS run from its own minutes: cadence = steps per active minute,
        stride = distance / steps; ground contact shortens as cadence rises (~0.30 s at 150,
        ~0.22 s at 185 steps/min); vertical oscillation 70-110 mm; ratio = oscillation / stride
        in percent (the discovery document's [5, 11] holds for strides of 0.9-1.6 m)."""
        steps = sum(r[2] for r in rows)
        dist = sum(r[1] for r in rows)
        if not steps or not dist:
            return None
        cadence = steps / len(rows)
        stride = round(dist / steps)
        rng = stream(self.seed, "mobility", s.start)
        contact = _round(max(0.18, 0.30 - (cadence - 150) * 0.0023) + rng.uniform(-0.01, 0.01), 3)
        oscillation = rng.randint(70, 110)
        return _round(cadence, 1), contact, stride, oscillation, _round(100 * oscillation / stride, 2)

    @staticmethod
    def _wall_start(rows: list, a: int) -> int:
        """Epoch second at which active second ``a`` starts."""
        return rows[a // 60][0] + a % 60

    @staticmethod
    def _wall_end(rows: list, a: int) -> int:
        """Epoch second at which active second ``a - 1`` ends (a pause after it not included)."""
        return rows[(a - 1) // 60][0] + (a - 1) % 60 + 1

    def _split(self, s: Session, rows: list, kind: str, split_type: str, a0: int, a1: int,
               distance: int | None) -> Split:
        """Metrics over active seconds [a0, a1), per-minute values prorated by overlap; it spans
        wall time from the start of active second a0 to the end of a1 - 1 (a pause at either
        edge is outside, one inside is included)."""
        mm = steps = kcal = climb = points = 0.0
        hr_w = hr_t = 0.0
        zone_s = [0, 0, 0, 0, 0]
        for k in range(a0 // 60, -(-a1 // 60)):
            ov = min(a1, 60 * k + 60) - max(a0, 60 * k)
            _t, d, n, c, mean, z, alt = rows[k]
            mm += d * ov / 60
            steps += n * ov / 60
            kcal += c * ov / 60
            climb += max(alt, 0) * ov / 60
            zone_s[z] += ov
            points += AZM_POINTS[z] * ov / 60
            if mean is not None:
                hr_w += mean * ov
                hr_t += ov
        dist = round(mm) if distance is None else distance
        active = a1 - a0
        bike = s.kind == "bike"
        # Splits also carry speed, elevation, zone minutes and zone time (the discovery
        # document's MetricsSummary; the per-minute values prorated like the rest).
        metrics = Metrics(calories_kcal=_round(kcal / 1000, 1), distance_mm=float(dist), steps=round(steps),
                          avg_pace_s_per_m=None if bike or not dist else _round(active / (dist / 1000), 3),
                          avg_speed_mm_per_s=_round(dist / active, 1),
                          avg_hr_bpm=round(hr_w / hr_t) if hr_t else None,
                          active_zone_minutes=round(points), zone_s=(zone_s[1], zone_s[2], zone_s[3], zone_s[4]),
                          elevation_gain_mm=float(round(climb)))
        t0, t1 = self._wall_start(rows, a0), self._wall_end(rows, a1)
        return Split(kind, split_type, t0 * 1000, self._offset(t0), t1 * 1000, self._offset(t1), active, metrics)

    def _distance_splits(self, s: Session, rows: list, every: int) -> tuple[Split, ...]:
        cum = [0]
        for r in rows:
            cum.append(cum[-1] + r[1])
        total = cum[-1]
        marks = [(0, 0)]  # (active second, distance mm)
        x = every
        while x < total:
            k = bisect.bisect_left(cum, x) - 1  # cum[k] < x <= cum[k + 1]
            sec = min(max(round((x - cum[k]) * 60 / rows[k][1]), 1), 60)
            marks.append((60 * k + sec, x))
            x += every
        marks.append((60 * len(rows), total))
        return tuple(self._split(s, rows, "split", "DISTANCE", a0, a1, d1 - d0)
                     for (a0, d0), (a1, d1) in zip(marks, marks[1:]) if a1 > a0)

    # -- daily records and VO2 max -------------------------------------------------------
    def ready_s(self, d: date) -> int:
        """When date ``d``'s daily records appear: the next local morning, 06:00-08:00."""
        def make() -> int:
            jitter = digest_int(self.seed, "daily-ready", d.toordinal()) % 7200
            return self.zones.local_to_utc(datetime.combine(d + timedelta(days=1), time(6, 0))) + jitter
        return self._ready.get(d.toordinal(), make)

    def _dates(self, first: date, end: date, as_of_ms: int) -> Iterator[tuple[date, int]]:
        """(date, device) of dates in [first, end) from the history start whose records exist."""
        d = max(first, self.p.history_start)
        while d < end:
            if self.ready_s(d) * 1000 <= as_of_ms:
                yield d, device_index_at(self.p.local_noon(d))
            d += timedelta(days=1)

    def iter_daily_zones(self, first: date, end: date, as_of_ms: int) -> list[tuple]:
        """(date, (LIGHT, MODERATE, VIGOROUS, PEAK lower bounds, max), device), ascending."""
        return [(d, self.zone_bounds(d.toordinal()), dev) for d, dev in self._dates(first, end, as_of_ms)]

    def gps_runs(self, lo_s: int, hi_s: int) -> list[Session]:
        """GPS runs starting in [lo, hi)."""
        return [s for s in self.sessions(lo_s, hi_s) if s.kind == "run" and traits(self.seed, s).gps]

    def heart_rate_ratio_vo2(self, ordinal: int) -> float:
        """VO2 max from the heart-rate ratio (Uth, 14.5 x max / resting, resting = 7-day mean)."""
        rhr = sum(base_rhr(self.seed, ordinal - k) for k in range(7)) / 7
        return _round(14.5 * (220 - self.p.age_on(date.fromordinal(ordinal))) / rhr, 1)

    def _run_mean(self, runs: list[Session]) -> float:
        return _round(sum(self.run_vo2(s) for s in runs) / len(runs), 1)

    def daily_vo2(self, d: date) -> tuple[float, str, bool, float]:
        """(VO2 max, cardio fitness level, estimated, covariance) of date ``d``: the mean of the
        GPS runs that ended in the 14 local days up to ``d``, else the heart-rate-ratio estimate
        (every such run exists before the date's record appears)."""
        return self._daily_vo2.get(d.toordinal(), lambda: self._make_daily_vo2(d))

    def _make_daily_vo2(self, d: date) -> tuple[float, str, bool, float]:
        o = d.toordinal()
        lo_s, hi_s = (o - VO2_DAYS - EPOCH_ORDINAL) * DAY - DAY, (o + 1 - EPOCH_ORDINAL) * DAY + DAY
        runs = [s for s in self.gps_runs(lo_s, hi_s)
                if o - VO2_DAYS < EPOCH_ORDINAL + (s.end + self._offset(s.end)) // DAY <= o]
        if runs:
            vo2, estimated, cov = self._run_mean(runs), False, _round(1.2 / math.sqrt(len(runs)), 2)
        else:
            vo2, estimated = self.heart_rate_ratio_vo2(o), True
            cov = _round(3.0 + digest_int(self.seed, "vo2-cov", o) % 100 / 100, 2)
        shift = 0.3 * (self.p.age_on(d) - 35)
        level = FITNESS_LEVELS[bisect.bisect_right([c - shift for c in _FITNESS_CUTS], vo2)]
        return vo2, level, estimated, cov

    def iter_daily_vo2(self, first: date, end: date, as_of_ms: int) -> list[tuple]:
        """(date, VO2 max, level, estimated, covariance, device), ascending."""
        return [(d, *self.daily_vo2(d), dev) for d, dev in self._dates(first, end, as_of_ms)]

    def iter_run_vo2(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[tuple]:
        """(time ms, offset, run VO2 max, device): one per GPS run, at its end, once it exists."""
        runs = [s for s in self.gps_runs(lo_ms // 1000 - DAY, -(-hi_ms // 1000))
                if lo_ms <= s.end * 1000 < hi_ms and self.exists(s, as_of_ms)]
        for s in reversed(runs) if descending else runs:
            yield s.end * 1000, self._offset(s.end), self.run_vo2(s), device_index_at(s.start)

    def iter_vo2(self, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[tuple]:
        """(time ms, offset, VO2 max, method, device): FITBIT_RUN at the end of each GPS run (mean
        of the GPS runs ending in the 14 days up to it) and HEART_RATE_RATIO on Sundays at 07:00
        local (it exists 10 minutes later)."""
        lo_ms = max(lo_ms, self.history_start_s * 1000)
        if lo_ms >= hi_ms:
            return
        recs = []
        for t_ms, off, _v, dev in self.iter_run_vo2(lo_ms, hi_ms, as_of_ms):
            end = t_ms // 1000
            window = [r for r in self.gps_runs(end - (VO2_DAYS + 1) * DAY, end) if end - VO2_DAYS * DAY < r.end <= end]
            recs.append((t_ms, off, self._run_mean(window), "FITBIT_RUN", dev))
        d = date.fromordinal(EPOCH_ORDINAL + lo_ms // 86_400_000 - 1)
        while (d.toordinal() - EPOCH_ORDINAL - 1) * 86_400_000 < hi_ms:
            if d.weekday() == 6 and d >= self.p.history_start:
                t = self.zones.local_to_utc(datetime.combine(d, time(7, 0)))
                if lo_ms <= t * 1000 < hi_ms and t * 1000 + 600_000 <= as_of_ms:
                    recs.append((t * 1000, self._offset(t), self.heart_rate_ratio_vo2(d.toordinal()),
                                 "HEART_RATE_RATIO", device_index_at(t)))
            d += timedelta(days=1)
        recs.sort()
        yield from reversed(recs) if descending else recs

    # -- GPS track ------------------------------------------------------------------------
    def tcx(self, s: Session, partial: bool = False) -> str | None:
        """The TCX document of ``s``: with positions for GPS sessions; with ``partial`` also for
        tracked sessions without GPS (time, distance, heart rate only); else None."""
        if s.manual:
            return None
        tr = traits(self.seed, s)
        if not tr.gps and not partial:
            return None
        ex = self.exercise(s)
        rows = self._minute_rows(s)
        minutes = [TrackMinute(t, d, alt) for t, d, _n, _c, _m, _z, alt in rows]
        # up to and including the end second: the last trackpoint is at the end (route.trackpoints)
        hr = [(t, b) for t, _o, b, _d, _a in self.p.iter_heart_rate(s.start * 1000, s.end * 1000 + 1,
                                                                    s.end * 1000 + 1)]
        origin = _ORIGINS.get(self.zones.at(s.start).zone, _ORIGINS["America/New_York"]) if tr.gps else None
        rng = stream(self.seed, "route", s.start)
        segments = [(0, len(rows))]
        if tr.pause is not None:
            before = sum(1 for r in rows if r[0] < tr.pause[0])
            segments = [(0, before), (before, len(rows))]
        kcal = [r[3] for r in rows]
        points = trackpoints(minutes, segments, hr, origin, rng)
        sport = {"RUNNING": "Running", "BIKING": "Biking"}.get(ex.exercise_type, "Other")
        return render_tcx(sport, s.start, minutes, segments, points, kcal)


_FITNESS: weakref.WeakKeyDictionary[Any, Fitness] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def fitness_of(person: SyntheticPerson) -> Fitness:
    """The (cached) :class:`Fitness` of ``person``."""
    with _LOCK:
        f = _FITNESS.get(person)
        if f is None:
            f = _FITNESS[person] = Fitness(person)
        return f


# -- ground truth (vault rows, see .truth) ---------------------------------------------------

def _interval_row(s: int, so: int, e: int, eo: int) -> dict:
    return {"start_ms": s, "start_offset_s": so, "end_ms": e, "end_offset_s": eo}


@register("daily_distance")
def _truth_daily_distance(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "distance_mm": v[0], "device": ""}
            for d, v in fitness_of(person).daily_motion(lo, hi, as_of_ms).items() if v[6]]


@register("daily_floors")
def _truth_daily_floors(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "floors": v[1], "device": ""}
            for d, v in fitness_of(person).daily_motion(lo, hi, as_of_ms).items() if v[6]]


@register("daily_total_calories")
def _truth_daily_calories(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "calories_kcal": v[2] / 1000, "device": ""}
            for d, v in fitness_of(person).daily_motion(lo, hi, as_of_ms).items() if v[7]]


@register("distance_minutes")
def _truth_distance_minutes(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_interval_row(s, so, e, eo), "distance_mm": mm, "device": _NAMES[dev]}
            for s, so, e, eo, mm, _z, dev in fitness_of(person).iter_distance(lo, hi, as_of_ms)]


@register("active_zone_minutes")
def _truth_azm(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_interval_row(s, so, e, eo), "heart_rate_zone": zone, "active_zone_minutes": n, "device": _NAMES[dev]}
            for s, so, e, eo, zone, n, dev in fitness_of(person).iter_azm(lo, hi, as_of_ms)]


@register("active_minutes")
def _truth_active_minutes(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_interval_row(s, so, e, eo), "light_minutes": int(level == "LIGHT"),
             "moderate_minutes": int(level == "MODERATE"), "vigorous_minutes": int(level == "VIGOROUS"),
             "device": _NAMES[dev]}
            for s, so, e, eo, level, dev in fitness_of(person).iter_active_minutes(lo, hi, as_of_ms)]


@register("activity_level")
def _truth_activity_level(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_interval_row(s, so, e, eo), "level": level, "device": _NAMES[dev]}
            for s, so, e, eo, level, dev in fitness_of(person).iter_activity_level(lo, hi, as_of_ms)]


@register("sedentary_periods")
def _truth_sedentary(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_interval_row(s, so, e, eo), "device": _NAMES[dev]}
            for s, so, e, eo, _l, dev in fitness_of(person).iter_sedentary(lo, hi, as_of_ms)]


def _exercises(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[Exercise]:
    f = fitness_of(person)
    return [f.exercise(s) for _t, _o, s in f.iter_sessions(lo, hi, as_of_ms)]


def _utc_us(us: int) -> str:
    s, frac = divmod(us, 1_000_000)
    text = datetime.fromtimestamp(s, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{frac:06d}Z" if frac else f"{text}Z"


def _float(x: float | int | None) -> float | None:
    return None if x is None else float(x)


@register("exercises")
def _truth_exercises(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    rows = []
    for ex in _exercises(person, lo, hi, as_of_ms):
        m = ex.metrics
        zone = m.zone_s if m.zone_s is not None else (None, None, None, None)
        rows.append({
            "id": ex.id, "start_ms": ex.start_ms, "start_offset_s": ex.start_offset_s, "end_ms": ex.end_ms,
            "end_offset_s": ex.end_offset_s, "exercise_type": ex.exercise_type, "display_name": ex.display_name,
            "active_duration_s": float(ex.active_s), "calories_kcal": _float(m.calories_kcal),
            "distance_mm": _float(m.distance_mm), "steps": m.steps, "avg_pace_s_per_m": m.avg_pace_s_per_m,
            "avg_speed_mm_per_s": m.avg_speed_mm_per_s, "avg_hr_bpm": m.avg_hr_bpm,
            "active_zone_minutes": m.active_zone_minutes, "elevation_gain_mm": _float(m.elevation_gain_mm),
            "run_vo2_max_ml_kg_min": m.run_vo2_max, "total_swim_lengths": None,
            "light_zone_s": _float(zone[0]), "moderate_zone_s": _float(zone[1]),
            "vigorous_zone_s": _float(zone[2]), "peak_zone_s": _float(zone[3]),
            "has_gps": int(bool(ex.has_gps)), "pool_length_mm": None, "notes": ex.notes,
            "create_time": _utc_us(ex.create_us), "update_time": _utc_us(ex.update_us), "device": ex.device or "",
            **dict(zip(("avg_cadence_spm", "avg_ground_contact_s", "avg_stride_length_mm",
                        "avg_vertical_oscillation_mm", "avg_vertical_ratio"), m.mobility or (None,) * 5)),
        })
    return rows


@register("exercise_splits")
def _truth_exercise_splits(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    rows = []
    for ex in _exercises(person, lo, hi, as_of_ms):
        for kind, splits in (("split", ex.splits), ("summary", ex.split_summaries)):
            for i, sp in enumerate(splits):
                m = sp.metrics
                rows.append({"exercise_id": ex.id, "kind": kind, "idx": i, "split_type": sp.split_type,
                             **_interval_row(sp.start_ms, sp.start_offset_s, sp.end_ms, sp.end_offset_s),
                             "active_duration_s": float(sp.active_s), "calories_kcal": _float(m.calories_kcal),
                             "distance_mm": _float(m.distance_mm), "steps": m.steps, "avg_hr_bpm": m.avg_hr_bpm,
                             "avg_pace_s_per_m": m.avg_pace_s_per_m, "avg_speed_mm_per_s": m.avg_speed_mm_per_s,
                             "elevation_gain_mm": m.elevation_gain_mm, "active_zone_minutes": m.active_zone_minutes,
                             **dict(zip(("light_zone_s", "moderate_zone_s", "vigorous_zone_s", "peak_zone_s"),
                                        (_float(x) for x in m.zone_s or (None,) * 4)))})
    return rows


@register("exercise_events")
def _truth_exercise_events(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"exercise_id": ex.id, "idx": i, "time_ms": t, "utc_offset_s": off, "event_type": kind}
            for ex in _exercises(person, lo, hi, as_of_ms) for i, (t, off, kind) in enumerate(ex.events)]


@register("exercise_tcx")
def _truth_exercise_tcx(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    f = fitness_of(person)
    rows = []
    for _t, _o, s in f.iter_sessions(lo, hi, as_of_ms):
        text = f.tcx(s)
        if text is not None:
            rows.append({"exercise_id": f.session_id(s), "tcx": text})
    return rows


@register("daily_heart_rate_zones")
def _truth_daily_zones(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    rows = []
    for d, bounds, dev in fitness_of(person).iter_daily_zones(lo, hi, as_of_ms):
        for i in range(4):
            rows.append({"date": d, "zone": HR_ZONES[i + 1], "min_bpm": bounds[i],
                         "max_bpm": bounds[i + 1] - (1 if i < 3 else 0), "device": _NAMES[dev]})
    return rows


@register("daily_vo2_max")
def _truth_daily_vo2(person: SyntheticPerson, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    return [{"date": d, "vo2_max_ml_kg_min": v, "cardio_fitness_level": level, "estimated": int(est),
             "vo2_max_covariance": cov, "device": _NAMES[dev]}
            for d, v, level, est, cov, dev in fitness_of(person).iter_daily_vo2(lo, hi, as_of_ms)]


@register("vo2_max")
def _truth_vo2(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "vo2_max_ml_kg_min": v, "measurement_method": method,
             "device": _NAMES[dev]}
            for t, off, v, method, dev in fitness_of(person).iter_vo2(lo, hi, as_of_ms)]


@register("run_vo2_max")
def _truth_run_vo2(person: SyntheticPerson, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "run_vo2_max_ml_kg_min": v, "device": _NAMES[dev]}
            for t, off, v, dev in fitness_of(person).iter_run_vo2(lo, hi, as_of_ms)]
