"""Intraday heart rate of one UTC day: samples following the minute plan, every ``interval_s``
seconds while a device is worn, as live (docs/facts/google-health-api.md#settled-by-captured-payloads: every 2 s on current devices, ~37,000 a
person-day, haelan ``probe/findings/volume.md``; 2-s spacing on the mcp-fitbit-air page of a
Fitbit Air tracker), or, with ``interval_s`` 0, irregular 1-15 s samples (the simulator's
earlier, ~4x lighter density, for tests that sync many days).

Low and steady in sleep (by stage), ~55-75 bpm awake with a daily rhythm by local time, up with
walking minutes, 110-170 in workouts, nothing while off-wrist (docs/facts/google-health-api.md#data-types: heart-rate is a
sample type; docs/facts/google-health-api.md#intraday-resolution: 1 s storage resolution).

A day has ~11000 samples and a year of them is most of what a backfill serves, so the day is
drawn with NumPy in batches (~2 ms instead of ~15 ms drawing one ``random.Random`` value at a
time): the sample times per stretch of minutes that share a spacing, then the readings as one
smoothed random walk towards each minute's target. Deterministic per (seed, day), like every
other stream of the person (NumPy may change a distribution's stream between releases; the
ground truth is drawn by the same code, so served data and truth always agree).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from .activity import DAY, IDLE, OFF, WORKOUT, MinutePlan, StepsDay
from .rand import digest_int
from .resting import base_rhr
from .timezones import EPOCH_ORDINAL

_SLEEP_DELTA = {10: 10.0, 11: 1.0, 12: -3.0, 13: 6.0, 14: 0.0, 15: 6.0}
_WORKOUT_BASE = {1: (110.0, 0.62), 2: (104.0, 0.25), 3: (108.0, 0.5)}  # run / walk / bike

# Spacing classes of a minute's state and their mean gap (s), to size a batch of draws.
_GAP_OFF, _GAP_IDLE, _GAP_WORKOUT, _GAP_SLEEP = 0, 1, 2, 3
_MEAN_GAP = (1.0, 0.9 * 6.5 + 0.1 * 13.5, 2.0, 10.0)
_CLASS = np.full(256, _GAP_SLEEP, dtype=np.uint8)
_CLASS[OFF], _CLASS[IDLE], _CLASS[WORKOUT] = _GAP_OFF, _GAP_IDLE, _GAP_WORKOUT
_SLEEP_DELTAS = np.zeros(256)
for _code, _delta in _SLEEP_DELTA.items():
    _SLEEP_DELTAS[_code] = _delta
_KIND_BASE = np.array([0.0] + [_WORKOUT_BASE[k][0] for k in (1, 2, 3)])
_KIND_GAIN = np.array([0.0] + [_WORKOUT_BASE[k][1] for k in (1, 2, 3)])


@dataclass(frozen=True)
class HeartRateDay:
    """Samples of one UTC day, ascending: epoch seconds, bpm, offset, device, in-workout flag."""

    day: int
    times: array  # 'q' epoch seconds
    bpm: array  # 'B'
    offsets: array  # 'i'
    devices: bytearray
    active: bytearray  # 1 during workouts (metadata.motionContext ACTIVE)


def _gaps(rng: np.random.Generator, gap_class: int, n: int) -> np.ndarray:
    """``n`` gaps (s) to the next sample: 1-3 in workouts, 5-15 asleep, else mostly 1-12."""
    if gap_class == _GAP_WORKOUT:
        return rng.integers(1, 4, n)
    if gap_class == _GAP_SLEEP:
        return rng.integers(5, 16, n)
    short, long_ = rng.integers(1, 13, n), rng.integers(12, 16, n)
    return np.where(rng.random(n) < 0.9, short, long_)


def _sample_times(rng: np.random.Generator, gap_class: int, t: int, end: int) -> tuple[np.ndarray, int]:
    """Sample times from ``t`` on while before ``end`` (spacing of one class), and the time of
    the sample after them (at or past ``end``)."""
    parts = []
    while True:
        at = t + np.cumsum(_gaps(rng, gap_class, int((end - t) / _MEAN_GAP[gap_class] * 1.25) + 8))
        k = int(np.searchsorted(at, end))
        parts.append(np.array([t]))
        if k < len(at):
            parts.append(at[:k])
            return np.concatenate(parts), int(at[k])
        parts.append(at[:-1])
        t = int(at[-1])


def heart_rate_day(seed: int, plan: MinutePlan, steps: StepsDay, interval_s: int = 0) -> HeartRateDay:
    """Generate the day's samples from the plan (states) and the steps (walking bursts)."""
    rng = np.random.default_rng(digest_int(seed, "heart-rate", plan.day))
    t0 = plan.day * DAY
    state = np.frombuffer(plan.state, dtype=np.uint8)
    gap_class = _CLASS[state]
    edges = np.flatnonzero(np.diff(gap_class)) + 1
    starts, ends = [0, *edges.tolist()], [*edges.tolist(), 1440]
    chunks: list[np.ndarray] = []
    fresh: list[int] = []  # index of the first sample after the device was put on again
    count = 0
    t = t0 + int(rng.integers(0, 5))
    for a, b in zip(starts, ends):
        c = int(gap_class[a])
        end = t0 + 60 * b
        if t >= end:
            continue
        if c == _GAP_OFF:  # the next sample comes 3-40 s after the device is back on
            t = end + int(rng.integers(3, 41))
            fresh.append(count)
            continue
        if not chunks:
            fresh.append(0)
        if interval_s > 0:
            times = np.arange(t, end, interval_s, dtype=np.int64)
            t = int(times[-1]) + interval_s
        else:
            times, t = _sample_times(rng, c, t, end)
        chunks.append(times)
        count += len(times)
    times = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    minute = (times - t0) // 60
    target = _minute_targets(seed, plan, steps)[minute]
    noise = rng.normal(0.0, 1.1, len(times))
    bpm = _smoothed(target, noise, fresh)
    m_state = state[minute]
    return HeartRateDay(
        plan.day,
        array("q", times.astype(np.int64).tobytes()),
        array("B", np.clip(np.floor(bpm + 0.5), 38, 205).astype(np.uint8).tobytes()),
        array("i", np.frombuffer(plan.offsets, dtype=np.int32)[minute].tobytes()),
        bytearray(np.frombuffer(plan.devices, dtype=np.uint8)[minute].tobytes()),
        bytearray((m_state == WORKOUT).astype(np.uint8).tobytes()),
    )


