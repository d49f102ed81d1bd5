"""The person's days: main sleep, naps, workouts and off-wrist time, generated forward in order.

A :class:`DayPlan` for evening ``D`` covers the awake period that ends at the bedtime of the night
starting on local date ``D`` plus that night. Bedtimes are chosen in local time (22:30-00:30 in
the zone in force), then pushed later if needed so that sessions never overlap, even across an
eastward flight. Plans are tiny (a few dozen tuples), so all of them are kept once generated;
the bulky per-minute and per-sample arrays live in :mod:`.activity` and :mod:`.heart_rate`.
"""

from __future__ import annotations

import bisect
import random
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .rand import stream
from .sleep import UNIT, SessionPlan, plan_session
from .timezones import ZoneHistory

MIN_AWAKE_S = 4 * 3600  # at least 4 h between the end of one main sleep and the next bedtime
MARGIN_S = 5 * 60


@dataclass(frozen=True)
class Workout:
    """A workout: ``kind`` is ``run``, ``walk`` or ``bike``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class DayPlan:
    """The awake period [``awake_start``, ``main.start``) and the night ``main``."""

    evening: date
    awake_start: int
    main: SessionPlan
    naps: tuple[SessionPlan, ...]
    workouts: tuple[Workout, ...]
    off_wrist: tuple[tuple[int, int], ...]  # shower, forgotten watch, charging

    @property
    def sessions(self) -> tuple[SessionPlan, ...]:
        """Naps then the main sleep, in time order."""
        return self.naps + (self.main,)


class Schedule:
    """Lazily forward-filled sequence of :class:`DayPlan` from ``first_evening`` on."""

    def __init__(self, seed: int, zones: ZoneHistory, first_evening: date) -> None:
        self.seed = seed
        self.zones = zones
        self.first_evening = first_evening
        self._days: list[DayPlan] = []
        self._starts: list[int] = []
        self._lock = threading.Lock()

    def _local(self, day: date, hh: int, mm: int, extra_s: int = 0) -> int:
        base = datetime.combine(day, time(hh, mm)) + timedelta(seconds=extra_s)
        return self.zones.local_to_utc(base)

    def _extend(self) -> None:
        evening = self.first_evening + timedelta(days=len(self._days))
        prev = self._days[-1] if self._days else None
        rng = stream(self.seed, "day", evening.toordinal())
        bed = self._local(evening, 22, 30, rng.randint(0, 240) * UNIT)
        awake_start = prev.main.end if prev else bed - 16 * 3600
        start = max(bed, awake_start + MIN_AWAKE_S)
        start += -start % UNIT
        end = start + rng.randint(720, 1020) * UNIT  # 6 h .. 8.5 h
        main = plan_session(rng, self.seed, start, end, main=True, staged=rng.random() > 0.12)
        placed: list[tuple[int, int]] = []
        window = (awake_start + 30 * 60, start - 30 * 60)
        naps = self._naps(rng, evening, window, placed)
        workouts = self._workouts(rng, evening, window, placed)
        off = self._off_wrist(rng, awake_start, window, placed)
        plan = DayPlan(evening, awake_start, main, naps, workouts, off)
        self._days.append(plan)
        self._starts.append(awake_start)

    def _naps(self, rng: random.Random, evening: date, window: tuple[int, int],
              placed: list[tuple[int, int]]) -> tuple[SessionPlan, ...]:
        if rng.random() >= 0.15:
            return ()
        s = self._local(evening, 13, 0, rng.randint(0, 180) * 60)
        e = s + rng.randint(20, 90) * 60
        if not _place((s, e), window, placed, margin=3600):
            return ()
        return (plan_session(rng, self.seed, s, e, main=False, staged=rng.random() < 0.2),)

    def _workouts(self, rng: random.Random, evening: date, window: tuple[int, int],
                  placed: list[tuple[int, int]]) -> tuple[Workout, ...]:
        if rng.random() >= 0.55:
            return ()
        hh, mm = (6, 30) if rng.random() < 0.4 else (17, 30)
        s = self._local(evening, hh, mm, rng.randint(0, 100) * 60)
        e = s + rng.randint(30, 75) * 60
        kind = rng.choices(("run", "walk", "bike"), (0.4, 0.35, 0.25))[0]
        return (Workout(s, e, kind),) if _place((s, e), window, placed) else ()

    def _off_wrist(self, rng: random.Random, awake_start: int, window: tuple[int, int],
                   placed: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
        shower = awake_start + rng.randint(35, 90) * 60
        wanted: list[tuple[int | None, int]] = [(shower - shower % 60, rng.randint(10, 25) * 60)]
        if rng.random() < 0.6:  # watch left on the desk
            wanted.append((None, rng.randint(10, 20) * 60))
        if rng.random() < 1 / 3:  # charging every few days
            wanted.append((None, rng.randint(60, 120) * 60))
        out = []
        for s, length in wanted:
            if s is None:
                span = window[1] - window[0] - length
                if span <= 0:
                    continue
                s = window[0] + rng.randrange(span)
                s -= s % 60
            if _place((s, s + length), window, placed):
                out.append((s, s + length))
        return tuple(sorted(out))

    def upto(self, instant: int) -> None:
        """Make sure every day whose awake period starts before ``instant`` exists."""
        with self._lock:
            while not self._days or self._days[-1].main.end <= instant:
                self._extend()

    def days_overlapping(self, lo: int, hi: int) -> list[DayPlan]:
        """Day plans whose [awake_start, main.end) overlaps [lo, hi)."""
        self.upto(hi)
        i = max(bisect.bisect_right(self._starts, lo) - 1, 0)
        out = []
        for plan in self._days[i:]:
            if plan.awake_start >= hi:
                break
            if plan.main.end > lo:
                out.append(plan)
        return out


def _place(iv: tuple[int, int], window: tuple[int, int], placed: list[tuple[int, int]],
           margin: int = MARGIN_S) -> bool:
    """Accept ``iv`` if it lies in ``window`` and keeps ``margin`` from everything placed."""
    s, e = iv
    if s < window[0] or e > window[1] or e <= s:
        return False
    if any(s < b + margin and a < e + margin for a, b in placed):
        return False
    placed.append(iv)
    return True
