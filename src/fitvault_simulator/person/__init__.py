"""The synthetic person: deterministic from a seed, generated lazily per day, and ground truth.

Ground-truth methods return exactly what the API serves (docs/facts/google-health-api.md#payload-shapes shapes, as plain Python,
ascending), filtered to what exists at the simulated clock's ``now`` (or ``as_of``).
"""

from __future__ import annotations

import bisect
import string
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from ..clock import SimClock, to_ms
from .activity import DAY, ZERO_OMITTED, MinutePlan, StepsDay, minute_plan, steps_day
from .cache import DayCache
from .devices import DEVICES, Device, device_at
from .heart_rate import HeartRateDay, heart_rate_day
from .rand import stream
from .resting import resting_record
from .schedule import Schedule
from .sleep import SleepSession, served
from .timezones import EPOCH_ORDINAL, ZoneHistory, local_date
from .truth import TRUTH

__all__ = ["SleepSession", "SyntheticPerson"]

HR = tuple[int, int, int, int, int]  # (t ms, offset s, bpm, device index, active)
STEP = tuple[int, int, int, int, int, bool, int]  # (start ms, off, end ms, off, count, omitted, dev)


class SyntheticPerson:
    """One person's wearable history; see the module docstring.

    Parameters:
        seed: everything derives from it.
        history_start: membership start; no data before its local midnight.
        clock: the simulated clock deciding what exists yet (default: real time).
        cache_days: how many UTC days of heart-rate samples to keep (LRU; ~0.6 MiB a day at
            the live density, so a few days: enough for the walks in flight).
        heart_rate_interval_s: heart-rate spacing while worn (see
            :class:`~fitvault_simulator.SimulatorConfig`); 0: irregular 1-15 s everywhere.
    """

    def __init__(self, seed: int = 7, history_start: date = date(2025, 1, 15),
                 clock: SimClock | None = None, *, cache_days: int = 8, heart_rate_interval_s: int = 2) -> None:
        self.seed = seed
        self.heart_rate_interval_s = heart_rate_interval_s
        self.history_start = history_start
        self.clock = clock if clock is not None else SimClock()
        self.zones = ZoneHistory()
        self.history_start_s = self.zones.local_midnight(history_start)
        self.schedule = Schedule(seed, self.zones, history_start - timedelta(days=2))
        rng = stream(seed, "identity")
        self.health_user_id = str(rng.randrange(10**17, 10**18))
        self.legacy_user_id = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        self.birth_date = date(1984 + rng.randrange(10), rng.randint(1, 12), rng.randint(1, 28))
        self._plans: DayCache[MinutePlan] = DayCache(max(cache_days * 3, 64))
        self._steps: DayCache[StepsDay] = DayCache(max(cache_days * 3, 64))
        self._hr: DayCache[HeartRateDay] = DayCache(cache_days)

    # -- context -------------------------------------------------------------------------
    def zone_at(self, instant: datetime) -> tuple[str, int]:
        """(IANA zone, UTC offset seconds) in force at a tz-aware instant."""
        return self.zones.zone_at(instant)

    def device_at(self, instant: datetime) -> Device:
        """The wearable worn at a tz-aware instant."""
        return device_at(int(instant.timestamp() // 1))

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def local_noon(self, day: date) -> int:
        """Epoch second of local noon on ``day`` (when that day's resting HR appears)."""
        return self.zones.local_to_utc(datetime.combine(day, time(12, 0)))

    def _as_of_ms(self, as_of: datetime | None) -> int:
        return to_ms(as_of) if as_of is not None else self.clock.now_ms()

    # -- per-day arrays --------------------------------------------------------------------
    def minute_plan(self, day: int) -> MinutePlan:
        """The state of every minute of UTC day ``day`` (days since the epoch)."""
        return self._plans.get(day, lambda: minute_plan(self.schedule, self.zones, day, self.history_start_s))

    def steps_day(self, day: int) -> StepsDay:
        """Per-minute steps of UTC day ``day``."""
        return self._steps.get(day, lambda: steps_day(self.seed, self.minute_plan(day)))

    def heart_rate_day(self, day: int) -> HeartRateDay:
        """Heart-rate samples of UTC day ``day``."""
        return self._hr.get(day, lambda: heart_rate_day(self.seed, self.minute_plan(day), self.steps_day(day),
                                                        self.heart_rate_interval_s))

    # -- iteration used by the API and the ground truth -------------------------------------
    def _span(self, lo_ms: int, hi_ms: int) -> tuple[int, int] | None:
        lo_ms = max(lo_ms, self.history_start_s * 1000)
        if lo_ms >= hi_ms:
            return None
        return -(-lo_ms // 1000), -(-hi_ms // 1000)  # whole seconds s with lo <= s*1000 < hi

    def iter_heart_rate(self, lo_ms: int, hi_ms: int, as_of_ms: int, *,
                        descending: bool = False) -> Iterator[HR]:
        """Samples with lo <= t < hi that exist at ``as_of_ms`` (t < as_of)."""
        span = self._span(lo_ms, min(hi_ms, as_of_ms))
        if span is None:
            return
        lo_s, hi_s = span
        days = range(lo_s // DAY, (hi_s - 1) // DAY + 1)
        for day in reversed(days) if descending else days:
            c = self.heart_rate_day(day)
            i, j = bisect.bisect_left(c.times, lo_s), bisect.bisect_left(c.times, hi_s)
            for k in range(j - 1, i - 1, -1) if descending else range(i, j):
                yield c.times[k] * 1000, c.offsets[k], c.bpm[k], c.devices[k], c.active[k]

    def iter_steps(self, lo_ms: int, hi_ms: int, as_of_ms: int, *,
                   descending: bool = False) -> Iterator[STEP]:
        """Minute intervals with lo <= start < hi that have ended by ``as_of_ms``."""
        span = self._span(lo_ms, min(hi_ms, as_of_ms - 59_999))
        if span is None:
            return
        lo_s, hi_s = span
        days = range(lo_s // DAY, (hi_s - 1) // DAY + 1)
        offset_at = self.zones.offset_at
        for day in reversed(days) if descending else days:
            c, plan = self.steps_day(day), self.minute_plan(day)
            t0 = day * DAY
            m_lo, m_hi = max(-(-(lo_s - t0) // 60), 0), min(-(-(hi_s - t0) // 60), 1440)
            for m in range(m_hi - 1, m_lo - 1, -1) if descending else range(m_lo, m_hi):
                p = c.present[m]
                if p:
                    s = t0 + 60 * m
                    yield (s * 1000, plan.offsets[m], s * 1000 + 60_000, offset_at(s + 60),
                           c.count[m], p == ZERO_OMITTED, plan.devices[m])

    def iter_sleep(self, lo_end_ms: int, hi_end_ms: int, as_of_ms: int) -> list[SleepSession]:
        """Sessions (as served at ``as_of_ms``) whose end is in [lo, hi), ascending."""
        hi_end_ms = min(hi_end_ms, as_of_ms + 1)
        lo_s = max(lo_end_ms // 1000 - 1, self.history_start_s)
        hi_s = -(-hi_end_ms // 1000) + 1
        if lo_s >= hi_s:
            return []
        out = []
        seen: set[str] = set()
        for plan in self.schedule.days_overlapping(lo_s - DAY, hi_s):
            for p in plan.sessions:
                if p.start < self.history_start_s or p.session_id in seen:
                    continue
                if lo_end_ms <= p.end * 1000 < hi_end_ms:
                    s = served(p, as_of_ms, self.zones, self.health_user_id)
                    if s is not None:
                        seen.add(p.session_id)
                        out.append(s)
        return sorted(out, key=lambda s: s.start_ms)

    def session_by_id(self, session_id: str, as_of_ms: int) -> SleepSession | None:
        """The served session with this numeric id, if it exists at ``as_of_ms``."""
        for s in self.iter_sleep(self.history_start_s * 1000, as_of_ms + 1, as_of_ms):
            if s.id == session_id:
                return s
        return None

    def iter_resting(self, first_day: date, end_day: date, as_of_ms: int) -> list[tuple[date, int, str, int]]:
        """(local date, bpm, method, device index) for first_day <= date < end_day, ascending;
        a date's value exists from its local noon on."""
        out = []
        day = max(first_day, self.history_start)
        while day < end_day:
            noon = self.local_noon(day)
            if noon * 1000 > as_of_ms:
                break
            rec = resting_record(self.seed, day)
            if rec is not None:
                out.append((day, rec[0], rec[1], DEVICES.index(device_at(noon))))
            day += timedelta(days=1)
        return out

    def daily_step_totals(self, first_day: date, end_day: date, as_of_ms: int) -> dict[date, int]:
        """Sum of per-minute counts by local date of each minute's start (offset at its start);
        dates without a worn minute are absent."""
        lo = (first_day.toordinal() - EPOCH_ORDINAL - 1) * DAY * 1000
        hi = (end_day.toordinal() - EPOCH_ORDINAL + 1) * DAY * 1000
        totals: dict[date, int] = {}
        for s_ms, off, _e, _eo, n, _z, _d in self.iter_steps(lo, hi, as_of_ms):
            d = local_date(s_ms // 1000, off)
            if first_day <= d < end_day:
                totals[d] = totals.get(d, 0) + n
        return dict(sorted(totals.items()))

    def daily_heart_rate(self, first_day: date, end_day: date, as_of_ms: int) -> dict[date, tuple[int, int, int, int]]:
        """(min, sum, count, max) of bpm by local date of each sample."""
        lo = (first_day.toordinal() - EPOCH_ORDINAL - 1) * DAY * 1000
        hi = (end_day.toordinal() - EPOCH_ORDINAL + 1) * DAY * 1000
        acc: dict[date, list[int]] = {}
        for t_ms, off, bpm, _d, _a in self.iter_heart_rate(lo, hi, as_of_ms):
            d = local_date(t_ms // 1000, off)
            if first_day <= d < end_day:
                a = acc.get(d)
                if a is None:
                    acc[d] = [bpm, bpm, 1, bpm]
                else:
                    a[0] = min(a[0], bpm)
                    a[1] += bpm
                    a[2] += 1
                    a[3] = max(a[3], bpm)
        return {d: (a[0], a[1], a[2], a[3]) for d, a in sorted(acc.items())}

    # -- ground truth (the public contract for tests) ---------------------------------------
    def truth(self, table: str, lo: datetime | date, hi: datetime | date, *,
              as_of: datetime | None = None) -> list[dict]:
        """Rows a perfect sync stores in vault table ``table`` for [lo, hi): instants for timed
        tables (by sample time / start), local dates for daily and rollup tables; see
        :mod:`.truth` for the row shape."""
        fn = TRUTH.get(table)
        if fn is None:
            raise KeyError(f"no ground truth for table {table!r}; known: {', '.join(sorted(TRUTH))}")
        if isinstance(lo, datetime):
            return fn(self, to_ms(lo), to_ms(hi), self._as_of_ms(as_of))  # type: ignore[arg-type]
        return fn(self, lo, hi, self._as_of_ms(as_of))

    def heart_rate(self, start: datetime, end: datetime, *, as_of: datetime | None = None
                   ) -> list[tuple[int, int, int, str]]:
        """(epoch ms, utc offset s, bpm, device display name) with start <= t < end."""
        names = [d.display_name for d in DEVICES]
        return [(t, o, b, names[d]) for t, o, b, d, _a in
                self.iter_heart_rate(to_ms(start), to_ms(end), self._as_of_ms(as_of))]

    def resting_heart_rate(self, first_day: date, end_day: date, *, as_of: datetime | None = None
                           ) -> list[tuple[date, int, str]]:
        """(local date, bpm, calculation method) for first_day <= date < end_day."""
        return [(d, b, m) for d, b, m, _dev in self.iter_resting(first_day, end_day, self._as_of_ms(as_of))]

    def sleep_sessions(self, start: datetime, end: datetime, as_of: datetime | None = None
                       ) -> list[SleepSession]:
        """Sessions whose end instant is in [start, end), as served at ``as_of`` (default now)."""
        return self.iter_sleep(to_ms(start), to_ms(end), self._as_of_ms(as_of))

    def steps(self, start: datetime, end: datetime, *, as_of: datetime | None = None
              ) -> list[tuple[int, int, int, int, int]]:
        """(start ms, start offset s, end ms, end offset s, count) for minutes starting in
        [start, end) that have fully elapsed."""
        return [r[:5] for r in self.iter_steps(to_ms(start), to_ms(end), self._as_of_ms(as_of))]

    def daily_steps(self, first_day: date, end_day: date, *, as_of: datetime | None = None
                    ) -> list[tuple[date, int]]:
        """(local date, total steps) for first_day <= date < end_day; worn-but-zero days give 0."""
        return list(self.daily_step_totals(first_day, end_day, self._as_of_ms(as_of)).items())


# The families register their ground truth on import.
from . import fitness, logs, vitals, zones_energy  # noqa: E402, F401  # noqa: E402, F401