def _smoothed(target: np.ndarray, noise: np.ndarray, fresh: list[int]) -> np.ndarray:
    """The reading: each sample moves a fifth of the way to its minute's target plus noise,
    starting at the target where the device was put on."""
    out = np.empty(len(target))
    pull, step = (0.2 * target + noise).tolist(), target.tolist()
    starts = set(fresh)
    v = 0.0
    for i, p in enumerate(pull):
        v = step[i] if i in starts else 0.8 * v + p
        out[i] = v
    return out


def _minute_targets(seed: int, plan: MinutePlan, steps: StepsDay) -> np.ndarray:
    """The bpm each minute pulls towards (0 while off-wrist)."""
    t0 = plan.day * DAY
    state = np.frombuffer(plan.state, dtype=np.uint8)
    local = t0 + 60 * np.arange(1440) + np.frombuffer(plan.offsets, dtype=np.int32)
    ordinal = EPOCH_ORDINAL + local // DAY
    first = int(ordinal[0])
    rhr = np.array([base_rhr(seed, o) for o in range(first, int(ordinal[-1]) + 1)])[ordinal - first]
    hour = (local % DAY) / 3600
    idle = rhr + 9.0 + 4.0 * np.sin(2 * np.pi * (hour - 10) / 24) + 0.2 * np.frombuffer(steps.count, dtype=np.uint16)
    kind = np.frombuffer(plan.kind, dtype=np.uint8)
    workout = _KIND_BASE[kind] + _KIND_GAIN[kind] * np.frombuffer(plan.effort, dtype=np.uint8) - (rhr - 56.0)
    asleep = rhr + _SLEEP_DELTAS[state]
    return np.where(state == IDLE, idle, np.where(state == WORKOUT, workout, np.where(state == OFF, 0.0, asleep)))
