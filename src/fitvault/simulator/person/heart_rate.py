"""Intraday heart rate of one UTC day: irregular 1-15 s samples following the minute plan.

Low and steady in sleep (by stage), ~55-75 bpm awake with a daily rhythm by local time, up with
walking minutes, 110-170 in workouts, nothing while off-wrist (reference §2.1: heart-rate is a
sample type; §1.10: 1 s storage resolution).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from .activity import DAY, OFF, IDLE, WORKOUT, MinutePlan, StepsDay
from .rand import stream
from .resting import base_rhr
from .timezones import EPOCH_ORDINAL

_SLEEP_DELTA = {10: 10.0, 11: 1.0, 12: -3.0, 13: 6.0, 14: 0.0, 15: 6.0}
_WORKOUT_BASE = {1: (110.0, 0.62), 2: (104.0, 0.25), 3: (108.0, 0.5)}  # run / walk / bike


@dataclass(frozen=True)
class HeartRateDay:
    """Samples of one UTC day, ascending: epoch seconds, bpm, offset, device, in-workout flag."""

    day: int
    times: array  # 'q' epoch seconds
    bpm: array  # 'B'
    offsets: array  # 'i'
    devices: bytearray
    active: bytearray  # 1 during workouts (metadata.motionContext ACTIVE)


def heart_rate_day(seed: int, plan: MinutePlan, steps: StepsDay) -> HeartRateDay:
    """Generate the day's samples from the plan (states) and the steps (walking bursts)."""
    rng = stream(seed, "heart-rate", plan.day)
    rand, randint, gauss = rng.random, rng.randint, rng.gauss
    t0 = plan.day * DAY
    times, bpms, offs = array("q"), array("B"), array("i")
    devs, active = bytearray(), bytearray()
    state, offsets = plan.state, plan.offsets
    targets = _minute_targets(seed, plan, steps)
    t = t0 + randint(0, 4)
    v = -1.0
    end = t0 + DAY
    while t < end:
        m = (t - t0) // 60
        st = state[m]
        if st == OFF:
            while m < 1440 and state[m] == OFF:
                m += 1
            t = t0 + 60 * m + randint(3, 40)
            v = -1.0
            continue
        target = targets[m]
        v = target if v < 0 else v + 0.2 * (target - v) + gauss(0.0, 1.1)
        b = int(v + 0.5)
        bpms.append(38 if b < 38 else 205 if b > 205 else b)
        times.append(t)
        offs.append(offsets[m])
        devs.append(plan.devices[m])
        active.append(1 if st == WORKOUT else 0)
        if st == WORKOUT:
            t += randint(1, 3)
        elif st >= 10:
            t += randint(5, 15)
        else:
            t += randint(1, 12) if rand() < 0.9 else randint(12, 15)
    return HeartRateDay(plan.day, times, bpms, offs, devs, active)


def _minute_targets(seed: int, plan: MinutePlan, steps: StepsDay) -> list[float]:
    """The bpm each minute pulls towards."""
    t0 = plan.day * DAY
    out = [0.0] * 1440
    for m in range(1440):
        st = plan.state[m]
        if st == OFF:
            continue
        local = t0 + 60 * m + plan.offsets[m]
        rhr = base_rhr(seed, EPOCH_ORDINAL + local // DAY)
        if st == IDLE:
            hour = (local % DAY) / 3600
            out[m] = rhr + 9.0 + 4.0 * math.sin(2 * math.pi * (hour - 10) / 24) + 0.2 * steps.count[m]
        elif st == WORKOUT:
            base, gain = _WORKOUT_BASE[plan.kind[m]]
            out[m] = base + gain * plan.effort[m] - (rhr - 56.0)
        else:
            out[m] = rhr + _SLEEP_DELTA[st]
    return out
