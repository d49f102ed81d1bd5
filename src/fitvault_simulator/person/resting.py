"""Daily resting heart rate: one value per local date, now and then missing (docs/facts/google-health-api.md#payload-shapes)."""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

from .rand import stream


@lru_cache(maxsize=4096)
def base_rhr(seed: int, ordinal: int) -> float:
    """The body's resting heart rate on local date ``ordinal`` (slow drifts plus daily noise)."""
    noise = stream(seed, "rhr", ordinal).gauss(0, 0.8)
    return 56.0 + 2.5 * math.sin(2 * math.pi * ordinal / 47) + 1.5 * math.sin(ordinal / 29.0) + noise


def resting_record(seed: int, day: date) -> tuple[int, str] | None:
    """(bpm, calculationMethod) served for local date ``day``; ``None`` on the ~1 in 20 days
    the device could not compute one."""
    rng = stream(seed, "rhr-record", day.toordinal())
    if rng.random() < 0.05:
        return None
    method = "WITH_SLEEP" if rng.random() < 0.85 else "ONLY_WITH_AWAKE_DATA"
    return round(base_rhr(seed, day.toordinal())), method
