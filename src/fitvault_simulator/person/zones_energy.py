"""Active energy, altitude, time and calories in heart-rate zones, and pool swims of the synthetic
person, with their ground truth. All derive from the arrays of :mod:`.fitness`, so they agree
with the other types:

- ``active-energy-burned``: each worn awake minute's energy (the ``total-calories`` minute)
  minus the basal rate of its day, so BMR x worn minutes + active = total calories.
- ``altitude``: the climb (positive altitude change) of each outdoor-workout minute, the same
  minutes that make the floors and the exercise's ``elevationGainMillimeters``; descents are
  not sent (a barometer counts gains).
- ``time-in-heart-rate-zone``: one 1-minute interval per awake minute with heart rate, in the
  zone of its mean (LIGHT from 30 bpm .. PEAK, that local date's zones, the same as AZM and the
  exercises), so an ordinary day has ~900 LIGHT minutes; asleep minutes count in no zone. Both
  as in a real Takeout: 11,683 zone minutes over 13 days (~900 a day, 99.6 % LIGHT), the rest
  of the day HEART_RATE_ZONE_TYPE_UNSPECIFIED. ``dailyRollUp`` sums 60 s per minute and zone;
  ``calories-in-heart-rate-zone`` (rollup only) sums those minutes' total-calories energy.
  Days with heart rate but no zone time are present with zeros.
- ``swim-lengths-data``: now and then (local dates with ``(ordinal + seed) % 6 == 3``) a pool swim
  in the morning, the first of 45, 90, 150 or 240 minutes after waking at which the person is
  awake, wearing the watch and not working out for 25 minutes: 25 m lengths of 30-55 s, 13-24 strokes, mostly FREESTYLE, a
  rest after every fourth length. A simplification: the minute plan does not know the swim, so
  steps and heart rate of those minutes do not show it, and no exercise is recorded for it.

Arrival: minute records once their minute has ended (as steps); a swim's lengths when the swim
has ended (the watch syncs after the workout).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from .activity import ABSENT, DAY, IDLE
from .devices import DEVICES
from .fitness import HR_ZONES, DayView, Fitness, fitness_of, local_dates_ms
from .rand import stream
from .timezones import EPOCH_ORDINAL
from .truth import register

_NAMES = tuple(d.display_name for d in DEVICES)
POOL_MM = 25_000
_STROKES = ("FREESTYLE",) * 6 + ("BREASTSTROKE", "BACKSTROKE")


def _bmr(f: Fitness, day: int, cache: dict[int, int]) -> int:
    b = cache.get(day)
    if b is None:
        b = cache[day] = int(f.bmr_milli(day) + 0.5)
    return b


def iter_active_energy(f: Fitness, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False
                       ) -> Iterator[tuple]:
    """(start ms, off, end ms, off, active kcal milli, device) of worn awake minutes."""
    bmr: dict[int, int] = {}

    def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
        if v.steps.present[m] == ABSENT:
            return None
        return (*f._interval(s, off), v.motion.kcal[m] - _bmr(f, v.motion.day, bmr), v.plan.devices[m])
    return f._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit)


def iter_altitude(f: Fitness, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False
                  ) -> Iterator[tuple]:
    """(start ms, off, end ms, off, gain mm, device) of climbing minutes."""
    def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
        gain = v.motion.alt[m]
        return (*f._interval(s, off), gain, v.plan.devices[m]) if gain > 0 else None
    return f._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit)


def iter_time_in_zone(f: Fitness, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False
                      ) -> Iterator[tuple]:
    """(start ms, off, end ms, off, LIGHT..PEAK, device) of minutes in a heart-rate zone."""
    def emit(v: DayView, m: int, s: int, off: int) -> tuple | None:
        z = v.zones.zone[m]  # type: ignore[union-attr]
        return (*f._interval(s, off), HR_ZONES[z], v.plan.devices[m]) if z and v.plan.state[m] < 10 else None
    return f._minute_walk(lo_ms, hi_ms, as_of_ms, descending, emit, zones=True)


def zone_minutes(f: Fitness, what: str, lo_ms: int, hi_ms: int, as_of_ms: int) -> Iterator[tuple[int, tuple]]:
    """(start ms, (light, moderate, vigorous, peak)) of each minute with heart rate, ascending:
    seconds (``what`` = "time") or total-calories kcal milli ("calories") in its zone."""
    def emit(v: DayView, m: int, s: int, _off: int) -> tuple | None:
        z = v.zones
        if not z.hr_n[m]:  # type: ignore[union-attr]
            return None
        zone = z.zone[m] if v.plan.state[m] < 10 else 0  # type: ignore[union-attr]  # asleep: no zone
        value = 60 if what == "time" else v.motion.kcal[m]
        return s * 1000, tuple(value if zone == k else 0 for k in (1, 2, 3, 4))
    return f._minute_walk(lo_ms, hi_ms, as_of_ms, False, emit, zones=True)


def active_energy_minutes(f: Fitness, lo_ms: int, hi_ms: int, as_of_ms: int) -> Iterator[tuple[int, tuple]]:
    return ((r[0], (r[4],)) for r in iter_active_energy(f, lo_ms, hi_ms, as_of_ms))


def altitude_minutes(f: Fitness, lo_ms: int, hi_ms: int, as_of_ms: int) -> Iterator[tuple[int, tuple]]:
    return ((r[0], (r[4],)) for r in iter_altitude(f, lo_ms, hi_ms, as_of_ms))


def by_local_date(f: Fitness, series, first: date, stop: date, as_of_ms: int) -> dict[date, tuple]:
    """Per local date of the minute's start (its offset), the sums of ``series(f, lo, hi, as_of)``."""
    lo, hi = local_dates_ms(first, stop)
    acc: dict[int, list[int]] = {}
    for t, values in series(f, lo, hi, as_of_ms):
        o = EPOCH_ORDINAL + (t // 1000 + f._offset(t // 1000)) // DAY
        if first.toordinal() <= o < stop.toordinal():
            a = acc.get(o)
            if a is None:
                acc[o] = list(values)
            else:
                for i, x in enumerate(values):
                    a[i] += x
    return {date.fromordinal(o): tuple(acc[o]) for o in sorted(acc)}


# -- pool swims ------------------------------------------------------------------------------

def swim_lengths(f: Fitness, evening: date) -> list[tuple]:
    """(start ms, off, end ms, off, strokes, stroke type, device) of the swim on the morning of
    local date ``evening`` (the day whose awake period precedes that evening's main sleep)."""
    if (evening.toordinal() + f.seed) % 6 != 3:
        return []
    noon = f.zones.local_to_utc(datetime.combine(evening, time(12, 0)))
    plans = [p for p in f.p.schedule.days_overlapping(noon - 1, noon + 1) if p.evening == evening]
    if not plans:
        return []
    for after in (45, 90, 150, 240):  # the first free 25 minutes of these
        start = plans[0].awake_start + after * 60
        start -= start % 60
        end = start + 25 * 60
        if start >= f.history_start_s and all(
                f.p.minute_plan(t // DAY).state[t % DAY // 60] == IDLE for t in range(start, end, 60)):
            break
    else:
        return []
    rng = stream(f.seed, "swim", evening.toordinal())
    dev = f.p.minute_plan(start // DAY).devices[start % DAY // 60]
    out, t = [], start * 1000
    while True:
        dur = rng.randint(30_000, 55_000)
        if t + dur > end * 1000:
            break
        s_off, e_off = f._offset(t // 1000), f._offset((t + dur) // 1000)
        out.append((t, s_off, t + dur, e_off, rng.randint(13, 24), rng.choice(_STROKES), dev))
        t += dur + (rng.randint(20_000, 60_000) if len(out) % 4 == 0 else rng.randint(0, 3000))
    return out


def iter_swim_lengths(f: Fitness, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False
                      ) -> Iterator[tuple]:
    """Lengths starting in [lo, hi) of swims that have ended by ``as_of_ms``."""
    lo_ms = max(lo_ms, f.history_start_s * 1000)
    if lo_ms >= hi_ms:
        return iter(())
    first = date.fromordinal(EPOCH_ORDINAL + lo_ms // 1000 // DAY) - timedelta(days=1)
    last = date.fromordinal(EPOCH_ORDINAL + hi_ms // 1000 // DAY) + timedelta(days=1)
    out = []
    d = first
    while d <= last:
        lengths = swim_lengths(f, d)
        if lengths and lengths[-1][2] <= as_of_ms:
            out += [r for r in lengths if lo_ms <= r[0] < hi_ms]
        d += timedelta(days=1)
    out.sort()
    return iter(reversed(out) if descending else out)


# -- ground truth ------------------------------------------------------------------------------

def _row(s: int, so: int, e: int, eo: int, dev: int, **values: object) -> dict:
    return {"start_ms": s, "start_offset_s": so, "end_ms": e, "end_offset_s": eo, **values, "device": _NAMES[dev]}


@register("active_energy")
def _truth_active_energy(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [_row(s, so, e, eo, dev, active_kcal=k / 1000)
            for s, so, e, eo, k, dev in iter_active_energy(fitness_of(person), lo, hi, as_of_ms)]


@register("altitude")
def _truth_altitude(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [_row(s, so, e, eo, dev, gain_mm=g) for s, so, e, eo, g, dev in
            iter_altitude(fitness_of(person), lo, hi, as_of_ms)]


@register("time_in_heart_rate_zone")
def _truth_time_in_zone(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [_row(s, so, e, eo, dev, heart_rate_zone=z) for s, so, e, eo, z, dev in
            iter_time_in_zone(fitness_of(person), lo, hi, as_of_ms)]


@register("swim_lengths")
def _truth_swim_lengths(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [_row(s, so, e, eo, dev, stroke_count=n, stroke_type=kind) for s, so, e, eo, n, kind, dev in
            iter_swim_lengths(fitness_of(person), lo, hi, as_of_ms)]


def _zone_series(what: str):
    return lambda f, lo, hi, as_of: zone_minutes(f, what, lo, hi, as_of)


@register("daily_time_in_heart_rate_zone")
def _truth_daily_zone_time(person, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    days = by_local_date(fitness_of(person), _zone_series("time"), lo, hi, as_of_ms)
    return [{"date": d, "light_s": float(v[0]), "moderate_s": float(v[1]), "vigorous_s": float(v[2]),
             "peak_s": float(v[3]), "device": ""} for d, v in days.items()]


@register("daily_calories_in_heart_rate_zone")
def _truth_daily_zone_kcal(person, lo: date, hi: date, as_of_ms: int) -> list[dict]:
    days = by_local_date(fitness_of(person), _zone_series("calories"), lo, hi, as_of_ms)
    return [{"date": d, "light_kcal": v[0] / 1000, "moderate_kcal": v[1] / 1000, "vigorous_kcal": v[2] / 1000,
             "peak_kcal": v[3] / 1000, "device": ""} for d, v in days.items()]
