"""Per-UTC-day minute plan (what the body was doing) and the per-minute step counts.

Steps follow docs/facts/google-health-api.md#data-types/docs/facts/google-health-api.md#payload-shapes and ZEROS: records exist only for worn, awake minutes; a worn
idle minute may be a true zero. Whether a zero is serialised with ``"count": "0"`` or by omitting
``count`` (docs/facts/google-health-api.md#true-zeros-in-list-pages) is decided here, deterministically, so it is stable per minute.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from .devices import device_index_at
from .rand import stream
from .schedule import Schedule
from .timezones import ZoneHistory

OFF, IDLE, WORKOUT = 0, 1, 2
SLEEP_CODES = {"AWAKE": 10, "LIGHT": 11, "DEEP": 12, "REM": 13, "ASLEEP": 14, "RESTLESS": 15}
WORKOUT_KINDS = {"run": 1, "walk": 2, "bike": 3}
DAY = 86_400

#: ``StepsDay.present`` values
ABSENT, WITH_COUNT, ZERO_OMITTED = 0, 1, 2


@dataclass(frozen=True)
class MinutePlan:
    """1440 minutes of UTC day ``day`` (days since the epoch)."""

    day: int
    state: bytearray  # OFF / IDLE / WORKOUT / SLEEP_CODES
    effort: bytearray  # workout effort 0..100
    kind: bytearray  # WORKOUT_KINDS value during workouts
    offsets: array  # UTC offset (s) at each minute start ('i')
    devices: bytearray  # device index at each minute start


def minute_plan(schedule: Schedule, zones: ZoneHistory, day: int, history_start: int) -> MinutePlan:
    """Paint day ``day`` minute by minute from the schedule; nothing before ``history_start``."""
    t0 = day * DAY
    state = bytearray([IDLE]) * 1440
    effort = bytearray(1440)
    kind = bytearray(1440)

    def span(a: int, b: int) -> range:
        return range(max((a - t0) // 60, 0), min(-(-(b - t0) // 60), 1440))

    for plan in schedule.days_overlapping(t0, t0 + DAY):
        for w in plan.workouts:
            total = (w.end - w.start) // 60
            for m in span(w.start, w.end):
                i = (t0 + m * 60 - w.start) // 60
                ramp = min(i + 1, total - i, 6) / 6
                state[m] = WORKOUT
                effort[m] = int(55 + 40 * ramp)
                kind[m] = WORKOUT_KINDS[w.kind]
        for a, b in plan.off_wrist:
            for m in span(a, b):
                state[m] = OFF
        for session in plan.sessions:
            for s, e, stage in session.stages:
                code = SLEEP_CODES[stage]
                for m in span(s, e):
                    state[m] = code
    if history_start > t0:
        for m in range(min((history_start - t0 + 59) // 60, 1440)):
            state[m] = OFF
    offsets = array("i", (zones.offset_at(t0 + 60 * m) for m in range(1440)))
    devices = bytearray(device_index_at(t0 + 60 * m) for m in range(1440))
    return MinutePlan(day, state, effort, kind, offsets, devices)


@dataclass(frozen=True)
class StepsDay:
    """Step counts of the 1440 minutes of a UTC day; ``present`` says which have a record."""

    day: int
    count: array  # 'H'
    present: bytearray  # ABSENT / WITH_COUNT / ZERO_OMITTED


def steps_day(seed: int, plan: MinutePlan) -> StepsDay:
    """Generate step counts: a walking/idle Markov chain over awake minutes, workouts by kind."""
    rng = stream(seed, "steps", plan.day)
    count = array("H", bytes(2 * 1440))
    present = bytearray(1440)
    walking = False
    t0 = plan.day * DAY
    for m in range(1440):
        st = plan.state[m]
        if st == IDLE:
            local_hour = ((t0 + 60 * m + plan.offsets[m]) % DAY) // 3600
            p_start = 0.03 if 8 <= local_hour < 20 else 0.01
            walking = rng.random() < (0.72 if walking else p_start)
            if walking:
                n = rng.randint(55, 125)
            else:
                n = 0 if rng.random() < 0.7 else rng.randint(1, 30)
        elif st == WORKOUT:
            walking = False
            k = plan.kind[m]
            n = rng.randint(150, 178) if k == 1 else rng.randint(100, 130) if k == 2 else (
                0 if rng.random() < 0.8 else rng.randint(1, 4))
        else:
            walking = False
            continue
        count[m] = n
        present[m] = ZERO_OMITTED if n == 0 and rng.random() < 0.5 else WITH_COUNT
    return StepsDay(plan.day, count, present)
